"""The ``sim`` command line (also ``python -m sim``).

    sim [--version] [-v | -vv | -q] COMMAND ...
    sim run SCENARIO [--seed N] [--replicates R] [--out DIR] [--until YEAR] [--name NAME] [--set KEY=VALUE ...]
    sim history [SCENARIO] [--replicates 30] [--seed 1] [--workers W] [--out DIR] [--posterior FILE]
    sim whatif BASELINE VARIANT [--replicates 30] [--seed 1] [--workers W] [--out DIR] [--posterior FILE]
    sim baseline [--update]
    sim dashboard [--host localhost] [--port 8765]
    sim sweep SPEC [--out results/sweeps] [--workers N] [--scheduler local|tcp://host:8786|sequential]
    sim analyze SWEEP_DIR
    sim discover SWEEP_DIR --outcome NAME [--above X] [--below X]
    sim calibrate SCENARIO --params a,b=lo:hi [--population 50] [--generations 4] [--cut-year 1980] [--workers W]
    sim validate-history CALIBRATION_DIR [--draws 20] [--workers W]
    sim sensitivity SWEEP_DIR
    sim audit SCENARIO [--seeds 4] [--hold-from YEAR] [--only KIND] [--inputs PATTERN] [--out DIR] [--rule-only]

SCENARIO is a name in ``sim/scenarios/`` (``stylized``) or a path to a TOML file. Every expected error (a bad
scenario, variant, spec or option; a file that cannot be read or written; a full disk) exits with status 2 and a
message naming the file, the key and what was expected, with no traceback (``-v`` shows it); nothing partial is
written. SIGINT and SIGTERM stop cleanly with status 130 and 143 (:func:`main`). The exit codes are listed once, in
:data:`EXIT_CODES` (shown at the end of ``sim --help``).

Only ``typer`` and the standard library are imported at start-up; each command imports what it needs, so
``sim --help`` and shell completion answer at once.
"""

from __future__ import annotations

import ast
import errno
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.errors import ScenarioError
from sim.outcomes import OUTCOME_HELP

EXIT_CODES = {
    0: "success",
    1: "a check failed (the baseline differs, docs/ODD.md is out of date)",
    2: "bad input: a scenario, variant, sweep spec or option is invalid, or a file cannot be read or written (the "
    "message names the file and the key)",
    130: "interrupted (Ctrl-C); nothing partial was written",
    143: "stopped by SIGTERM; nothing partial was written",
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
    params_file: Annotated[Path | None, typer.Option(help=PARAMS_FILE_HELP)] = None,
) -> None:
    """Run a scenario and write results/<scenario>/<run>/ (Parquet tables, metadata, summary, figure)."""
    from sim.scenario import load

    # validate before importing the model (fast failure on a bad file)
    overrides = parse_assignments(set_ or [])
    world = _with_params_file(load(scenario), params_file)
    loaded = world.with_overrides(overrides)
    from sim import output, runner

    runner.check_seeds(seed, replicates)
    output.safe_child(out, loaded.name, name or "s0")  # a bad --name is refused before the run
    log.info("running %s: %d replicate(s) from seed %d", scenario, replicates, seed)
    result = runner.run(world, seed, replicates, until, overrides, progress=not quiet)
    where = output.write_run(result, out, name, command=sys.argv[1:])
    if quiet:
        print(where)
    else:
        output.print_summary(output.summary_text(result, where))


PARAMS_FILE_HELP = "A parameter file applied to the scenario (a variant TOML, e.g. sim calibrate's calibrated.toml)."


def _with_params_file(world, params_file: Path | None):
    """The scenario with a parameter file (a variant file) applied, or unchanged without one."""
    if params_file is None:
        return world
    from sim.variants import load_variant

    return load_variant(params_file).apply(world)


