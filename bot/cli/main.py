"""Entry point of the `ringround` command.

Every sub-app is a light module: heavy libraries (the planner, matplotlib, PTB, Twilio,
the web stack, even SQLAlchemy) are imported inside the commands that use them, so
`ringround --help` and quick commands start in a fraction of a second
(`benchmarks/cli_startup.py`; `tests/cli/test_startup.py` keeps it so).
"""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli import admin, demo, people, privacy, report, rota, service, volunteers
from bot.cli.common import set_account

app = typer.Typer(
    name="ringround",
    help="Ringround: weekly befriending calls for Patient Participation Groups.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def root(
    account: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Your name for the audit log (default: your operating-system user name).",
            envvar="RINGROUND_AS",
        ),
    ] = None,
) -> None:
    """Ringround: weekly befriending calls for Patient Participation Groups."""
    set_account(account)


app.add_typer(admin.db_app, name="db")
app.add_typer(admin.group_app, name="group")
app.add_typer(admin.organiser_app, name="organiser")
app.add_typer(people.import_app, name="import")
app.add_typer(people.patients_app, name="patients")
app.add_typer(people.volunteers_app, name="volunteers")
app.add_typer(rota.rota_app, name="rota")
app.add_typer(rota.sessions_app, name="sessions")
app.command("report")(report.report)
app.command("messages")(report.messages)
app.add_typer(privacy.erase_app, name="erase")
app.command("purge")(privacy.purge)
app.command("audit")(privacy.audit)
app.add_typer(privacy.alerts_app, name="alerts")
people.volunteers_app.command("invite")(volunteers.invite)
people.volunteers_app.command("feed")(volunteers.feed)
people.volunteers_app.command("approve")(volunteers.approve)
people.volunteers_app.command("pause")(volunteers.pause)
people.volunteers_app.command("resume")(volunteers.resume)
people.volunteers_app.command("set")(volunteers.volunteer_set)
app.command("serve")(service.serve)
app.command("demo")(demo.demo)


def main() -> None:
    app()
