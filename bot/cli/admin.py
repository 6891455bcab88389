"""`ringround db …`, `group …` and `organiser …`: setting a deployment up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.common import GroupOption, JsonFlag, actor, now, print_json, run

if TYPE_CHECKING:
    from config import Settings
    from rota.storage.db import Database

db_app = typer.Typer(help="Create or migrate the database.", no_args_is_help=True)
group_app = typer.Typer(help="Groups (PPGs); the first group is the default.", no_args_is_help=True)
organiser_app = typer.Typer(help="Organisers of a group.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create the database or bring it up to the latest schema (Alembic)."""
    from rota.storage.migrate import current_revision, head_revision, upgrade

    async def work(_config: Settings, db: Database) -> str | None:
        await upgrade(db)
        return await current_revision(db)

    revision = run(work)
    typer.echo(f"database is at revision {revision} (latest {head_revision()})")


@group_app.command("create")
def group_create(
    name: Annotated[str, typer.Argument(help="The group's name, e.g. 'Riverside PPG'.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone.")] = "Europe/London",
) -> None:
    """Create a group."""
    from rota.services import groups as group_service

    async def work(_config: Settings, db: Database) -> str:
        group = await group_service.create_group(
            db, name, timezone=timezone, actor=actor(), now=now()
        )
        return f"created group '{group.name}' (join code {group.code})"

    typer.echo(run(work))


@group_app.command("list")
def group_list(as_json: JsonFlag = False) -> None:
    """List groups with their settings."""
    from rota.services.groups import list_groups

    rows = run(lambda _config, db: list_groups(db))
    if as_json:
        print_json(rows)
        return
    if not rows:
        typer.echo("no groups yet: `ringround group create NAME`")
    for row in rows:
        typer.echo(", ".join(f"{k}: {v}" for k, v in row.items()))


@group_app.command("set")
def group_set(
    setting: Annotated[
        str,
        typer.Argument(
            help="e.g. call_minutes, quiet_hours, practice_contact, sms_number, timezone, name."
        ),
    ],
    value: Annotated[str, typer.Argument(help="e.g. 20, 09:00-20:00, +441632960001")],
    group: GroupOption = None,
) -> None:
    """Change a group setting, e.g. `call_minutes 20` or `quiet_hours 09:00-20:00`."""
    from rota.services import groups as group_service

    async def work(config: Settings, db: Database) -> str:
        changed = await group_service.set_setting(
            db,
            group,
            setting,
            value,
            actor=actor(),
            now=now(),
            allow_fictional=config.allow_fictional_numbers,
        )
        shown = group_service.describe_settings(changed).get(setting, value)
        return f"{changed.name}: {setting} = {shown}"

    typer.echo(run(work))


@organiser_app.command("add")
def organiser_add(
    telegram_id: Annotated[
        int | None, typer.Option("--telegram-id", help="Their numeric Telegram user id.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="Their mobile, for SMS alerts.")] = None,
    name: Annotated[str | None, typer.Option(help="How to address them.")] = None,
    group: GroupOption = None,
) -> None:
    """Make someone an organiser of the group."""
    from rota.services import groups as group_service

    async def work(config: Settings, db: Database) -> str:
        await group_service.add_organiser(
            db,
            group,
            telegram_id=telegram_id,
            phone=phone,
            name=name,
            actor=actor(),
            now=now(),
            allow_fictional=config.allow_fictional_numbers,
        )
        return "organiser added"

    typer.echo(run(work))


@organiser_app.command("set")
def organiser_set(
    setting: Annotated[str, typer.Argument(help="quiet_hours or digest_at.")],
    value: Annotated[str, typer.Argument(help="e.g. 08:00-21:00, 18:00, or off.")],
    telegram_id: Annotated[
        int | None, typer.Option("--telegram-id", help="The organiser's Telegram user id.")
    ] = None,
    phone: Annotated[str | None, typer.Option(help="The organiser's mobile.")] = None,
    group: GroupOption = None,
) -> None:
    """An organiser's own hours (urgent alerts still go at once) or daily digest time."""
    from rota.phones import parse_phone
    from rota.services import hours

    async def work(config: Settings, db: Database) -> dict[str, str]:
        e164 = None
        if phone is not None:
            e164 = parse_phone(phone, allow_fictional=config.allow_fictional_numbers).e164
        return await hours.set_for_organiser(
            db,
            group,
            telegram_id=telegram_id,
            phone=e164,
            setting=setting,
            value=value,
            actor=actor(),
            now=now(),
        )

    shown = run(work)
    typer.echo(f"organiser: {setting} = {shown[setting]}")
