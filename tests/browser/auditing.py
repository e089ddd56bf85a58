"""Helpers for the season test's auditor: what the public lottery may hold, a new
administrator made an auditor as the operator does it, the auditors' downloads and the
commands their section shows, and the audit rows those downloads leave.
"""
from __future__ import annotations

import json
import shlex
import subprocess
import sys
from hashlib import sha256
from pathlib import Path

import sqlalchemy as sa
from playwright.sync_api import Locator

from youth_app.extensions import db
from youth_app.labels import AUDIT_ACTIONS, AUDIT_VALUES
from youth_app.models import Role, Round, User

from .. import factories
from .journey import said, visit
from .season import APPLICANTS, open_link
from .site import Site

AUDITOR = "revisor@lysekil.example"


def lottery_tells_nothing_about_anyone(lottery: dict, seed: str, fingerprints: dict,
                                       problem: dict, result: dict) -> None:
    """The public lottery is the auditor's result's lottery, without the pseudonyms, and
    holds no priority group: every draw is SHA-256 of "<seed>:<pseudonym>", sorted."""
    assert (lottery["seed"], lottery["seed_fingerprint"], lottery["problem_fingerprint"]) \
        == (int(seed), fingerprints["seed"], fingerprints["problem"])
    assert lottery["draws"] == sorted(sha256(f"{seed}:{key}".encode("utf-8")).hexdigest()
                                      for key in result["lottery"])
    pseudonyms = {youth["id"] for youth in problem["youths"]}
    codes = {code for youth in problem["youths"] for code in youth["groups"]}
    assert len(pseudonyms) == APPLICANTS and {"targeted", "no_previous_placement"} <= codes
    published = json.dumps(lottery, ensure_ascii=False)
    assert [p for p in pseudonyms if p in published] == []
    assert [c for c in codes if c in published] == []


AUDIT_LINKS = ("This run's problem (JSON)", "This run's result (JSON)",
               "The problem as it was when applications closed (JSON)")


def audit_files(run_id: int, round_id: int) -> list[str]:
    """The auditors' downloads of a run, in the order of ``AUDIT_LINKS``."""
    return [f"/admin/runs/{run_id}/problem.json", f"/admin/runs/{run_id}/result.json",
            f"/admin/rounds/{round_id}/closing-problem.json"]


def auditors_section(site: Site, app, run_id: int):
    visit(site, f"/admin/runs/{run_id}")
    section = site.page.locator("section[aria-labelledby=audit-heading]")
    if section.count():
        assert section.locator("h2").inner_text() == said(app, "sv", "For auditors")
    return section


def auditor_checks_the_run(chromium, live_server, app, run_id: int, round_id: int,
                           folder: Path) -> tuple[dict, dict, str, str]:
    """A new administrator sees no auditors' section and is refused the files; made an
    auditor (``flask staff auditor``), they download the run's problem and result and
    the closing problem, and run the commands the page shows. Returns the problem, the
    result, the closing problem's fingerprint as ``python -m matching`` prints it, and
    the run page as the auditor saw it."""
    email, secret = new_administrator(app)
    auditor = Site.open(chromium, live_server)
    paths = audit_files(run_id, round_id)
    try:
        auditor.log_in(email, factories.PASSWORD, totp_secret=secret)
        assert auditors_section(auditor, app, run_id).count() == 0, \
            "an administrator is no auditor until given the permission"
        for path in paths:
            auditor.visit(path, status=403)
        make_auditor(app, email)
        section = auditors_section(auditor, app, run_id)
        assert section.count() == 1
        run_page = auditor.page.content()
        auditor.page.screenshot(path="/tmp/season-auditor.png", full_page=True)
        links = [section.get_by_role("link", name=said(app, "sv", label))
                 for label in AUDIT_LINKS]
        assert [link.get_attribute("href") for link in links] == paths
        saved = [download_to(auditor, link, folder) for link in links]
        assert [file.name for file in saved] == [
            f"run-{run_id}-problem.json", f"run-{run_id}-result.json",
            f"round-{round_id}-closing-problem.json"]
        printed = run_shown_commands(auditor, folder)
        assert set(printed) == {"check", "fingerprint"}
    finally:
        auditor.close()
    problem, result = (json.loads(file.read_text("utf-8")) for file in saved[:2])
    return problem, result, printed["fingerprint"], run_page


def audit_log_shows_the_downloads(site: Site, app, auditor: str, run_id: int,
                                  round_id: int) -> str:
    """Every auditor's download is an ``audit.file_read`` row: who, what, which."""
    visit(site, "/admin/")
    open_link(site, app, "Reports")
    open_link(site, app, "Audit log")
    site.page.locator("#action").select_option("audit.file_read")
    site.submit("form[role=search]")
    rows = site.page.locator("table:has(#audit-caption) tbody tr").all()
    read = [row.locator("td").all_inner_texts()[1:] for row in rows]
    action = said(app, "sv", str(AUDIT_ACTIONS["audit.file_read"]))
    shown = {what: f"{said(app, 'sv', 'What')}: {said(app, 'sv', str(AUDIT_VALUES[what]))}"
             for what in ("closing_problem", "problem", "result")}
    assert sorted((who, action, details) for who, action, _object, details in read) == \
        sorted((auditor, action, details) for details in shown.values())
    objects = {details: obj for _who, _action, obj, details in read}
    with app.app_context():
        round_name = db.session.get(Round, round_id).name
    assert objects[shown["problem"]] == said(app, "sv", "Run %(number)d in %(round)s",
                                             number=run_id, round=round_name)
    assert objects[shown["closing_problem"]] == round_name
    return site.page.content()


# Downloads, the auditors' commands, the operator's command ------------------------

def download_to(site: Site, link: Locator, folder: Path) -> Path:
    """Click a download link and keep the file under the name the server suggests."""
    with site.page.expect_download() as download:
        link.click()
    saved = folder / download.value.suggested_filename
    download.value.save_as(saved)
    return saved


def run_shown_commands(site: Site, folder: Path) -> dict[str, str]:
    """Run the ``python -m matching ...`` lines that the auditors' section shows, in the
    folder holding the downloads, as an auditor would; what each printed, by command."""
    block = site.page.locator("section[aria-labelledby=audit-heading] pre").inner_text()
    printed = {}
    for line in filter(None, map(str.strip, block.splitlines())):
        argv = shlex.split(line)
        assert argv[:3] == ["python", "-m", "matching"], line
        done = subprocess.run([sys.executable, *argv[1:]], cwd=folder, capture_output=True,
                              text=True, timeout=60, check=False)
        assert done.returncode == 0, f"{line}: {done.stdout}{done.stderr}"
        printed[argv[3]] = done.stdout.strip()
    return printed


def new_administrator(app) -> tuple[str, str]:
    """Another administrator, as any new staff account is: no auditor permission.
    Their e-mail address and authenticator secret."""
    with app.app_context():
        user = factories.user(Role.ADMINISTRATOR, email=AUDITOR)
        db.session.commit()
        return user.email, user.totp_secret


def make_auditor(app, email: str) -> None:
    """What the municipality's operator runs: ``flask staff auditor EMAIL``."""
    given = app.test_cli_runner().invoke(args=["staff", "auditor", email])
    assert given.exit_code == 0, given.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.auditor).where(User.email == email))
