"""The send-time rules that live in `rota.services`, looked up when first needed.

`rota.services` queues through the outbox, so the outbox cannot import it while loading;
these defaults are what `serve`, the demo and the tests all get unless they pass their own.
"""

from __future__ import annotations

from collections.abc import Mapping

from rota.outbox.models import Reword, UndeliverableHook


def default_rewording() -> Mapping[str, Reword]:
    from rota.services.wording import SEND_TIME_WORDING  # see the module docstring

    return SEND_TIME_WORDING


def default_undeliverable_hook() -> UndeliverableHook:
    from rota.services.unreachable import tell_organisers_undeliverable

    return tell_organisers_undeliverable
