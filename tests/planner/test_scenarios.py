"""The planner's promises to organisers, one scenario each."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from rota.codes import day_letters
from rota.planner import (
    HeldCall,
    ZoomSessionNeed,
    calls_due,
    plan_week,
    replan_week,
)
from rota.windows import WeeklyWindow, next_week, week_monday
from tests.support.planner_builders import patient, request, volunteer
from tests.support.planner_checker import broken_rules


def holders(plan, patient_id):
    return [c.volunteer_id for c in plan.calls if c.patient_id == patient_id]


def test_a_patient_with_two_calls_gets_them_two_days_apart():
    group = request(
        [patient(1, "high")],
        [volunteer(1, "Mon 10:00-11:00; Tue 10:00-11:00"), volunteer(2, "Wed 10:00-11:00")],
    )
    plan = plan_week(group)
    days = sorted(c.weekday for c in plan.calls if c.volunteer_id)
    assert days == [0, 2]
    assert broken_rules(group, plan) == []


def test_a_second_call_with_no_day_two_days_away_stays_open_with_a_reason():
    group = request([patient(1, "high")], [volunteer(1, "Mon 10:00-11:00; Tue 10:00-11:00")])
    plan = plan_week(group)
    assert sum(1 for c in plan.calls if c.volunteer_id) == 1
    assert [c.volunteer_id for c in plan.calls].count(None) == 1
    assert "two or more days away" in plan.uncovered[0].reason


def test_a_high_risk_call_beats_any_number_of_medium_ones():
    # Volunteer 1 can take one call; only they can ring the high-risk patient on Monday.
    group = request(
        [patient(1, "high", "Mon 10:00-11:00; Wed 10:00-11:00"), patient(2), patient(3)],
        [volunteer(1, "Mon 10:00-11:00", max_calls=1), volunteer(2, "Wed 10:00-10:20", 1)],
    )
    plan = plan_week(group)
    assert holders(plan, 1) == [1, 2]
    assert plan.summary.coverage_by_risk["high"] == (2, 2)


def test_last_weeks_volunteer_keeps_their_patient_the_next_week():
    volunteers = [volunteer(v, "Mon 10:00-12:00; Thu 10:00-12:00", 4) for v in (1, 2, 3)]
    patients = [patient(p) for p in range(1, 7)]
    first = plan_week(request(patients, volunteers))
    kept = {c.patient_id: c.volunteer_id for c in first.calls}
    # Reverse the ids' order of preference: continuity must still win over fairness ties.
    second_patients = [replace(p, previous_volunteer_id=kept[p.id]) for p in patients]
    second = plan_week(request(second_patients, volunteers, week=next_week("2026-W49")))
    assert {c.patient_id: c.volunteer_id for c in second.calls} == kept
    assert second.summary.continuity_rate == 1.0


def test_continuity_gives_way_when_last_weeks_volunteer_speaks_the_wrong_language():
    group = request(
        [patient(1, language="pl", previous_volunteer_id=1)],
        [
            volunteer(1, "Mon 10:00-11:00"),
            volunteer(2, "Mon 10:00-11:00", languages=frozenset({"en", "pl"})),
        ],
    )
    assert holders(plan_week(group), 1) == [2]


def test_load_is_spread_in_proportion_to_each_volunteers_maximum():
    group = request(
        [patient(p) for p in range(1, 7)],
        [volunteer(1, "Mon 10:00-13:00", max_calls=10), volunteer(2, "Mon 10:00-13:00", 5)],
    )
    plan = plan_week(group)
    assert plan.summary.load == {1: 4, 2: 2}
    assert plan.summary.load_spread == 1.0


def test_a_fortnightly_patient_is_due_only_fourteen_days_after_their_last_call():
    rung_recently = patient(1, "low", last_call_on=date(2026, 11, 25))  # W48 Wednesday
    rung_two_weeks_ago = patient(2, "low", last_call_on=date(2026, 11, 23))  # W48 Monday
    never_rung = patient(3, "low")
    assert calls_due(rung_recently, "2026-W49") == 0
    assert calls_due(rung_recently, "2026-W50") == 1
    assert calls_due(never_rung, "2026-W49") == 1
    # Due in W50 only from Monday 7 December, 14 days after 23 November: Monday is fine.
    group = request(
        [rung_two_weeks_ago, patient(4, "low", last_call_on=date(2026, 11, 26))],
        [volunteer(1, "Mon 10:00-11:00; Wed 10:00-11:00; Thu 10:00-11:00")],
        week="2026-W50",
    )
    plan = plan_week(group)
    days = {c.patient_id: c.weekday for c in plan.calls if c.volunteer_id}
    assert days[4] == 3  # 26 Nov + 14 days = Thursday 10 Dec: not Monday or Wednesday
    assert 2 in days
    assert broken_rules(group, plan) == []


def test_a_polish_speaker_is_rung_by_a_volunteer_who_speaks_polish():
    group = request(
        [patient(1, language="pl")],
        [
            volunteer(1, "Tue 10:00-11:00"),
            volunteer(2, "Tue 10:00-11:00", languages=frozenset({"en", "pl"})),
        ],
    )
    assert holders(plan_week(group), 1) == [2]


def test_nobody_speaking_the_language_is_given_as_the_reason():
    group = request([patient(1, language="pl")], [volunteer(1, "Tue 10:00-11:00")])
    plan = plan_week(group)
    assert [(u.patient_id, u.reason) for u in plan.uncovered] == [(1, "nobody speaks Polish")]
    assert [c.volunteer_id for c in plan.calls] == [None]


def test_never_pair_is_respected_and_explained():
    group = request([patient(1, never_pair=frozenset({1}))], [volunteer(1, "Mon 10:00-11:00")])
    plan = plan_week(group)
    assert holders(plan, 1) == [None]
    assert plan.uncovered[0].reason == "never-pair excludes the only available volunteer"


def test_a_patient_outside_every_volunteers_time_is_told_which_windows_to_fill():
    group = request(
        [patient(1, windows="Fri 14:00-15:00", name="Mrs Xu")], [volunteer(1, "Mon 10:00-11:00")]
    )
    plan = plan_week(group)
    assert plan.uncovered[0].reason == "no volunteer is free in Mrs Xu's windows (Fri 14:00-15:00)"
    open_call = plan.calls[0]
    assert (open_call.volunteer_id, open_call.weekday, open_call.start) == (None, 4, 14 * 60)


def test_a_short_day_is_reported_with_the_volunteer_hours_it_lacks():
    group = request([patient(p) for p in range(1, 5)], [volunteer(1, "Thu 10:00-10:40")])
    plan = plan_week(group)
    assert {u.reason for u in plan.uncovered} == {
        "Thursday is short by 2 calls ≈ 0.7 volunteer-hours"
    }


def test_volunteers_at_their_maximum_are_given_as_the_reason():
    group = request([patient(1), patient(2)], [volunteer(1, "Mon 10:00-12:00", max_calls=1)])
    (uncovered,) = plan_week(group).uncovered
    assert uncovered.reason == (
        f"all volunteers who could ring R{uncovered.patient_id} are at their weekly maximum"
    )


def test_paused_volunteers_get_nothing():
    group = request([patient(1)], [volunteer(1, "Mon 10:00-11:00", paused=True)])
    assert holders(plan_week(group), 1) == [None]


def test_codes_are_unique_and_name_the_day():
    group = request(
        [patient(p, "high") for p in range(1, 6)],
        [volunteer(v, "Mon 10:00-12:00; Wed 10:00-12:00; Fri 10:00-12:00") for v in (1, 2)],
    )
    plan = plan_week(group)
    codes = [c.code for c in plan.calls]
    assert len(set(codes)) == len(codes) == 10
    letters = day_letters(week_monday(group.week))
    assert all(c.code[0] == letters[c.weekday] for c in plan.calls)


def test_the_same_input_gives_the_same_plan():
    group = request(
        [patient(p, ("high", "medium", "low")[p % 3]) for p in range(1, 30)],
        [volunteer(v, "Mon 10:00-12:00; Wed 14:00-15:00; Thu 10:00-11:00", 4) for v in range(1, 6)],
    )
    first, second = plan_week(group), plan_week(group)
    assert first.calls == second.calls and first.uncovered == second.uncovered


def test_replanning_never_moves_a_held_call_and_replans_released_ones():
    volunteers = [volunteer(v, "Mon 10:00-11:00; Wed 10:00-11:00", 3) for v in (1, 2)]
    group = request([patient(p) for p in range(1, 6)], volunteers)
    before = plan_week(group)
    by_one = [c for c in before.calls if c.volunteer_id == 1]
    held = [HeldCall(c.patient_id, 1, c.weekday, c.start, c.end, c.code) for c in by_one]
    # Volunteer 2 pauses: their calls are released and re-planned; volunteer 1's stay put.
    paused = request(group.patients, [volunteers[0], replace(volunteers[1], paused=True)])
    after, changed = replan_week(paused, held)
    for call in held:
        assert any(
            (c.patient_id, c.volunteer_id, c.weekday, c.start, c.code)
            == (call.patient_id, 1, call.weekday, call.start, call.code)
            for c in after.calls
        )
    # Volunteer 1 fills up to their maximum of 3 with released calls; the rest stay open.
    assert changed == 3 - len(held)
    assert after.summary.load == {1: 3}
    assert broken_rules(paused, after) == []


def test_replanning_hands_released_calls_to_someone_with_room():
    volunteers = [volunteer(v, "Mon 10:00-11:00", 3) for v in (1, 2)]
    group = request([patient(p) for p in range(1, 4)], volunteers)
    held = [HeldCall(1, 1, 0, 600, 620, "A1")]
    after, changed = replan_week(group, held)
    assert changed == 2
    assert [c.code for c in after.calls if c.patient_id == 1] == ["A1"]


def test_a_zoom_session_gets_a_free_host_and_its_invitees():
    host = volunteer(1, "Wed 13:00-16:00", zoom_host=True)
    session = ZoomSessionNeed(7, WeeklyWindow.parse("Wed 14:00-15:00"), capacity=2, title="Coffee")
    group = request([patient(p, zoom=True) for p in (1, 2, 3)], [host], sessions=[session])
    plan = plan_week(group)
    (planned,) = plan.sessions
    assert planned.host_id == 1 and len(planned.patient_ids) == 2
    assert all(not (14 * 60 <= c.start < 15 * 60) for c in plan.calls if c.volunteer_id == 1)
    assert broken_rules(group, plan) == []


def test_a_session_nobody_can_host_is_reported():
    session = ZoomSessionNeed(7, WeeklyWindow.parse("Wed 14:00-15:00"), capacity=5, title="Coffee")
    plan = plan_week(
        request([patient(1, zoom=True)], [volunteer(1, "Wed 13:00-16:00")], sessions=[session])
    )
    assert plan.sessions[0].host_id is None
    assert plan.summary.unhosted_sessions == (
        "no Zoom host is free for 'Coffee' (Wed 14:00-15:00)",
    )
