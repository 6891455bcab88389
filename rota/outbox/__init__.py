"""The transactional outbox: queue messages with the change that causes them, send them later.

See ARCHITECTURE.md decision 2. `queue_message` writes in the caller's transaction; the
`Dispatcher` sends, retries, paces and re-checks consent and quiet hours at send time;
`apply_delivery_status` records provider callbacks forward-only.
"""

from rota.outbox.delivery import apply_delivery_status
from rota.outbox.dispatcher import Dispatcher
from rota.outbox.models import DispatchStats, UnreachableHook, VolunteerUnreachable
from rota.outbox.queue import queue_message
from rota.outbox.ratelimit import DEFAULT_RATE_LIMITS, RateLimit
from rota.outbox.recovery import FindsSent, ProviderAnswer, SendWindow
from rota.outbox.rules import next_allowed_send, suppression_reason

__all__ = [
    "DEFAULT_RATE_LIMITS",
    "DispatchStats",
    "Dispatcher",
    "FindsSent",
    "ProviderAnswer",
    "RateLimit",
    "SendWindow",
    "UnreachableHook",
    "VolunteerUnreachable",
    "apply_delivery_status",
    "next_allowed_send",
    "queue_message",
    "suppression_reason",
]
