"""Storage behaves the same on SQLite and PostgreSQL."""

from datetime import UTC, datetime, timedelta, timezone

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from rota.domain import ChannelKind, VolunteerStatus
from rota.storage import Base, Group, Volunteer
from rota.storage.db import Database
from rota.storage.migrate import current_revision, head_revision, upgrade

BST = timezone(timedelta(hours=1))


async def add_group(db: Database) -> int:
    async with db.transaction() as session:
        group = Group(name="Riverside", code="RIV1", timezone="Europe/London", settings={})
        session.add(group)
        await session.flush()
        return group.id


async def test_bst_and_gmt_instants_come_back_as_the_same_utc_instants(db):
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=BST)  # 09:00 UTC
    winter = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
    async with db.transaction() as session:
        a = Group(name="A", code="A1", settings={}, created_at=summer)
        b = Group(name="B", code="B1", settings={}, created_at=winter)
        session.add_all([a, b])
    async with db.transaction() as session:
        rows = {g.name: g.created_at for g in await session.scalars(select(Group))}
    assert rows["A"] == summer and rows["A"].tzinfo == UTC and rows["A"].hour == 9
    assert rows["B"] == winter and rows["B"].tzinfo == UTC


async def test_a_telegram_id_above_two_to_the_32_is_kept_exactly(db):
    group_id = await add_group(db)
    big = 2**32 + 123_456_789_012
    async with db.transaction() as session:
        session.add(
            Volunteer(
                group_id=group_id,
                name="Ann",
                phone="+447700900001",
                channel=ChannelKind.TELEGRAM,
                telegram_id=big,
                telegram_chat_id=big,
            )
        )
    async with db.transaction() as session:
        ann = await session.scalar(select(Volunteer))
    assert ann.telegram_id == big and ann.status == VolunteerStatus.PENDING


async def test_an_unknown_enum_value_is_refused_by_the_database(db):
    import pytest
    from sqlalchemy.exc import StatementError

    group_id = await add_group(db)
    with pytest.raises(StatementError):
        async with db.transaction() as session:
            session.add(
                Volunteer(group_id=group_id, name="X", phone="+447700900001", channel="pigeon")
            )


async def test_a_failed_unit_of_work_leaves_nothing_behind(db):
    import pytest

    with pytest.raises(RuntimeError):
        async with db.transaction() as session:
            session.add(Group(name="A", code="A1", settings={}))
            await session.flush()
            raise RuntimeError("boom")
    async with db.transaction() as session:
        assert (await session.scalars(select(Group))).all() == []


async def test_migrations_from_empty_build_exactly_the_models(tmp_path, request):
    """Run on both engines: an empty database migrated to head matches the models."""
    urls = [f"sqlite+aiosqlite:///{tmp_path / 'mig.db'}"]
    urls.append(
        request.getfixturevalue("postgres_url").replace("/ringround_test_", "/ringround_test_")
    )
    for url in urls:
        db = Database(url)
        try:
            if "postgresql" in url:
                async with db.engine.begin() as conn:
                    await conn.run_sync(lambda c: Base.metadata.drop_all(c))
                    await conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
            await upgrade(db)
            assert await current_revision(db) == head_revision()
            async with db.engine.connect() as conn:
                diff = await conn.run_sync(
                    lambda c: compare_metadata(
                        MigrationContext.configure(c, opts={"compare_type": False}), Base.metadata
                    )
                )
                tables = await conn.run_sync(lambda c: set(inspect(c).get_table_names()))
            assert diff == [], f"{url}: models and migrations differ: {diff}"
            assert set(Base.metadata.tables) <= tables
            await upgrade(db)  # a second upgrade is a no-op
        finally:
            await db.dispose()


async def test_a_read_only_snapshot_lets_others_write_meanwhile_and_keeps_its_view(db):
    """A planner's snapshot (Database.reading) holds no write lock on SQLite, and what it
    reads stays one consistent view while others commit."""
    await add_group(db)
    async with db.reading() as snapshot:
        before = (await snapshot.scalars(select(Group.name))).all()
        async with db.transaction() as session:  # would wait out the busy timeout, then fail
            session.add(Group(name="Meanwhile", code="MEA1", settings={}))
        during = (await snapshot.scalars(select(Group.name))).all()
    async with db.reading() as session:
        after = (await session.scalars(select(Group.name))).all()
    assert before == during == ["Riverside"]
    assert sorted(after) == ["Meanwhile", "Riverside"]
