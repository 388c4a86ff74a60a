"""The documentation is current with the code."""

from __future__ import annotations

import re
from pathlib import Path

from sim import cli, docsite, odd
from sim.params import PARAMETERS

ROOT = Path(__file__).resolve().parent.parent


def test_odd_parameter_tables_are_current():
    assert odd.is_current(), "docs/ODD.md is out of date: run `uv run sim docs`"


def test_every_parameter_is_documented_with_default_range_and_source():
    text = odd.ODD_PATH.read_text(encoding="utf-8")
    for p in PARAMETERS.values():
        row = re.search(rf"^\| `{p.name}` \| (.*)$", text, re.M)
        assert row, p.name
        assert f"{p.default:g}" in row.group(1) and f"{p.lo:g} to {p.hi:g}" in row.group(1) and p.source in row.group(1)


def test_readme_starts_with_the_two_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```(?:bash|sh|shell)?\n(.*?)```", readme, re.S).group(1)
    commands = [line for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands == ["uv run sim history", "uv run pytest"]


def test_schemas_and_generated_references_are_current():
    assert docsite.stale(ROOT, cli.app, cli.EXIT_CODES) == [], (
        "docs/schemas/ or docs/reference/ is out of date: run `uv run sim docs`"
    )


def test_the_json_schemas_accept_the_shipped_files_keys():
    """Every top-level table of a shipped file is a property of its schema (the editors' check agrees with ours)."""
    import tomllib

    from sim.resources import SCENARIO_DIR, SWEEP_DIR, VARIANT_DIR

    schemas = docsite.json_schemas()
    for kind, folder in (("scenario", SCENARIO_DIR), ("variant", VARIANT_DIR), ("sweep", SWEEP_DIR)):
        for path in folder.glob("*.toml"):
            keys = set(tomllib.loads(path.read_text(encoding="utf-8")))
            assert keys <= set(schemas[kind]["properties"]), (path, keys)
            assert set(schemas[kind].get("required", [])) <= keys, path


def test_no_document_points_outside_the_repository():
    for path in [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "../shared" not in text and "seed/brown" not in text, path
