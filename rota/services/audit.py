"""Recording who did what: the writer lives in `rota.storage.audit`, below the outbox and the
use-cases that both record; these names stay here for the use-cases that import them."""

from rota.storage.audit import ACCOUNT_MAX, CLI, SCHEDULER, Actor, record

__all__ = ["ACCOUNT_MAX", "CLI", "SCHEDULER", "Actor", "record"]
