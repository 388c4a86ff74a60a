"""Keeps the parameter tables of ``docs/ODD.md`` generated from :mod:`sim.params` (``sim docs``).

The block between ``<!-- parameters:start -->`` and ``<!-- parameters:end -->`` is rewritten from the parameter
registry, and the block between ``<!-- dated-inputs:start -->`` and ``<!-- dated-inputs:end -->`` from the rule for
dated inputs (:mod:`sim.causal_rule`); a test fails when the document and the code disagree.
"""

from __future__ import annotations

from pathlib import Path

from sim.params import GROUPS, by_group

ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
RULE_START, RULE_END = "<!-- dated-inputs:start -->", "<!-- dated-inputs:end -->"

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


def rule_table() -> str:
    """The rule for dated inputs as a Markdown table (:func:`sim.causal_rule.rule_markdown`), between its markers."""
    from sim.causal_rule import rule_markdown

    note = "_Generated from `sim/causal_rule.py` by `uv run sim docs`; do not edit by hand._"
    return "\n".join([RULE_START, "", note, "", rule_markdown(), "", RULE_END])


def _replace_block(text: str, start: str, end: str, block: str) -> str:
    if start not in text or end not in text:
        raise ValueError(f"{ODD_PATH}: the markers {start} and {end} are missing")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + block + tail


def render(text: str) -> str:
    """``text`` with its parameter block and its rule block replaced by the current tables."""
    text = _replace_block(text, START, END, parameter_tables())
    return _replace_block(text, RULE_START, RULE_END, rule_table())


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
