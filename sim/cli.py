"""The ``sim`` command line (also ``python -m sim``).

    sim run SCENARIO [--seed N] [--replicates R] [--out DIR] [--until YEAR] [--name NAME] [--set KEY=VALUE ...]
    sim history [SCENARIO] [--replicates 30] [--seed 1] [--workers W] [--out DIR]
    sim whatif BASELINE VARIANT [--replicates 30] [--seed 1] [--workers W] [--out DIR]
    sim baseline [--update]
    sim dashboard [--host localhost] [--port 8765]
    sim sweep SPEC.toml [--out results/sweeps] [--workers N] [--scheduler local|tcp://host:8786|sequential]
    sim analyze SWEEP_DIR

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


def _seeds(seed: int, replicates: int) -> list[int]:
    return list(range(seed, seed + replicates))


@app.command()
def history(
    scenario: Annotated[str, typer.Argument(help="Historical scenario name or path.")] = "historical",
    replicates: Annotated[int, typer.Option(min=1, help="Number of seeds in the ensemble.")] = 30,
    seed: Annotated[int, typer.Option(help="First seed (seeds seed .. seed+replicates-1).")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores).")] = None,
    out: Annotated[Path, typer.Option(help="Root folder for results.")] = Path("results"),
    counterfactual: Annotated[
        bool, typer.Option(help="Also run the brezhnev_doctrine_holds variant to 1992 (pattern 2).")
    ] = True,
) -> None:
    """Run the historical ensemble and write results/<scenario>/ensemble-s<seed>-n<N>/ (report, checks, figures)."""
    from sim.scenario import load
    from sim.variants import load_variant

    try:
        base = load(scenario)
        cf_scenario = load_variant("brezhnev_doctrine_holds").apply(base) if counterfactual else None
    except ScenarioError as exc:
        _fail(str(exc))
    from sim import history as hist
    from sim.ensemble import run_ensemble

    seeds = _seeds(seed, replicates)
    try:
        ens = run_ensemble(base, seeds, workers, label=f"{base.name} ({replicates} seeds)")
        cf = None
        if cf_scenario is not None:
            cf = run_ensemble(cf_scenario, seeds, workers, until=1992, label="brezhnev_doctrine_holds to 1992")
        where, checks = hist.write_history(ens, cf, out / base.name / f"ensemble-s{seed}-n{replicates}", sys.argv[1:])
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)
    print(hist.terminal_summary(ens, checks, where))


@app.command()
def whatif(
    baseline: Annotated[str, typer.Argument(help="Baseline scenario name or path (e.g. historical).")],
    variant: Annotated[str, typer.Argument(help="Variant name in scenarios/whatif/ or path to a variant file.")],
    replicates: Annotated[int, typer.Option(min=1, help="Number of seeds in each ensemble.")] = 30,
    seed: Annotated[int, typer.Option(help="First seed (both worlds use the same seeds).")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores).")] = None,
    out: Annotated[Path, typer.Option(help="Root folder for results.")] = Path("results"),
    tables: Annotated[bool, typer.Option(help="Also write both worlds' Parquet tables.")] = True,
) -> None:
    """Run a baseline and a variant with common random numbers and write the comparison to
    results/whatif/<variant>-vs-<baseline>-s<seed>-n<N>/."""
    from sim.scenario import load
    from sim.variants import load_variant

    try:
        base = load(baseline)
        var = load_variant(variant)
        world = var.apply(base)
    except ScenarioError as exc:
        _fail(str(exc))
    from sim import whatif as wi
    from sim.ensemble import run_ensemble
    from sim.output import git_state, package_versions

    seeds = _seeds(seed, replicates)
    meta = {
        "baseline": base.name, "baseline_file": str(base.path), "baseline_sha256": base.sha256,
        "variant": var.name, "variant_file": str(var.path), "variant_sha256": world.sha256,
        "seeds": seeds, "command": sys.argv[1:], "versions": package_versions(), **git_state(),
    }  # fmt: skip
    target = out / "whatif" / f"{var.name}-vs-{base.name}-s{seed}-n{replicates}"
    try:
        b = run_ensemble(base, seeds, workers, label=f"{base.name} ({replicates} seeds)")
        v = run_ensemble(world, seeds, workers, label=f"{var.name} ({replicates} seeds)")
        where, comparison = wi.write_comparison(b, v, var.title, var.spec.variant.description, target, meta, tables)
    except KeyboardInterrupt:
        _fail("interrupted; nothing was written", 130)
    print(wi.terminal_summary(comparison, var.title, replicates, where))


@app.command()
def baseline(
    update: Annotated[bool, typer.Option(help="Store the current summary as the new baseline.")] = False,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores).")] = None,
) -> None:
    """Compare the historical ensemble's summary with tests/baselines/historical.json (or --update it)."""
    import json

    from sim import baseline as bl
    from sim.output import write_json

    current = bl.compute(workers, progress=True)
    if update:
        bl.BASELINE_PATH.parent.mkdir(parents=True, exist_ok=True)
        old = json.loads(bl.BASELINE_PATH.read_text()) if bl.BASELINE_PATH.exists() else {}
        diffs = bl.differences(old, current)
        write_json(current, bl.BASELINE_PATH)
        print(f"{bl.BASELINE_PATH}: updated ({len(diffs)} differences from the previous baseline)")
        for line in diffs[:40]:
            print(f"  {line}")
        return
    if not bl.BASELINE_PATH.exists():
        _fail(f"{bl.BASELINE_PATH}: no baseline stored yet: run `uv run sim baseline --update`", 1)
    diffs = bl.differences(json.loads(bl.BASELINE_PATH.read_text()), current)
    if not diffs:
        print(f"{bl.BASELINE_PATH}: the historical ensemble matches the baseline")
        return
    print(f"{len(diffs)} differences from {bl.BASELINE_PATH} (stored -> current):")
    for line in diffs[:60]:
        print(f"  {line}")
    _fail("history changed: if intended, run `uv run sim baseline --update` and commit the JSON", 1)


