"""Urgent alerts reach the practice contact by text, so it must be a number that can take one."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from bot.cli.main import app
from rota.domain import OutcomeKind
from rota.services.audit import CLI
from rota.services.groups import GroupError, add_organiser, describe_settings, set_setting
from rota.services.outcomes import record_outcome
from rota.storage import Group
from tests.support.usecases import calls, outbox, published_week


@pytest.mark.parametrize(
    "landline",
    ["01632 960999", "020 7946 0123", "+44 113 496 0500", "03069 990123", "0808 157 0123"],
)
async def test_a_practice_contact_that_cannot_take_a_text_is_refused_saying_why(db, now, landline):
    await published_week(db, now)
    with pytest.raises(GroupError) as refused:
        await set_setting(
            db, None, "practice_contact", landline, actor=CLI, now=now, allow_fictional=True
        )
    message = str(refused.value)
    assert "urgent alerts" in message and "text message" in message and "mobile" in message
    async with db.transaction() as session:
        group = (await session.scalars(select(Group))).one()
    assert group.practice_contact == "+447700900999"  # the mobile set before stays


async def test_an_urgent_outcome_texts_the_practice_contacts_mobile(db, now):
    await published_week(db, now)
    await set_setting(
        db, None, "practice_contact", "07700 900998", actor=CLI, now=now, allow_fictional=True
    )
    call = next(c for c in await calls(db) if c.volunteer_id is not None)
    await record_outcome(
        db,
        call.volunteer_id,
        kind=OutcomeKind.URGENT,
        code=call.code,
        note="Fell",
        channel="telegram",
        now=call.ends_at,
    )
    to_practice = [m for m in await outbox(db) if m.recipient_kind == "practice"]
    assert [(m.channel, m.address) for m in to_practice] == [("sms", "+447700900998")]


async def test_an_organiser_alerted_by_text_must_give_a_mobile(db, now):
    await published_week(db, now)
    with pytest.raises(GroupError, match="landline"):
        await add_organiser(
            db,
            None,
            telegram_id=None,
            phone="01632 960998",
            name="Pat",
            actor=CLI,
            now=now,
            allow_fictional=True,
        )
    organiser = await add_organiser(
        db,
        None,
        telegram_id=None,
        phone="07700 900997",
        name="Pat",
        actor=CLI,
        now=now,
        allow_fictional=True,
    )
    assert organiser.phone == "+447700900997"


async def test_a_landline_stored_before_the_rule_is_flagged_in_the_settings(sqlite_db, now):
    await published_week(sqlite_db, now)
    async with sqlite_db.transaction() as session:
        group = (await session.scalars(select(Group))).one()
        group.practice_contact = "+441632960999"
    shown = describe_settings(group)["practice_contact"]
    assert shown.startswith("+441632960999") and "cannot reach" in shown


def test_group_set_refuses_a_landline_practice_contact_on_the_command_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RINGROUND_DATABASE_URL", f"sqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("RINGROUND_ALLOW_FICTIONAL_NUMBERS", "true")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["group", "create", "Riverside PPG"]).exit_code == 0
    refused = runner.invoke(app, ["group", "set", "practice_contact", "01632 960999"])
    assert refused.exit_code != 0
    assert "landline" in refused.stderr and "mobile" in refused.stderr
    accepted = runner.invoke(app, ["group", "set", "practice_contact", "07700 900999"])
    assert accepted.exit_code == 0, accepted.stderr
