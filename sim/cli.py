"""The ``sim`` command line (also ``python -m sim``).

    sim [--version] [-v | -vv | -q] COMMAND ...
    sim run SCENARIO [--seed N] [--replicates R] [--out DIR] [--until YEAR] [--name NAME] [--set KEY=VALUE ...]
    sim history [SCENARIO] [--replicates 30] [--seed 1] [--workers W] [--out DIR]
    sim whatif BASELINE VARIANT [--replicates 30] [--seed 1] [--workers W] [--out DIR]
    sim baseline [--update]
    sim dashboard [--host localhost] [--port 8765]
    sim sweep SPEC [--out results/sweeps] [--workers N] [--scheduler local|tcp://host:8786|sequential]
    sim analyze SWEEP_DIR
    sim discover SWEEP_DIR --outcome NAME [--above X] [--below X]

SCENARIO is a name in ``sim/scenarios/`` (``stylized``) or a path to a TOML file. A bad scenario or option exits with
status 2 and a message naming the file, the key and what was expected; nothing is written. The exit codes are
listed once, in :data:`EXIT_CODES` (shown at the end of ``sim --help``).

Only ``typer`` and the standard library are imported at start-up; each command imports what it needs, so
``sim --help`` and shell completion answer at once.
"""

from __future__ import annotations

import ast
import logging
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.errors import ScenarioError

EXIT_CODES = {
    0: "success",
    1: "a check failed (the baseline differs, docs/ODD.md is out of date)",
    2: "bad input: a scenario, variant, sweep spec or option is invalid (the message names the file and the key)",
    130: "interrupted (Ctrl-C); nothing partial was written",
}
"""Every exit status of ``sim`` and what it means."""

log = logging.getLogger(__name__)

app = typer.Typer(
    add_completion=True,  # --install-completion / --show-completion for bash, zsh, fish and PowerShell
    no_args_is_help=True,
    help="Agent-based simulation of Communist political systems (Brown's six defining features).",
    epilog="Exit codes: " + "; ".join(f"{code} {meaning}" for code, meaning in EXIT_CODES.items()) + ".",
    pretty_exceptions_enable=False,
)


def package_version() -> str:
    """The installed package's version (from the git tag it was built at), or ``unknown`` when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("communist-systems-sim")
    except PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        print(f"sim (communist-systems-sim) {package_version()}")
        raise typer.Exit()


@app.callback()
def main_options(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="Say what each command does (-vv: the details).")
    ] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only: no messages, no progress bars.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """Agent-based simulation of Communist political systems (Brown's six defining features)."""
    from sim.console import configure_logging

    configure_logging(-1 if quiet else verbose)


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
    scenario: Annotated[str, typer.Argument(help="Scenario name in sim/scenarios/ or path to a TOML file.")],
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

    log.info("running %s: %d replicate(s) from seed %d", scenario, replicates, seed)
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
    log.info("running the %s ensemble: seeds %d-%d (and the counterfactual: %s)", base.name, seeds[0], seeds[-1],
             counterfactual)  # fmt: skip
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
    variant: Annotated[str, typer.Argument(help="Variant name in sim/scenarios/whatif/ or path to a variant file.")],
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
    log.info("running %s and %s with common random numbers (seeds %d-%d) into %s", base.name, var.name, seeds[0],
             seeds[-1], target)  # fmt: skip
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
    from sim.resources import checkout_file

    try:  # the baseline is a file of the source checkout, not of the installed package
        checkout_file(bl.BASELINE_FILE, "baseline")
    except FileNotFoundError as exc:
        _fail(str(exc))
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

    from sim.resources import PACKAGE_ROOT

    app_path = PACKAGE_ROOT.parent / "dashboards" / "app.py"
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
    spec: Annotated[Path, typer.Argument(help="Sweep spec (TOML), or a name in sim/scenarios/sweeps/.")],
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
    log.info("sweep %s: %s design on %s, results under %s", loaded.name, loaded.spec.sweep.design,
             loaded.spec.sweep.scenario, Path(out) / loaded.name)  # fmt: skip
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
    """Sensitivity indices (Sobol, Morris; Borgonovo delta and PAWN for grid and LHS) of every scalar outcome."""
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
def discover(
    folder: Annotated[Path, typer.Argument(help="A finished sweep folder (results/sweeps/<name>).")],
    outcome: Annotated[str, typer.Option(help="The scalar outcome whose condition marks a run of interest.")],
    above: Annotated[float | None, typer.Option(help="Runs of interest: outcome above this value.")] = None,
    below: Annotated[float | None, typer.Option(help="Runs of interest: outcome below this value.")] = None,
    density: Annotated[float, typer.Option(min=0.0, max=1.0, help="Density a PRIM box must reach to be kept.")] = 0.8,
    max_boxes: Annotated[int, typer.Option(min=1, help="At most this many PRIM boxes.")] = 3,
) -> None:
    """Scenario discovery (PRIM, CART, feature scores; EMA Workbench): which parameter ranges produce the outcome?"""
    from sim import discover as dc

    try:
        target, found = dc.discover(folder, outcome, above, below, density, max_boxes)
    except ScenarioError as exc:
        _fail(str(exc))
    print(f"{target}: {found.of_interest} of {found.cases} runs with {found.condition}")
    for row in found.prim_stats.itertuples(index=False):
        ranges = dc.ranges(found.prim_boxes, row.box)
        print(f"  PRIM box {row.box}: coverage {row.coverage:.2f}, density {row.density:.2f}: {ranges}")
    if found.prim_stats.empty:
        print(f"  no PRIM box reached density {density:g}")
    scores = ", ".join(f"{name} {score:.2f}" for name, score in found.feature_scores.items())
    print(f"  feature scores: {scores} (report.md, the tables and figures are in the folder)")


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
def docs(check: Annotated[bool, typer.Option(help="Only check that the generated docs are current.")] = False) -> None:
    """Regenerate what the docs take from the code: the parameter tables of docs/ODD.md (sim/params.py), the JSON
    Schemas of scenario, variant and sweep files (docs/schemas/), the file and CLI references (docs/reference/)."""
    from sim import docsite, odd
    from sim.resources import checkout_file

    try:  # the docs are files of the source checkout, not of the installed package
        root = checkout_file(odd.ODD_FILE, "docs").parent.parent
    except FileNotFoundError as exc:
        _fail(str(exc))
    if check:
        stale = ([odd.ODD_PATH] if not odd.is_current() else []) + docsite.stale(root)
        if stale:
            _fail(f"out of date: {', '.join(str(p) for p in stale)}: run `uv run sim docs`", 1)
        print(f"{odd.ODD_PATH}, docs/schemas/ and docs/reference/: current")
        return
    print(f"{odd.ODD_PATH}: {'updated' if odd.write() else 'already current'}")
    written = docsite.write(root)
    print(f"generated pages: {len(written)} updated" + "".join(f"\n  {p}" for p in written))


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