def _seeds(seed: int, replicates: int) -> list[int]:
    from sim.runner import check_seeds

    check_seeds(seed, replicates)
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
    posterior: Annotated[
        Path | None, typer.Option(help="Run draw i of this posterior (sim calibrate's posterior.parquet) with seed i.")
    ] = None,
    params_file: Annotated[Path | None, typer.Option(help=PARAMS_FILE_HELP)] = None,
) -> None:
    """Run the historical ensemble and write results/<scenario>/ensemble-s<seed>-n<N>/ (report, checks, figures)."""
    from sim.scenario import load
    from sim.variants import load_variant

    try:
        from sim import history as hist  # reads the targets file: a bad one is reported here

        base = _with_params_file(load(scenario), params_file)
        variant, until = hist.counterfactual_ensemble()
        cf_variant = load_variant(variant) if counterfactual else None
        cf_scenario = cf_variant.apply(base) if cf_variant else None
        draws = _posterior_draws(posterior, replicates, seed)
    except ScenarioError as exc:
        _fail(str(exc))
    from sim import posterior as post
    from sim.ensemble import run_ensemble
    from sim.output import safe_child

    seeds = _seeds(seed, replicates)
    log.info("running the %s ensemble: seeds %d-%d (and the counterfactual: %s)", base.name, seeds[0], seeds[-1],
             counterfactual)  # fmt: skip
    name = f"ensemble-s{seed}-n{replicates}" + ("-posterior" if draws else "")
    name += f"-{params_file.stem}" if params_file else ""
    target = safe_child(out, base.name, name)
    if draws:
        ens = post.posterior_ensemble(base, draws, seeds, workers)
        cf = post.posterior_ensemble(base, draws, seeds, workers, until, cf_variant) if cf_variant else None
    else:
        from sim.executors import make_executor

        with make_executor(workers) as pool:  # one pool for both ensembles: its workers start once
            ens = run_ensemble(base, seeds, pool.n, label=f"{base.name} ({replicates} seeds)", executor=pool.executor)
            cf = None
            if cf_scenario is not None:
                cf = run_ensemble(cf_scenario, seeds, pool.n, until=until, label=f"{variant} to {until}",
                                  executor=pool.executor)  # fmt: skip
    where, checks = hist.write_history(ens, cf, target, sys.argv[1:])
    if draws:
        post.write_uncertainty(where, ens, draws, str(posterior))
    print(hist.terminal_summary(ens, checks, where))


def _posterior_draws(posterior: Path | None, replicates: int, seed: int) -> list[dict] | None:
    """Draw i of a posterior for replicate i (None without --posterior); raises ScenarioError on a bad file."""
    if posterior is None:
        return None
    from sim import posterior as post

    return post.draws(post.load_posterior(posterior), replicates, seed)


