"""Keeps the generated parts of ``docs/ODD.md`` and of the model's docstring current with the code (``sim docs``).

Two blocks of the ODD document are rewritten from the code: the process overview of section 3 (between
``<!-- schedule:start -->`` and ``<!-- schedule:end -->``) from the model's declared year, :data:`sim.year.SCHEDULE`,
and the parameter tables (between ``<!-- parameters:start -->`` and ``<!-- parameters:end -->``) from the parameter
registry :mod:`sim.params`. The module docstring of ``sim/model.py`` carries the same process overview. A test fails
when the documents and the code disagree.
"""

from __future__ import annotations

import ast
from pathlib import Path

from sim.params import GROUPS, by_group

ODD_PATH = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
MODEL_PATH = Path(__file__).resolve().parent / "model.py"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
SCHEDULE_START, SCHEDULE_END = "<!-- schedule:start -->", "<!-- schedule:end -->"

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
    "events": "Dated events: what a scenario's events do",
}


def parameter_tables() -> str:
    """Markdown tables of every parameter by group: name, default, range, unit, meaning, source, provenance."""
    parts = [START, "", "_Generated from `sim/params.py` by `uv run sim docs`; do not edit by hand._", ""]
    for group in GROUPS:
        parts += [
            f"#### {GROUP_TITLES.get(group, group)} (`[parameters.{group}]`)",
            "",
            "| parameter | default | range | unit | meaning | source | provenance |",
            "|---|---|---|---|---|---|---|",
        ]
        for p in by_group(group):
            provenance = f"fitted to {p.target}" if p.provenance == "fitted" else p.provenance
            cells = (f"`{p.name}`", f"{p.default:g}", f"{p.lo:g} to {p.hi:g}", p.unit, p.doc, p.source, provenance)
            parts.append("| " + " | ".join(cells) + " |")
        parts.append("")
    parts.append(END)
    return "\n".join(parts)


def schedule_overview() -> str:
    """The numbered process overview of ODD section 3, from :data:`sim.year.SCHEDULE`."""
    from sim.schedule import overview
    from sim.year import SCHEDULE

    note = "_Generated from `SCHEDULE` in `sim/year.py` by `uv run sim docs`; do not edit by hand._"
    return "\n".join([SCHEDULE_START, "", note, "", overview(SCHEDULE), "", SCHEDULE_END])


def model_docstring() -> str:
    """The module docstring of ``sim/model.py``: what the model is and the year's schedule, in order."""
    from sim.schedule import overview
    from sim.year import SCHEDULE

    return (
        "The model: :class:`CommunistWorld`, one step per year.\n\n"
        "Each year, after the year's causes and crisis flags are cleared, the steps of :data:`sim.year.SCHEDULE` run "
        "in this\norder (generated from it by ``sim docs``; ODD section 3 describes each step):\n\n"
        + overview(SCHEDULE, markdown=False)
        + "\n"
    )


def _replace_block(text: str, start: str, end: str, block: str, path: Path) -> str:
    if start not in text or end not in text:
        raise ValueError(f"{path}: the markers {start} and {end} are missing")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return head + block + tail


def render(text: str) -> str:
    """``text`` (the ODD document) with its schedule and parameter blocks replaced by the current ones."""
    text = _replace_block(text, SCHEDULE_START, SCHEDULE_END, schedule_overview(), ODD_PATH)
    return _replace_block(text, START, END, parameter_tables(), ODD_PATH)


def render_model(source: str) -> str:
    """``source`` (``sim/model.py``) with its module docstring replaced by :func:`model_docstring`."""
    node = ast.parse(source).body[0]
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
        raise ValueError(f"{MODEL_PATH}: expected a module docstring first")
    lines = source.splitlines(keepends=True)
    rest = "".join(lines[node.end_lineno :])
    return '"""' + model_docstring() + '"""\n' + rest


def is_current(path: Path = ODD_PATH, model_path: Path = MODEL_PATH) -> bool:
    """Whether the document's generated blocks and the model's docstring match the code."""
    text = path.read_text(encoding="utf-8")
    source = model_path.read_text(encoding="utf-8")
    return render(text) == text and render_model(source) == source


def write(path: Path = ODD_PATH, model_path: Path = MODEL_PATH) -> bool:
    """Regenerate the document's blocks and the model's docstring in place; returns whether a file changed."""
    changed = False
    for target, rendering in ((path, render), (model_path, render_model)):
        text = target.read_text(encoding="utf-8")
        new = rendering(text)
        if new != text:
            target.write_text(new, encoding="utf-8")
            changed = True
    return changed
