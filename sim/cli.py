"""The ``sim`` command line (also ``python -m sim``).

    sim run SCENARIO [--seed N] [--replicates R] [--out DIR] [--until YEAR] [--name NAME] [--set KEY=VALUE ...]

SCENARIO is a name in ``scenarios/`` (``stylized``) or a path to a TOML file. A bad scenario or option exits with
status 2 and a message naming the file, the key and what was expected; nothing is written.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.scenario import ScenarioError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Agent-based simulation of Communist political systems (Brown's six defining features).",
    pretty_exceptions_enable=False,
)


def _fail(message: str, code: int = 2) -> None:
    sys.stderr.write(f"error: {message}\n")
    raise typer.Exit(code)


def parse_assignments(items: list[str]) -> dict[str, object]:
    """``["belief_erosion=0.3", "hegemony=[(1945, .9), (1989, .1)]"]`` -> a dict of Python values."""
    result: dict[str, object] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise ScenarioError(f"--set {item!r}: expected KEY=VALUE")
        try:
            result[key.strip()] = ast.literal_eval(text.strip())
        except (ValueError, SyntaxError):
            result[key.strip()] = text.strip()
    return result


@app.command()
def run(
    scenario: Annotated[str, typer.Argument(help="Scenario name in scenarios/ or path to a TOML file.")],
    seed: Annotated[int, typer.Option(help="Seed of the first replicate (replicate i uses seed + i).")] = 1,
    replicates: Annotated[int, typer.Option(min=1, help="Number of replicates.")] = 1,
    out: Annotated[Path, typer.Option(help="Root folder for results.")] = Path("results"),
    until: Annotated[int | None, typer.Option(help="Stop after this year (default: the scenario's end).")] = None,
    name: Annotated[str | None, typer.Option(help="Run folder name (default: s<seed>-r<replicates>).")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a parameter, world key or driver: KEY=VALUE (repeatable)."),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="Print only the run folder.")] = False,
) -> None:
    """Run a scenario and write results/<scenario>/<run>/ (Parquet tables, metadata, summary, figure)."""
    from sim.scenario import load

    try:  # validate before importing the model (fast failure on a bad file)
        overrides = parse_assignments(set_ or [])
        load(scenario).with_overrides(overrides)
    except ScenarioError as exc:
        _fail(str(exc))
    from sim import output, runner

    try:
        result = runner.run(scenario, seed, replicates, until, overrides, progress=not quiet)
    except ScenarioError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)
    try:
        where = output.write_run(result, out, name, command=sys.argv[1:])
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)
    if quiet:
        print(where)
    else:
        output.print_summary(output.summary_text(result, where))


@app.command()
def validate(scenario: Annotated[str, typer.Argument(help="Scenario name or path.")]) -> None:
    """Check a scenario file against the schema and print what it contains."""
    from sim.scenario import load

    try:
        loaded = load(scenario)
    except ScenarioError as exc:
        _fail(str(exc))
    spec = loaded.spec
    print(
        f"{loaded.path}: valid ({len(spec.states)} states, {len(spec.parties)} parties, {len(spec.centres)} centres, "
        f"{len(spec.drivers.schedules)} schedules, {len(spec.drivers.events)} events, "
        f"{spec.scenario.start_year}-{spec.scenario.end_year})"
    )


@app.command()
def params(group: Annotated[str | None, typer.Argument(help="Only this group.")] = None) -> None:
    """List every parameter with its default, range, unit and source."""
    from sim.params import GROUPS, by_group

    for g in GROUPS if group is None else [group]:
        print(f"[{g}]")
        for p in by_group(g):
            print(f"  {p.name:<28} {p.default:<8g} [{p.lo:g}, {p.hi:g}] {p.unit:<14} {p.doc}")


@app.command()
def docs(check: Annotated[bool, typer.Option(help="Only check that docs/ODD.md is current.")] = False) -> None:
    """Regenerate the parameter tables of docs/ODD.md from sim/params.py."""
    from sim import odd

    if check:
        if not odd.is_current():
            _fail(f"{odd.ODD_PATH} is out of date: run `uv run sim docs`", 1)
        print(f"{odd.ODD_PATH}: current")
        return
    print(f"{odd.ODD_PATH}: {'updated' if odd.write() else 'already current'}")


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
