"""``flask`` commands; they call the same services as the views."""
from __future__ import annotations

from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

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


mail_cli = AppGroup("mail", help="The outbox of e-mail.")


@mail_cli.command("send")
def mail_send() -> None:
    """Deliver every message that is due (run every few minutes; safe to run twice)."""
    from . import mail

    click.echo(f"E-mail sent: {mail.deliver_due()}")


@mail_cli.command("show")
@click.option("--last", default=5, show_default=True, help="How many of the newest messages.")
def mail_show(last: int) -> None:
    """Print the newest messages, links included, for trying the platform out without a
    mail server (`make run`). The log never holds them."""
    import sqlalchemy as sa

    from .models import OutgoingMessage

    for message in reversed(db.session.scalars(sa.select(OutgoingMessage).order_by(
            OutgoingMessage.id.desc()).limit(max(1, min(last, 100)))).all()):
        click.echo(f"--- {message.id} {message.kind} to {message.recipient} "
                   f"({message.status.value})\nSubject: {message.subject}\n\n{message.body}\n")


staff_cli = AppGroup("staff", help="Staff accounts' permissions.")


@staff_cli.command("auditor")
@click.argument("email")
@click.option("--revoke", is_flag=True, help="Take the permission away instead.")
def staff_auditor(email: str, revoke: bool) -> None:
    """Give an administrator the auditor permission: reading a round's full problem and
    result, with priority groups under pseudonyms. Written to the audit log."""
    import sqlalchemy as sa

    from . import audit
    from .models import User

    user = db.session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_administrator:
        raise click.ClickException(f"no administrator with the address {email}")
    user.auditor = not revoke
    audit.record("staff.auditor_revoked" if revoke else "staff.auditor_granted", user)
    db.session.commit()
    click.echo(f"{email} is {'no longer ' if revoke else ''}an auditor.")


@click.command("clock")
@click.option("--once", is_flag=True, help="Run every task once, then stop.")
@with_appcontext
def clock_command(once: bool) -> None:
    """The scheduler process: delivers the outbox, fails runs whose worker died, sends
    reminders and expires unanswered offers, each at its interval, until stopped."""
    import signal
    import threading

    from flask import current_app

    from . import clock

    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    clock.run(current_app._get_current_object(), stop, once=once)  # type: ignore[attr-defined]  # a LocalProxy


@click.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(target: Path) -> None:
    """Copy the whole database to TARGET (a new file): pg_dump's custom format for
    PostgreSQL, SQLite's backup API otherwise. It holds personal data: keep it safe."""
    from flask import current_app

    from . import backup

    try:
        backup.backup(current_app.config["SQLALCHEMY_DATABASE_URI"], target)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {target} ({target.stat().st_size} bytes).")


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask; replace the data.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace everything in the database by the copy in SOURCE (from `flask backup`).
    Stop the web, worker and clock processes first."""
    from flask import current_app

    from . import backup

    if not yes:
        click.confirm("Every record in the database is replaced by the backup's. Go on?",
                      abort=True)
    db.session.remove()
    db.engine.dispose()  # no connection of ours holds a lock the restore waits for
    try:
        backup.restore(current_app.config["SQLALCHEMY_DATABASE_URI"], source)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored from {source}.")


def _request_context():
    """Links in e-mail need a host name: ``PUBLIC_URL`` (e.g. https://sommarjobb.lysekil.se)."""
    from flask import current_app

    return current_app.test_request_context(base_url=current_app.config["PUBLIC_URL"])


translations_cli = AppGroup("translations", help="Catalogues for translators.")


def _language(value: str) -> str:
    from flask import current_app

    if value not in current_app.config["LANGUAGES"]:
        raise click.BadParameter(f"not one of {', '.join(current_app.config['LANGUAGES'])}")
    return value


@translations_cli.command("export")
@click.option("--language", required=True, help="e.g. so, or sv@ll for easy Swedish")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="a .po or .csv file")
def translations_export(language: str, out: Path) -> None:
    """The texts a language still needs (untranslated or fuzzy), for a translator."""
    from . import catalogues

    count = catalogues.export(_language(language), out)
    click.echo(f"{count} texts to translate into {language} written to {out}")


@translations_cli.command("import")
@click.option("--language", required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def translations_import(language: str, file: Path) -> None:
    """Translations from a .po, .csv (as exported) or .json file into the catalogue;
    run `pybabel compile -d translations` (or `make translations`) afterwards."""
    from . import catalogues

    try:
        taken, unknown = catalogues.import_(_language(language), file)
    except catalogues.ImportProblem as problem:
        raise click.ClickException(str(problem)) from problem
    left = catalogues.missing(language)
    click.echo(f"{taken} texts taken into {language}; {len(unknown)} not in the catalogue; "
               f"{len(left)} still missing")
    for message in left[:20]:
        click.echo(f"  missing: {catalogues.key(message)[:100]!r}")


@translations_cli.command("status")
def translations_status() -> None:
    """Each language: how many of its required texts are missing, and whether a person
    has reviewed it."""
    from flask import current_app

    from . import catalogues

    for language in current_app.config["LANGUAGES"]:
        state = "reviewed" if catalogues.reviewed(language) else "machine-assisted"
        click.echo(f"{language:6} {len(catalogues.missing(language)):4} missing  {state}")


def init_app(app: Flask) -> None:
    app.cli.add_command(translations_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(placements_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(clock_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