@app.command()
def whatif(
    baseline: Annotated[str, typer.Argument(help="Baseline scenario name or path (e.g. historical).")],
    variant: Annotated[str, typer.Argument(help="Variant name in sim/scenarios/whatif/ or path to a variant file.")],
    replicates: Annotated[int, typer.Option(min=1, help="Number of seeds in each ensemble.")] = 30,
    seed: Annotated[int, typer.Option(help="First seed (both worlds use the same seeds).")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores).")] = None,
    out: Annotated[Path, typer.Option(help="Root folder for results.")] = Path("results"),
    tables: Annotated[bool, typer.Option(help="Also write both worlds' Parquet tables.")] = True,
    posterior: Annotated[
        Path | None, typer.Option(help="Run draw i of this posterior in both worlds with seed i.")
    ] = None,
) -> None:
    """Run a baseline and a variant with common random numbers and write the comparison to
    results/whatif/<variant>-vs-<baseline>-s<seed>-n<N>/."""
    from sim.scenario import load
    from sim.variants import load_variant

    try:
        base = load(baseline)
        var = load_variant(variant)
        world = var.apply(base)
        draws = _posterior_draws(posterior, replicates, seed)
    except ScenarioError as exc:
        _fail(str(exc))
    from sim import posterior as post
    from sim import whatif as wi
    from sim.ensemble import run_ensemble
    from sim.output import git_state, package_versions, safe_child

    seeds = _seeds(seed, replicates)
    meta = {
        "baseline": base.name, "baseline_file": str(base.path), "baseline_sha256": base.sha256,
        "variant": var.name, "variant_file": str(var.path), "variant_sha256": world.sha256,
        "seeds": seeds, "command": sys.argv[1:], "versions": package_versions(), **git_state(),
    }  # fmt: skip
    name = f"{var.name}-vs-{base.name}-s{seed}-n{replicates}" + ("-posterior" if draws else "")
    target = safe_child(out, "whatif", name)
    meta["posterior"] = str(posterior) if draws else None
    log.info("running %s and %s with common random numbers (seeds %d-%d) into %s", base.name, var.name, seeds[0],
             seeds[-1], target)  # fmt: skip
    if draws:
        b = post.posterior_ensemble(base, draws, seeds, workers)
        v = post.posterior_ensemble(base, draws, seeds, workers, variant=var)
    else:
        b = run_ensemble(base, seeds, workers, label=f"{base.name} ({replicates} seeds)")
        v = run_ensemble(world, seeds, workers, label=f"{var.name} ({replicates} seeds)")
    where, comparison = wi.write_comparison(b, v, var.title, var.spec.variant.description, target, meta, tables)
    if draws:
        post.write_effect_uncertainty(where, comparison, draws, str(posterior))
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
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to serve on.")] = 8765,
) -> None:
    """Serve the live dashboard (sim/dashboard/app.py) at http://HOST:PORT until Ctrl-C or SIGTERM.

    This process becomes the solara server (``os.execve``), so a signal sent to ``sim dashboard`` reaches the
    server itself and no server outlives the command.
    """
    import importlib.util
    import os

    found = importlib.util.find_spec("sim.dashboard.app")
    if found is None or found.origin is None:
        _fail("sim/dashboard/app.py: the dashboard app is missing from the installed package")
    # assets from the local solara-assets copy of the CDN (the app uses no component whose assets it lacks, such
    # as KaTeX), and no telemetry: the server sends no request to another host
    env = {**os.environ, "SOLARA_ASSETS_PROXY": "true", "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false",
           "SOLARA_THEME_SHOW_BANNER": "false"}  # fmt: skip
    env.setdefault("REACTON_FAST", "1")  # reacton's renderer that skips unchanged subtrees (half the step latency)
    # Python's objects from the C allocator: pymalloc frees a 1 MiB arena only once every object in it is gone, and
    # the arenas a closed session used each keep a few objects that outlive it (type-cache names, worker threads),
    # so the server stayed near its peak; from glibc, the trim after a session closes returns the free pages
    env.setdefault("PYTHONMALLOC", "malloc")
    command = [sys.executable, "-m", "solara", "run", found.origin, "--host", host, "--port", str(port),
               "--production", "--no-open", "--no-check-version"]  # fmt: skip
    print(f"serving the dashboard at http://{host}:{port} (Ctrl-C stops it)", flush=True)
    os.execve(sys.executable, command, env)


