"""The rota's rules as small pure functions, named as the people who use Ringround say them.

- `ringing`: who may ring whom (`may_ring`) and who takes calls at all (`takes_calls`).
- `timing`: when reminders, check-in texts, chasers, escalations, swap deadlines, re-offers
  and Zoom session messages are due.

Nothing here reads the clock, the database or settings: every instant is passed in. The
use-cases and sweeps in `rota.services` (and the planner) call these rules; a rule changed
here changes everywhere. Texting rules (quiet hours, consent) are in `rota.outbox.rules`.
"""
