"""Each domain rule is written once, in the module named for it (issue 14, point 2).

A second copy of a rule drifts: "may this volunteer ring this patient" was once written four
times, and a fix to one copy left the others wrong. These read the source of rota/ and bot/.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SOURCES = sorted(
    path
    for folder in ("rota", "bot")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts
)

HOMES = {
    "rota/rules/ringing.py": ("may_ring", "speaks", "takes_calls"),
    "rota/rules/timing.py": (
        "evening_before",
        "reminder_times",
        "morning_text_time",
        "organisers_day_before",
        "swap_deadline",
        "open_call_deadline",
        "reoffer_from",
        "chaser_times",
        "urgent_repeat",
        "backups_told",
        "may_dial",
    ),
    "rota/storage/opt_outs.py": ("opt_out_phone",),
}
TIMES = (
    "EVENING_BEFORE",
    "DUE_SOON",
    "PATIENT_MORNING",
    "ORGANISERS_DAY_BEFORE",
    "OPEN_CALL_ESCALATION",
    "SWAP_UNTAKEN_WITHIN",
    "REOFFER_WITHIN",
    "CHASE_AFTER",
    "MAKE_UP_AFTER",
    "CHASE_ORGANISERS_AFTER",
    "URGENT_REPEAT",
    "URGENT_TO_BACKUP_AFTER",
    "DIAL_MARGIN",
)
# Erasure takes a forgotten volunteer's phone off never-pair lists: not a ringing rule.
NOT_RINGING = ("rota/storage/privacy_queries.py",)
# Queries say "active" in SQL; the organisers' list of volunteers puts active ones first.
NOT_TAKING_CALLS = ("rota/rules/", "rota/storage/", "rota/services/identity.py")
# Erasure stops texts to the one patient forgotten, not to everyone on their phone.
NOT_OPT_OUTS = ("rota/services/privacy.py",)


def _name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _lines(pattern: str, skip: tuple[str, ...] = ()) -> list[str]:
    found = re.compile(pattern)
    return [
        f"{_name(path)}:{n}: {line.strip()}"
        for path in SOURCES
        if not _name(path).startswith(skip)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if found.search(line)
    ]


def test_each_rule_is_defined_once_in_its_home():
    for home, names in HOMES.items():
        for name in names:
            assert [d.split(":")[0] for d in _lines(rf"^\s*(async )?def {name}\(")] == [home]


def test_each_time_the_rules_use_is_set_once_in_rota_rules_timing():
    for name in TIMES:
        assert [d.split(":")[0] for d in _lines(rf"^{name}\b.*=")] == ["rota/rules/timing.py"]


def test_no_other_module_compares_languages_or_never_pair_lists_for_ringing():
    listed = r"[\w.\[\]]+\.(languages|never_pair)\b"
    loop = re.compile(rf"\bfor [\w, ]+ in {listed}")  # going through a list is not comparing
    compared = _lines(rf"\bin {listed}", ("rota/rules/", *NOT_RINGING))
    assert [c for c in compared if not loop.search(c)] == []


def test_no_other_module_decides_who_is_taking_calls():
    assert _lines(r"status\s*[!=]=\s*VolunteerStatus\.ACTIVE\b", NOT_TAKING_CALLS) == []


def test_no_other_module_writes_an_opt_out():
    writes = _lines(r"opted_out_at\s*=(?!=)\s*(?!None\b)\S", ("rota/storage/opt_outs.py",))
    assert [w for w in writes if not w.startswith(NOT_OPT_OUTS)] == []
