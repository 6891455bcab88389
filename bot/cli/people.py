"""`ringround import …`, `patients list`, `volunteers list`."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from bot.cli.common import GroupOption, JsonFlag, actor, fail, now, print_json, run

if TYPE_CHECKING:
    from config import Settings
    from rota.services.importing import ImportResult
    from rota.storage.db import Database

import_app = typer.Typer(
    help="Import the at-risk list or volunteers from CSV, .xlsx or .ods.", no_args_is_help=True
)
patients_app = typer.Typer(help="The group's patients.", no_args_is_help=True)
volunteers_app = typer.Typer(help="The group's volunteers.", no_args_is_help=True)

FileArg = Annotated[
    Path, typer.Argument(help="A CSV, .xlsx or .ods file (first sheet) with a header row.")
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would change; change nothing.")]
CsvFlag = Annotated[bool, typer.Option("--csv", help="CSV output (safe to open in Excel).")]


def _read(path: Path) -> bytes:
    from rota.imports.csvfile import CsvFileError, read_file

    try:
        return read_file(path)
    except CsvFileError as error:
        fail(str(error))


def _report(result: ImportResult, dry_run: bool) -> None:
    if result.held is not None and not dry_run:
        fail(f"nothing imported: {result.held}; to confirm, run again with --allow-deactivate")
    if result.problems:
        typer.echo(f"nothing imported: {len(result.problems)} problem(s) in the file", err=True)
        for problem in result.problems[:200]:
            typer.echo(f"  {problem}", err=True)
        if len(result.problems) > 200:
            typer.echo(f"  … and {len(result.problems) - 200} more", err=True)
        raise typer.Exit(1)
    for note in result.notes:
        typer.echo(f"  {note}")
    counts = result.counts()
    verb = "would be" if dry_run else "were"
    typer.echo(
        f"{result.kind}: {counts['added']} {verb} added, {counts['updated']} {verb} updated, "
        f"{counts['deactivated']} {verb} deactivated, {counts['unchanged']} unchanged"
    )
    if dry_run:
        for label, keys in (
            ("add", result.added),
            ("update", result.updated),
            ("deactivate", result.deactivated),
        ):
            if keys:
                shown = ", ".join(keys[:20]) + (" …" if len(keys) > 20 else "")
                typer.echo(f"  {label}: {shown}")
        if result.held is not None:
            typer.echo(f"  held: {result.held} (with --allow-deactivate)")
        typer.echo("dry run: nothing was changed")


def _import(
    kind: str,
    path: Path,
    dry_run: bool,
    group: str | None,
    maps: list[str] | None,
    allow_deactivate: bool = False,
) -> None:
    from rich.progress import Progress

    from rota.imports.columns import parse_map
    from rota.imports.csvfile import CsvFileError
    from rota.services import people
    from rota.services.importing import import_patients, import_volunteers

    data = _read(path)
    try:
        mapping = parse_map(maps or [])
    except CsvFileError as error:
        fail(str(error))
    use_case: Any = import_patients if kind == "patients" else import_volunteers
    options = {"allow_deactivate": allow_deactivate} if kind == "patients" else {}

    async def work(config: Settings, db: Database) -> ImportResult:
        group_id = await people.group_id(db, group)
        with Progress(transient=True, disable=len(data) < 200_000) as progress:
            task = progress.add_task(f"checking {path.name}", total=None)
            result: ImportResult = await use_case(
                db,
                group_id=group_id,
                data=data,
                actor=actor(),
                now=now(),
                dry_run=dry_run,
                allow_fictional=config.allow_fictional_numbers,
                on_progress=lambda done, total: progress.update(task, completed=done, total=total),
                mapping=mapping,
                **options,
            )
            return result

    _report(run(work), dry_run)


AllowDeactivate = Annotated[
    bool,
    typer.Option(
        "--allow-deactivate",
        help="The list is complete: deactivate the patients missing from it, even more than "
        "the group's deactivate_share of the active patients.",
    ),
]


MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="'Header=field' for a column with a name of its own ('Mobile Telephone=phone'); "
        "'Header=' ignores it. Repeatable; remembered for the group once an import succeeds.",
    ),
]


@import_app.command("patients")
def import_patients_command(
    file: FileArg,
    dry_run: DryRun = False,
    allow_deactivate: AllowDeactivate = False,
    map_: MapOption = None,
    group: GroupOption = None,
) -> None:
    """Import the practice's at-risk list; patients missing from it are deactivated."""
    _import("patients", file, dry_run, group, map_, allow_deactivate)


@import_app.command("volunteers")
def import_volunteers_command(
    file: FileArg, dry_run: DryRun = False, map_: MapOption = None, group: GroupOption = None
) -> None:
    """Import volunteers; they are active at once."""
    _import("volunteers", file, dry_run, group, map_)


def _listing(kind: str, group: str | None) -> list[dict[str, Any]]:
    from rota.services import people

    async def work(_config: Settings, db: Database) -> list[dict[str, Any]]:
        lister = people.list_patients if kind == "patients" else people.list_volunteers
        return await lister(db, group, actor=actor(), now=now())

    return run(work)


def _print_table(rows: list[dict[str, Any]], as_csv: bool) -> None:
    if not rows:
        typer.echo("none yet")
        return
    header = list(rows[0])
    if as_csv:
        from rota.imports.csvfile import write_csv

        typer.echo(write_csv(header, [[_cell(r[k]) for k in header] for r in rows]), nl=False)
        return
    for row in rows:
        typer.echo("  ".join(f"{k}={_cell(row[k])}" for k in header))


def _cell(value: Any) -> str:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return "" if value is None else str(value)


@patients_app.command("list")
def patients_list(
    as_json: JsonFlag = False, as_csv: CsvFlag = False, group: GroupOption = None
) -> None:
    """List patients (recorded in the audit log)."""
    rows = _listing("patients", group)
    print_json(rows) if as_json else _print_table(rows, as_csv)


@volunteers_app.command("list")
def volunteers_list(
    as_json: JsonFlag = False, as_csv: CsvFlag = False, group: GroupOption = None
) -> None:
    """List volunteers."""
    rows = _listing("volunteers", group)
    print_json(rows) if as_json else _print_table(rows, as_csv)


class TemplateKind(StrEnum):
    patients = "patients"
    volunteers = "volunteers"


@import_app.command("template")
def import_template(
    kind: Annotated[TemplateKind, typer.Argument(help="patients or volunteers")],
    file: Annotated[Path, typer.Argument(help="Where to write the CSV template.")],
) -> None:
    """Write a template CSV with every column and example rows (Ofcom drama numbers only)."""
    from rota.imports.templates import template_csv

    if file.exists():
        fail(f"{file} already exists; give a new file name")
    file.write_text(template_csv(kind.value), encoding="utf-8-sig", newline="")
    typer.echo(
        f"wrote {file}: fill it in (or paste your rows), then "
        f"`ringround import {kind.value} {file}`"
    )
