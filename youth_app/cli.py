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


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
