"""Call codes ("A3"): a letter for the day and a number, unique among the calls a volunteer
can act on at any moment.

Codes are unique within a week's rota (a database constraint). A volunteer can act on more
than one week at once (this week's calls, the next week's once published, yesterday's for
36 h to log them), so the letters rotate over three sets, week by week: neighbouring weeks
never share a code, and "DONE A2" can only mean one call. I, O, Q, Y and Z are left out:
they read as digits or are awkward to say. Which set a week gets is fixed by its date alone.
"""

from __future__ import annotations

from datetime import date

LETTER_SETS = ("HJKLMNP", "RSTUVWX", "ABCDEFG")


def day_letters(monday: date) -> str:
    """The seven day letters (Monday first) of the week starting on `monday`."""
    weeks_since_epoch = (monday.toordinal() - 1) // 7  # date.min is a Monday
    return LETTER_SETS[weeks_since_epoch % len(LETTER_SETS)]


def next_code(existing: set[str], monday: date, weekday: int) -> str:
    """A new code for a call on that day of that week: its letter and the next free number."""
    letter = day_letters(monday)[weekday]
    numbers = [int(c[1:]) for c in existing if c[:1] == letter and c[1:].isdigit()]
    return f"{letter}{max(numbers, default=0) + 1}"


def keep_codes(
    planned: list[tuple[object, str, int]], previous: dict[object, str], monday: date
) -> list[str]:
    """Codes for a rebuilt draft: a call the rebuild keeps (same key: patient and time) keeps
    the code it had, so an organiser's notes still match; the others keep the planner's code
    unless it is now taken, then get the day's next free one. `planned` is (key, code, weekday)
    per call, in the plan's order."""
    codes: list[str | None] = [previous.get(key) for key, _, _ in planned]
    taken = {c for c in codes if c is not None}  # codes given so far
    used = taken | {code for _, code, _ in planned}
    for index, (_, code, weekday) in enumerate(planned):
        if codes[index] is not None:
            continue
        if code in taken:
            code = next_code(used, monday, weekday)
            used.add(code)
        codes[index] = code
        taken.add(code)
    return [c for c in codes if c is not None]
