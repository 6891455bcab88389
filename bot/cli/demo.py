"""`ringround demo`: a complete simulated week on a throwaway SQLite database."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

import typer

from bot import composition
from rota.sample import SAMPLE_DIR
from rota.services.audit import CLI
from rota.services.groups import create_group
from rota.services.importing import import_patients, import_volunteers
from rota.services.people import list_patients, list_volunteers
from rota.storage.db import Database
from rota.storage.migrate import upgrade

SAMPLE = SAMPLE_DIR


def say(who: str, text: str) -> None:
    typer.echo(f"[{who}] {text}")


async def run_demo(folder: Path) -> None:
    db = Database(f"sqlite+aiosqlite:///{folder / 'demo.db'}")
    now = composition.now()
    try:
        await upgrade(db)
        group = await create_group(
            db, "Riverside PPG", timezone="Europe/London", actor=CLI, now=now
        )
        say("organiser", f"created the group '{group.name}' (join code {group.code})")
        for kind, use_case in (("volunteers", import_volunteers), ("patients", import_patients)):
            data = (SAMPLE / f"{kind}.csv").read_bytes()
            result = await use_case(
                db, group_id=group.id, data=data, actor=CLI, now=now, allow_fictional=True
            )
            say("organiser", f"imported {len(result.added)} {kind} from the practice's list")
        patients = await list_patients(db, None, actor=CLI, now=now)
        volunteers = await list_volunteers(db, None, actor=CLI, now=now)
        by_risk = {r: sum(p["risk"] == r for p in patients) for r in ("high", "medium", "low")}
        say(
            "organiser",
            f"{len(patients)} patients at risk ({by_risk['high']} high, {by_risk['medium']} "
            f"medium, {by_risk['low']} low); {sum(not p['textable'] for p in patients)} "
            "cannot be texted (landline or no consent)",
        )
        for volunteer in volunteers:
            say(
                "organiser",
                f"volunteer {volunteer['name']} ({volunteer['channel']}), up to "
                f"{volunteer['max_calls']} calls, free {'; '.join(volunteer['availability'])}",
            )
    finally:
        await db.dispose()


def demo() -> None:
    """Run a simulated week for a sample group on a throwaway database (fictional people)."""
    with tempfile.TemporaryDirectory(prefix="ringround-demo-") as folder:
        asyncio.run(run_demo(Path(folder)))
