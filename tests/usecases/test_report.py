import io
import struct
from datetime import timedelta

from rota.domain import OutcomeKind
from rota.exports.report_files import report_chart, report_csv, report_text
from rota.services.audit import CLI
from rota.services.outcomes import record_outcome
from rota.services.report import weekly_report
from tests.support.usecases import WEEK, calls, published_week


async def week_with_outcomes(db, now):
    world = await published_week(db, now)
    held = [c for c in await calls(db) if c.volunteer_id is not None]
    kinds = [OutcomeKind.OK, OutcomeKind.CONCERN, OutcomeKind.NO_ANSWER, OutcomeKind.URGENT]
    logged = []
    for call, kind in zip(held[:4], kinds, strict=True):
        note = "worried" if kind in (OutcomeKind.CONCERN, OutcomeKind.URGENT) else None
        await record_outcome(
            db,
            call.volunteer_id,
            kind=kind,
            call_id=call.id,
            note=note,
            channel="sms",
            now=call.ends_at,
        )
        logged.append(call)
    return world, held, logged


async def test_the_report_counts_reached_concerns_and_calls_per_volunteer(db, now):
    world, _held, logged = await week_with_outcomes(db, now)
    end_of_week = max(c.ends_at for c in await calls(db))
    report = await weekly_report(db, None, WEEK, actor=CLI, now=end_of_week)
    assert set(report) >= {
        "week",
        "patients_due",
        "reached",
        "not_reached",
        "concerns",
        "urgent",
        "calls_by_volunteer",
    }
    spoke_to = {
        c.patient_id
        for c, k in zip(logged, ["ok", "concern", "no", "urgent"], strict=True)
        if k != "no"
    }
    assert report["reached"] == len(spoke_to)
    assert report["concerns"] == 1 and report["urgent"] == 1
    assert sum(report["calls_by_volunteer"].values()) == 4
    refs_not_reached = [i["patient_ref"] for i in report["not_reached"]]
    assert report["reached"] + len(refs_not_reached) == report["patients_due"]
    assert all(i["reason"] for i in report["not_reached"])
    assert (
        any("no answer" in i["reason"] for i in report["not_reached"])
        or logged[2].patient_id in spoke_to
    )
    assert [e["kind"] for e in report["escalations"]] == ["concern", "urgent"]
    assert report["trend"][-1] == {
        "week": WEEK,
        "due": report["patients_due"],
        "reached": report["reached"],
    }
    assert world


async def test_the_report_chart_is_a_real_png_of_a_readable_size(sqlite_db, now):
    await week_with_outcomes(sqlite_db, now)
    report = await weekly_report(sqlite_db, None, WEEK, actor=CLI, now=now)
    png = report_chart(report)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (1100, 450)
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(png))
    # not a blank canvas: bars in the risk colours are drawn
    assert (pixels[..., :3].std(axis=(0, 1)) > 0.05).all()
    assert "patients reached" in report_text(report)
    assert report_csv(report).startswith("item,value,detail")


async def test_the_report_says_who_is_overdue_high_risk_first_then_the_longest_waiting(db, now):
    """Issue 19: low risk is "1 a fortnight", so whoever has waited longest must show."""
    from sqlalchemy import select

    from rota.storage import Patient

    _world, _held, logged = await week_with_outcomes(db, now)
    end_of_week = max(c.ends_at for c in await calls(db)) + timedelta(hours=1)
    report = await weekly_report(db, None, WEEK, actor=CLI, now=end_of_week)
    async with db.transaction() as session:
        patients = {p.id: p for p in await session.scalars(select(Patient))}
    spoken = {c.patient_id for c in logged[:2]} | {logged[3].patient_id}  # ok, concern, urgent
    overdue = report["overdue"]
    refs = [o["patient_ref"] for o in overdue]
    assert not {patients[p].ref for p in spoken} & set(refs), "someone just reached is listed"
    never = {p.ref for p in patients.values() if p.id not in spoken and p.active}
    assert set(refs) == never  # nobody had been reached before this week
    risks = [o["risk"] for o in overdue]
    assert risks == sorted(risks, key=["high", "medium", "low"].index)
    assert all(o["days_waited"] is None for o in overdue)
