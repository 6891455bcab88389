"""Who may ring whom: the one rule, for the planner, open calls, swaps, offers and make-ups."""

from __future__ import annotations

from collections.abc import Collection
from typing import Protocol, TypeVar

from rota.domain import VolunteerStatus

K = TypeVar("K")
K_co = TypeVar("K_co", covariant=True)


class Speaker(Protocol):
    """A volunteer as this rule sees them: the languages they can make a call in."""

    @property
    def languages(self) -> Collection[str]: ...


class Callee(Protocol[K_co]):
    """A patient as this rule sees them: their language and who must never ring them."""

    @property
    def language(self) -> str: ...

    @property
    def never_pair(self) -> Collection[K_co]: ...


def may_ring(volunteer: Speaker, patient: Callee[K], *, known_as: K) -> bool:
    """Whether this volunteer may ever ring this patient: they speak the patient's language
    and are not on the patient's never-pair list. Time (windows, other calls) is not part of
    it. `known_as` is how the never-pair list names the volunteer: the records list phones
    (`volunteer.phone`), the planner ids (`volunteer.id`)."""
    return speaks(volunteer, patient.language) and known_as not in patient.never_pair


def speaks(volunteer: Speaker, language: str) -> bool:
    """Half of `may_ring`, for grouping volunteers by language before never-pair is applied."""
    return language in volunteer.languages


def takes_calls(status: VolunteerStatus | str) -> bool:
    """Whether a volunteer is taking calls now: active, not paused, pending or gone."""
    return status == VolunteerStatus.ACTIVE
