"""``flask`` commands; they call the same services as the views."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .extensions import db

demo_cli = AppGroup("demo", help="Demo data for a Lysekil-like municipality.")


@demo_cli.command("load")
def demo_load() -> None:
    """Fill an empty database with demo data; does nothing if it is already there."""
    from . import demo

    loaded = demo.load()
    db.session.commit()
    click.echo("Demo data loaded." if loaded else "Demo data was already there; nothing changed.")
    click.echo(demo.logins_text())


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
