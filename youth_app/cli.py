"""``flask`` commands; they call the same services as the views."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for a Lysekil-like municipality.")


@demo_cli.command("load")
@click.option("--if-empty", is_flag=True,
              help="Load only into a database without any user (what `make run` does).")
def demo_load(if_empty: bool) -> None:
    """Fill the database with demo data; does nothing if it is already there."""
    from . import demo

    if if_empty and not demo.database_is_empty():
        click.echo("The database already has users; demo data not loaded.")
        return
    loaded = demo.load()
    db.session.commit()
    click.echo("Demo data loaded." if loaded else "Demo data was already there; nothing changed.")
    click.echo(demo.logins_text())


placements_cli = AppGroup("placements", help="Deadlines of offered places.")


@placements_cli.command("remind")
def placements_remind() -> None:
    """Remind youths two days before their reply deadline (run hourly)."""
    from .placements import services

    with _request_context():
        reminded = services.send_reminders()
        db.session.commit()
    click.echo(f"Reminders sent: {len(reminded)}")


@placements_cli.command("expire")
def placements_expire() -> None:
    """Expire unanswered offers past their deadline; their places go back (run hourly)."""
    from .placements import services

    with _request_context():
        expired = services.expire_unanswered()
        db.session.commit()
    click.echo(f"Offers expired: {len(expired)}")


def _request_context():
    """Links in e-mail need a host name: ``PUBLIC_URL`` (e.g. https://sommarjobb.lysekil.se)."""
    from flask import current_app

    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
    app.cli.add_command(placements_cli)