@app.command()
def sweep(
    spec: Annotated[
        Path,
        typer.Argument(help=f"Sweep spec (TOML), or a name in sim/scenarios/sweeps/. Scalar outcomes: {OUTCOME_HELP}."),
    ],
    out: Annotated[Path, typer.Option(help="Root folder: the sweep goes to OUT/<name>/.")] = Path("results/sweeps"),
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores; 1: this process).")] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(help="'sequential', 'local' (a local Dask cluster) or a Dask scheduler address tcp://host:port."),
    ] = None,
    chunk_size: Annotated[int | None, typer.Option(min=1, help="Runs per task (default: about 1 s of work).")] = None,
    retry_failed: Annotated[bool, typer.Option(help="Run again the runs recorded as failed.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    force: Annotated[bool, typer.Option(help="Accept a design larger than sim.sweep.MAX_RUNS runs.")] = False,
    wait: Annotated[bool, typer.Option(help="Wait for another command writing the same folder to end.")] = False,
) -> None:
    """Run a parameter sweep (or finish an interrupted one: rerun the same command)."""
    from sim import sweep as sw

    loaded = sw.load_spec(spec)
    log.info("sweep %s: %s design on %s, results under %s", loaded.name, loaded.spec.sweep.design,
             loaded.spec.sweep.scenario, Path(out) / loaded.name)  # fmt: skip
    result = sw.run_sweep(loaded, out, workers, scheduler, chunk_size, retry_failed, not quiet, force, wait)
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
def calibrate(
    scenario: Annotated[str, typer.Argument(help="Scenario name or path (e.g. historical).")],
    params: Annotated[
        str, typer.Option(help="Parameters to fit, comma-separated; NAME=LO:HI narrows the registry's range.")
    ],
    targets: Annotated[
        list[Path] | None,
        typer.Option(
            help="A targets file (TOML, scenarios/targets/) and/or a record of statuses by year (CSV), repeatable; "
            "default: the scenario's targets file and, for the historical world, sim/data/validation/status_record.csv."
        ),
    ] = None,
    population: Annotated[int, typer.Option(min=2, help="Accepted draws per generation.")] = 50,
    generations: Annotated[
        int, typer.Option(min=1, help="ABC-SMC generations (more: rerun with a larger number).")
    ] = 4,
    cut_year: Annotated[int, typer.Option(help="Fit only the record up to this year.")] = 1980,
    replicates: Annotated[int, typer.Option(min=1, help="Seeded runs per draw (the summary is their mean).")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the proposals and of every run's seed.")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores; 1: this process).")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="'local' (a local Dask cluster) or a Dask scheduler address tcp://host:port.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: results/calibrate/<scenario>-cut<year>).")] = None,
    quiet: Annotated[bool, typer.Option(help="No progress lines.")] = False,
) -> None:
    """Fit parameters by ABC-SMC (pyabc) to the record up to a cut year; resumes when rerun after a kill."""
    from sim import calibrate as cal
    from sim.executors import Interrupted
    from sim.scenario import load

    try:
        world = load(scenario)
        priors = cal.parse_params(params)
        fitted = cal.load_targets(targets or cal.default_targets(world), cut_year)
        folder = out or cal.DEFAULT_OUT / f"{world.name}-cut{cut_year}"
        try:
            import pyabc  # noqa: F401
        except ImportError:  # pragma: no cover - installed with the dev group and the `calibrate` extra
            raise cal.CalibrationError("pyabc is not installed: `uv sync --extra calibrate`") from None
        meta = cal.calibrate(world, priors, fitted, folder, population, generations, replicates, seed, workers,
                             scheduler, progress=not quiet)  # fmt: skip
    except ScenarioError as exc:
        _fail(str(exc))
    except (KeyboardInterrupt, Interrupted) as exc:  # main() reports it, with the note on how to resume
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        raise Interrupted(signum, "the finished generations are in abc.db: rerun the same command to go on") from None
    print(f"{folder}: {len(meta['generations'])} generations, {meta['total_simulations']} simulations "
          f"x {replicates} runs, {meta['wall_seconds_this_session']:.0f} s this session")  # fmt: skip
    for row in meta["posterior"]:
        print(
            f"  {row['parameter']:<28} median {row['median']:<10.4g} 5-95% {row['q05']:.4g}-{row['q95']:.4g} "
            f"(prior {row['prior_lo']:g}-{row['prior_hi']:g}, default {row['default']:g})"
        )
    print(f"  calibrated parameters: {folder / 'calibrated.toml'}; sensitivity sweep: {folder / 'sensitivity.toml'}")


@app.command("validate-history")
def validate_history(
    calibration: Annotated[Path, typer.Argument(help="A folder written by `sim calibrate`.")],
    draws: Annotated[int, typer.Option(min=1, help="Posterior draws run to the end (draw i with seed i).")] = 20,
    reference: Annotated[
        int, typer.Option(min=0, help="Prior draws of the reference table for leave-one-out (0: none).")
    ] = 60,
    seed: Annotated[int, typer.Option(help="First seed.")] = 1,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores).")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default: CALIBRATION/validation).")] = None,
) -> None:
    """Temporal hold-out and leave-one-out over the European exits, each score beside the naive table's."""
    from sim import validation as val

    folder = out or calibration / "validation"
    try:
        table, loo = val.validate_history(calibration, folder, draws, reference, seed, workers, loo=reference > 0)
    except ScenarioError as exc:
        _fail(str(exc))
    print(f"{folder}: scores.csv, report.md" + (", leave_one_out.csv" if loo is not None else ""))
    print(table.to_string(index=False))
    if loo is not None:
        print(loo[["left_out", "recorded_exit", "predicted_exit_median", "exit_error_model", "exit_error_naive"]]
              .to_string(index=False))  # fmt: skip


