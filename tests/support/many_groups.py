"""Many practice-like groups in one database, for the planning-job tests and benchmark."""

from __future__ import annotations

import random
from datetime import datetime

from rota.services.audit import CLI
from rota.services.groups import add_organiser, create_group
from rota.services.importing import import_patients, import_volunteers
from rota.storage.db import Database
from rota.storage.people import Group
from tests.support.practice import patients_csv, volunteers_csv


async def many_groups(
    db: Database, now: datetime, count: int, *, patients: int, volunteers: int, seed: int = 5
) -> list[Group]:
    """`count` groups, each with its own seeded patients, volunteers and an organiser."""
    groups = []
    for n in range(count):
        rng = random.Random(seed + n)
        group = await create_group(
            db, f"Group {n:02d} PPG", timezone="Europe/London", actor=CLI, now=now
        )
        for use_case, data in (
            (import_volunteers, volunteers_csv(volunteers, rng)),
            (import_patients, patients_csv(patients, rng)),
        ):
            result = await use_case(
                db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
            )
            assert result.ok, result
        await add_organiser(
            db, group.name, telegram_id=1000 + n, phone=None, name="Olive", actor=CLI, now=now
        )
        groups.append(group)
    return groups
