"""Who may ring whom (rota.rules.ringing), as pure functions: records name volunteers on a
patient's never-pair list by phone, the planner by id."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from rota.domain import VolunteerStatus
from rota.planner.model import PatientNeed, VolunteerOffer
from rota.rules.ringing import may_ring, speaks, takes_calls


@dataclass(frozen=True)
class Volunteer:
    phone: str
    languages: tuple[str, ...] = ("en",)


@dataclass(frozen=True)
class Patient:
    language: str = "en"
    never_pair: list[str] = field(default_factory=list)


ANNE = Volunteer("+447700900001")
ZOFIA = Volunteer("+447700900002", ("en", "pl"))


def test_a_volunteer_who_speaks_the_patients_language_may_ring_them():
    assert may_ring(ANNE, Patient(), known_as=ANNE.phone)
    assert may_ring(ZOFIA, Patient("pl"), known_as=ZOFIA.phone)


def test_a_volunteer_who_does_not_speak_the_patients_language_may_not():
    assert not may_ring(ANNE, Patient("pl"), known_as=ANNE.phone)
    assert not speaks(ANNE, "pl")
    assert speaks(ZOFIA, "pl")


def test_a_volunteer_on_the_patients_never_pair_list_may_not_whatever_they_speak():
    patient = Patient("en", [ANNE.phone])
    assert not may_ring(ANNE, patient, known_as=ANNE.phone)
    assert may_ring(ZOFIA, patient, known_as=ZOFIA.phone)


def test_the_planner_asks_the_same_rule_with_volunteer_ids():
    patient = PatientNeed(id=1, ref="P1", risk="high", language="pl", never_pair=frozenset({2}))
    speaker = VolunteerOffer(id=1, windows=(), max_calls=3, languages=frozenset({"en", "pl"}))
    barred = VolunteerOffer(id=2, windows=(), max_calls=3, languages=frozenset({"pl"}))
    other = VolunteerOffer(id=3, windows=(), max_calls=3)
    assert may_ring(speaker, patient, known_as=speaker.id)
    assert not may_ring(barred, patient, known_as=barred.id)
    assert not may_ring(other, patient, known_as=other.id)


@pytest.mark.parametrize(
    ("status", "takes"),
    [
        (VolunteerStatus.ACTIVE, True),
        (VolunteerStatus.PAUSED, False),
        (VolunteerStatus.PENDING, False),
        (VolunteerStatus.LEFT, False),
        (VolunteerStatus.REJECTED, False),
    ],
)
def test_only_an_active_volunteer_takes_calls(status, takes):
    assert takes_calls(status) is takes
