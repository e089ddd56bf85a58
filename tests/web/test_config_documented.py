"""Every environment variable the code reads is in the README's configuration table,
with its default, and the table names no variable that nothing reads."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""(?:environ(?:\.get)?\s*[\(\[]\s*|getenv\(\s*|_proxy_hops\(\s*)["']([A-Z][A-Z0-9_]+)["']""")


def _read_by_code() -> set[str]:
    sources = [*ROOT.joinpath("youth_app").rglob("*.py"), *ROOT.joinpath("matching").rglob("*.py"),
               ROOT / "gunicorn.conf.py", ROOT / "worker.py", ROOT / "wsgi.py"]
    return {name for path in sources for name in READ.findall(path.read_text(encoding="utf-8"))}


def _table() -> dict[str, list[str]]:
    readme = ROOT.joinpath("README.md").read_text(encoding="utf-8")
    section = readme[readme.index("\n## Configuration\n"):]
    section = section[:section.index("\n## ", 1)] if "\n## " in section[1:] else section
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| `") and len(cells) == 4:
            for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0]):
                rows[name] = cells
    return rows


def test_the_code_reads_what_the_readme_names():
    read = _read_by_code()
    assert {"SECRET_KEY", "WEB_BIND", "PROXY_X_FOR"} <= read, "the scan finds the reads"
    table = _table()
    assert sorted(read - table.keys()) == [], "add these to README.md's configuration table"
    assert sorted(table.keys() - read) == [], "the README names variables nothing reads"


def test_every_row_says_its_default():
    assert all(cells[1] for cells in _table().values())


def test_production_requires_what_the_table_calls_required(monkeypatch):
    from youth_app.config import ConfigError, load_config

    required = [name for name, cells in _table().items() if "**required**" in cells[2]]
    assert sorted(required) == ["DATABASE_URL", "PUBLIC_URL", "SECRET_KEY"]
    full = {"YOUTH_APP_ENV": "production", "SECRET_KEY": "x" * 32,
            "DATABASE_URL": "postgresql://u@h/d", "PUBLIC_URL": "https://sommarjobb.example"}
    for missing in required:
        for name, value in full.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv(missing)
        try:
            load_config()
        except ConfigError as error:
            assert missing in str(error)
        else:
            raise AssertionError(f"production started without {missing}")
