"""Keeps the parameter tables of ``docs/ODD.md`` generated from :mod:`sim.params` (``sim docs``).

The block between ``<!-- parameters:start -->`` and ``<!-- parameters:end -->`` is rewritten from the parameter
registry; a test fails when the document and the code disagree.
"""

from __future__ import annotations

from pathlib import Path

from sim.params import GROUPS, by_group
from sim.resources import CHECKOUT, PACKAGE_ROOT

ODD_FILE = "docs/ODD.md"
ODD_PATH = (CHECKOUT or PACKAGE_ROOT.parent) / ODD_FILE
"""The ODD document; it belongs to the source checkout (see :func:`sim.resources.checkout_file`)."""
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"

GROUP_TITLES = {
    "features": "Feature thresholds (classification)",
    "economy": "Economy: Kornai's chain",
    "legitimacy": "Legitimacy",
    "members": "Members: belief, recruitment, careers",
    "dissent": "Dissent: Kuran thresholds",
    "leadership": "Regime crisis and leadership",
    "movement": "The movement: alignment, splits, recognition, intervention",
    "elections": "Free elections",
    "takeover": "Takeovers",
}


def parameter_tables() -> str:
    """Markdown tables of every parameter by group: name, default, range, unit, meaning, source."""
    parts = [START, "", "_Generated from `sim/params.py` by `uv run sim docs`; do not edit by hand._", ""]
    for group in GROUPS:
        parts += [
            f"#### {GROUP_TITLES.get(group, group)} (`[parameters.{group}]`)",
            "",
            "| parameter | default | range | unit | meaning | source |",
            "|---|---|---|---|---|---|",
        ]
        for p in by_group(group):
            parts.append(f"| `{p.name}` | {p.default:g} | {p.lo:g} to {p.hi:g} | {p.unit} | {p.doc} | {p.source} |")
        parts.append("")
    parts.append(END)
    return "\n".join(parts)


def render(text: str) -> str:
    """``text`` with its parameter block replaced by the current tables."""
    if START not in text or END not in text:
        raise ValueError(f"{ODD_PATH}: the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return head + parameter_tables() + tail


def is_current(path: Path = ODD_PATH) -> bool:
    """Whether the document's parameter block matches the code."""
    text = path.read_text(encoding="utf-8")
    return render(text) == text


def write(path: Path = ODD_PATH) -> bool:
    """Regenerate the parameter block in place; returns whether the file changed."""
    text = path.read_text(encoding="utf-8")
    new = render(text)
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False