@app.command()
def sensitivity(
    folder: Annotated[Path, typer.Argument(help="A finished sweep folder (e.g. of sensitivity.toml).")],
) -> None:
    """Analyse a sweep (as `sim analyze`) and screen its parameters: which matter, which could be fixed."""
    from sim import sensitivity as sens

    try:
        target, screen = sens.write_screening(folder)
    except (ScenarioError, ValueError) as exc:
        _fail(str(exc))
    print(f"{target}: screening.md, screening.csv beside indices.csv")
    print(screen.to_string(index=False))


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
def audit(
    scenario: Annotated[str, typer.Argument(help="Scenario name in scenarios/ or path to a TOML file.")],
    seeds: Annotated[int, typer.Option(min=1, help="Seeds in every ensemble (seed .. seed+N-1).")] = 4,
    seed: Annotated[int, typer.Option(help="First seed (every world uses the same seeds).")] = 1,
    hold_from: Annotated[
        int | None, typer.Option(help="Hold each schedule at its value in this year (default: the first year).")
    ] = None,
    schedules: Annotated[
        str, typer.Option(help="'hold' each schedule from --hold-from, or drop each of its 'points' after it in turn.")
    ] = "hold",
    only: Annotated[
        list[str] | None,
        typer.Option(
            help="Only inputs of this kind: an event kind, a schedule variable, population, event, schedule, "
            "or a verdict (outcome, depends, cause); repeatable."
        ),
    ] = None,
    inputs: Annotated[
        list[str] | None,
        typer.Option(help="Only inputs whose key path or label matches (a glob, or text); repeatable."),
    ] = None,
    until: Annotated[int | None, typer.Option(help="Stop every run after this year (default: the end).")] = None,
    freeze_year: Annotated[int, typer.Option(help="Freeze experiment: inputs after this year removed.")] = 1985,
    freeze: Annotated[bool, typer.Option(help="Run the freeze experiment.")] = True,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes (default: all cores).")] = None,
    out: Annotated[Path, typer.Option(help="Root folder: the audit goes to OUT/audit/<scenario>/<time>-s.../.")] = Path(
        "results"
    ),
    rule_only: Annotated[
        bool, typer.Option(help="Only list the dated inputs the rule calls outcomes (exit 1 if there are any).")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Causal audit: remove each dated input in turn, rerun with the same seeds, report which outcomes move."""
    from sim import audit as au
    from sim.scenario import load

    try:
        loaded = load(scenario)
        if rule_only:
            text, found = au.rule_report(loaded)
            print(text)
            raise typer.Exit(1 if found else 0)
        chosen, settings = au.prepare(
            loaded, schedules, hold_from, until, freeze_year if freeze else None, only, inputs
        )
        result = au.run_audit(loaded, _seeds(seed, seeds), chosen, until=until, freeze_year=settings["freeze_year"],
                              workers=workers, progress=not quiet, settings=settings)  # fmt: skip
        where = au.write_audit(result, out, sys.argv[1:])
    except ScenarioError as exc:
        _fail(str(exc))
    print(au.terminal_summary(result, where))


@app.command()
def params(group: Annotated[str | None, typer.Argument(help="Only this group.")] = None) -> None:
    """List every parameter with its default, range, unit and source."""
    from sim.params import GROUPS, by_group

    if group is not None and group not in GROUPS:
        _fail(f"sim params {group}: unknown parameter group (expected one of: {', '.join(GROUPS)})")
    for g in GROUPS if group is None else [group]:
        print(f"[{g}]")
        for p in by_group(g):
            print(f"  {p.name:<28} {p.default:<8g} [{p.lo:g}, {p.hi:g}] {p.unit:<14} {p.provenance:<10} {p.doc}")


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
        stale = ([odd.ODD_PATH] if not odd.is_current() else []) + docsite.stale(root, app, EXIT_CODES)
        if stale:
            _fail(f"out of date: {', '.join(str(p) for p in stale)}: run `uv run sim docs`", 1)
        print(f"{odd.ODD_PATH}, docs/schemas/ and docs/reference/: current")
        return
    print(f"{odd.ODD_PATH}: {'updated' if odd.write() else 'already current'}")
    written = docsite.write(root, app, EXIT_CODES)
    print(f"generated pages: {len(written)} updated" + "".join(f"\n  {p}" for p in written))


_OS_EXPECTED = {
    errno.ENOENT: "expected an existing file or folder",
    errno.EISDIR: "expected a file, not a folder",
    errno.ENOTDIR: "expected a folder, and part of this path is a file",
    errno.EEXIST: "expected a folder, and a file of that name exists",
    errno.EACCES: "expected permission to read or write it",
    errno.EPERM: "expected permission to read or write it",
    errno.EROFS: "expected a writable folder (the file system is read-only)",
    errno.ENOSPC: "expected free space on the disk (nothing partial was kept: free space and rerun)",
    errno.EDQUOT: "expected free space within the disk quota",
}


def describe_os_error(exc: OSError) -> str:
    """``<file>: <what happened> (<what was expected>)`` for an OS error."""
    where = exc.filename if exc.filename is not None else "(no file)"
    expected = _OS_EXPECTED.get(exc.errno or 0, "expected a readable file or a writable folder")
    return f"{where}: {exc.strerror or exc} ({expected})"


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point: one policy for every expected error and signal.

    A :class:`~sim.scenario.ScenarioError` (every bad file, key or option) or an ``OSError`` exits 2 with
    ``error: <file>: <key>: <what was expected>`` and no traceback (``-v`` or ``--verbose`` adds it); SIGINT and
    SIGTERM exit 130 and 143 with a note saying what was kept and how to resume.
    """
    import traceback

    import click

    from sim.executors import Interrupted, signals_interrupt

    args = sys.argv[1:] if argv is None else argv
    verbose = any(a in ("-v", "--verbose") for a in args)
    try:
        with signals_interrupt():
            code = app(args=args, prog_name="sim", standalone_mode=False)
    except click.ClickException as exc:  # usage errors: click's own message, exit 2
        exc.show()
        code = exc.exit_code
    except (Interrupted, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        note = exc.note if isinstance(exc, Interrupted) and exc.note else "nothing was written"
        sys.stderr.write(f"interrupted ({signal.Signals(signum).name}): {note}\n")
        code = 128 + signum
    except (ScenarioError, OSError) as exc:
        if verbose:
            traceback.print_exc()
        sys.stderr.write(f"error: {describe_os_error(exc) if isinstance(exc, OSError) else exc}\n")
        code = 2
    sys.exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    main()
