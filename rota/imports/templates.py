"""Template files an organiser fills in: every column, with example rows.

The examples use only Ofcom's ranges for drama (07700 900xxx, 01632 960xxx), so a template
imported by mistake can never text or ring a real person.
"""

from __future__ import annotations

from rota.imports.csvfile import write_csv
from rota.imports.rows import PATIENT_COLUMNS, VOLUNTEER_COLUMNS

PATIENT_EXAMPLES = [
    ["RP1001", "Ada Example", "07700 900001", "high", "2", "Mon 10:00-12:00; Thu 14:00-16:00",
     "English", "no", "Prefers mornings", "yes", ""],
    ["RP1002", "Bill Sample", "01632 960002", "medium", "1", "Wed 14:00-17:00", "Polish", "no",
     "", "no", "07700 900011"],
    ["RP1003", "Cora Demo", "07700 900003", "low", "0.5", "", "", "yes", "", "yes", ""],
]  # fmt: skip
VOLUNTEER_EXAMPLES = [
    ["Val Volunteer", "07700 900011", "telegram", "Mon 09:00-12:00; Wed 14:00-17:00", "4",
     "English; Polish", "no"],
    ["Sam Caller", "07700 900012", "sms", "Thu 10:00-16:00", "3", "English", "yes"],
]  # fmt: skip


def template_csv(kind: str) -> str:
    if kind == "patients":
        return write_csv(list(PATIENT_COLUMNS), [list(r) for r in PATIENT_EXAMPLES])
    return write_csv(list(VOLUNTEER_COLUMNS), [list(r) for r in VOLUNTEER_EXAMPLES])
