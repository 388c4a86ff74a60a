"""The documentation is current with the code."""

from __future__ import annotations

import re
from pathlib import Path

from sim import odd
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
