"""Numbers that cannot receive texts: stop texting them, and tell organisers once.

What Twilio's error reference (https://www.twilio.com/docs/api/errors/<code>) says each code
means, and why it makes a number untextable rather than worth a retry:

| code  | when                   | Twilio's meaning                                             |
|-------|------------------------|--------------------------------------------------------------|
| 21614 | refused at create      | "'To' number is not a valid mobile number": likely a landline |
|       |                        | or an invalid number                                         |
| 21635 | refused at create      | "'To' number cannot be a landline" (where Twilio does not try |
|       |                        | landline delivery); advises not to send SMS to it            |
| 30004 | delivery status        | "Message blocked": the destination is blocked from receiving |
|       |                        | this message (blocklisted, opted out, carrier filtering)     |
| 30005 | delivery status        | "Unknown destination handset": unknown, inactive or no longer |
|       |                        | in service                                                   |
| 30006 | delivery status        | "Landline or unreachable carrier": the destination cannot    |
|       |                        | receive this message; advises not to retry the same SMS      |

30003 ("Unreachable destination handset": switched off, no signal) is temporary by Twilio's
own account and is deliberately not here. A re-import with a different number clears the
mark (rota/services/importing.py); the same number stays untextable until an organiser fixes
the record.
"""

from __future__ import annotations

UNDELIVERABLE_CODES: dict[str, str] = {
    "21614": "not a mobile number",
    "21635": "landline",
    "30004": "message blocked",
    "30005": "unknown or inactive number",
    "30006": "landline or unreachable carrier",
}


def undeliverable_reason(code: str | int | None) -> str | None:
    """Why a number cannot receive texts, for one of the codes above; else None."""
    return UNDELIVERABLE_CODES.get(str(code).strip()) if code not in (None, "") else None
