"""Messages the dispatcher words again from the current state just before sending, by purpose.

A notice queued at one moment may go out seconds or hours later; for these purposes what it
says is rebuilt then (or the message dropped when it is no longer true).
"""

from __future__ import annotations

from collections.abc import Mapping

from rota.outbox.models import Reword
from rota.services.rotas import reword_rota_notice

SEND_TIME_WORDING: Mapping[str, Reword] = {"published": reword_rota_notice}