@app.command()
def dashboard(
    host: Annotated[str, typer.Option(help="Interface to serve on.")] = "localhost",
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8765,
) -> None:
    """Serve the live dashboard (dashboards/app.py) at http://HOST:PORT until Ctrl-C."""
    import os
    import subprocess

    from sim.output import REPO_ROOT

    app_path = REPO_ROOT / "dashboards" / "app.py"
    if not app_path.exists():
        _fail(f"{app_path}: the dashboard app is missing")
    env = {**os.environ, "SOLARA_ASSETS_PROXY": os.environ.get("SOLARA_ASSETS_PROXY", "true")}
    command = [sys.executable, "-m", "solara", "run", str(app_path), "--host", host, "--port", str(port),
               "--production", "--no-open"]  # fmt: skip
    print(f"serving the dashboard at http://{host}:{port} (Ctrl-C stops it)", flush=True)
    try:
        raise typer.Exit(subprocess.call(command, env=env))
    except KeyboardInterrupt:
        raise typer.Exit(130) from None


@app.command()
def sweep(
    spec: Annotated[Path, typer.Argument(help="Sweep spec (TOML).")],
    out: Annotated[Path, typer.Option(help="Root folder: the sweep goes to OUT/<name>/.")] = Path("results/sweeps"),
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores; 1: this process).")] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="'sequential', 'local' (a local Dask cluster) or a Dask scheduler address tcp://host:port."),
    ] = None,
    chunk_size: Annotated[int | None, typer.Option(min=1, help="Runs per task (default: about 1 s of work).")] = None,
    retry_failed: Annotated[bool, typer.Option(help="Run again the runs recorded as failed.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run a parameter sweep (or finish an interrupted one: rerun the same command)."""
    from sim import sweep as sw

    try:
        loaded = sw.load_spec(spec)
    except ScenarioError as exc:
        _fail(str(exc))
    try:
        result = sw.run_sweep(loaded, out, workers, scheduler, chunk_size, retry_failed, progress=not quiet)
    except ScenarioError as exc:
        _fail(str(exc))
    except KeyboardInterrupt:
        done = len(sw._recorded(Path(out) / loaded.name / "parts", "results"))
        _fail(f"interrupted with {done} runs recorded; rerun the same command to finish the others", 130)
    print(
        f"{result.folder}: {result.done} of {result.runs} runs recorded, {result.failed} failed "
        f"({result.ran_now} run now in {result.seconds:.1f} s)"
    )
    if result.failed:
        print(f"  failures and their tracebacks: {result.folder / 'failures.parquet'} (--retry-failed reruns them)")
    print(f"  results: sim.sweep.load_results({str(result.folder)!r}); analysis: uv run sim analyze {result.folder}")


@app.command()
def analyze(folder: Annotated[Path, typer.Argument(help="A sweep folder (results/sweeps/<name>).")]) -> None:
    """Sensitivity indices (Sobol, Morris; rank correlations for grid and LHS) of every scalar outcome."""
    from sim import analyze as an

    try:
        target = an.analyze(folder)
    except ScenarioError as exc:
        _fail(str(exc))
    table = (target / "indices.csv").read_text(encoding="utf-8").splitlines()
    print(f"{target}: indices.csv, report.md and {len(list(target.glob('*.png')))} figures")
    for line in table[: min(len(table), 25)]:
        print(f"  {line}")


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
            print(f"  {p.name:<28} {p.default:<8g} [{p.lo:g}, {p.hi:g}] {p.unit:<14} {p.provenance:<10} {p.doc}")


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
