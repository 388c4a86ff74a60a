"""Parameter sweeps: a validated spec, a reproducible design, chunked execution on any Executor, resumable output.

A sweep spec is a TOML file::

    [sweep]
    name = "decay_and_contagion"
    scenario = "stylized"          # a scenario name in sim/scenarios/ or a path
    design = "sobol"               # grid | lhs | sobol | morris
    samples = 64                   # lhs: points; sobol: base samples N (N * (2D + 2) points); morris: trajectories
    replicates = 2                 # seeds per design point
    seed = 20261124                # the root seed: every run's seed is spawned from it
    until = 2000                   # optional: stop each run after this year

    [parameters.belief_erosion]    # any model parameter or driver (hegemony, tolerance, commitment, ...)
    range = [0.1, 0.6]             # for lhs, sobol, morris (within the parameter's own bounds)

    [parameters.hegemony]
    levels = [0.3, 0.6, 0.9]       # for grid (or range + steps = 5)

    [outcomes]
    scalars = ["communist:1990", "communist:2020", "exit_year:*", "peak_dissent"]
    series = ["communist", "hybrid"]   # optional yearly series

``run_sweep`` writes ``results/sweeps/<name>/``: ``spec.toml`` (a copy) and ``design.parquet`` (run id, point,
replicate, seed and parameter values of every run) before anything runs; then each finished chunk of runs as its
own Parquet files under ``parts/`` (``results-*.parquet``, ``series-*.parquet``, ``failures-*.parquet``: written
under a temporary name and renamed, so a part is complete whenever it exists); at the end ``failures.parquet``
and ``sweep.json`` (counts, timings, versions). Re-running the same command finishes only the runs not yet
recorded, so an interrupted or killed sweep resumes where it stopped and every run is recorded exactly once.

Runs go through any :class:`concurrent.futures.Executor`: a process pool (default, all cores), in-process
sequential execution (debugging), or Dask distributed (``scheduler="tcp://host:8786"`` or ``"local"``). Short runs
are grouped into chunks of about ``chunk_seconds`` of work, and at most ``2 * workers`` chunks are in flight, so
the driver's memory does not grow with the size of the design.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import time
import tomllib
import traceback
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field, ValidationError, model_validator

from sim.observe import SWEEP_SERIES, OutcomeError, RunView, compute_outcomes, expand_outcome
from sim.output import write_parquet
from sim.params import PARAMETERS
from sim.resources import SWEEP_DIR
from sim.scenario import DRIVER_VARIABLES, Scenario, ScenarioError, _format_loc, _Strict, load, resolve_named

DESIGNS = ("grid", "lhs", "sobol", "morris")
SERIES = SWEEP_SERIES
"""The yearly series a sweep can keep (the numeric model reporters of :mod:`sim.observe`)."""


class SweepError(ScenarioError):
    """A sweep spec is invalid, or a sweep folder holds a different sweep. Names the file, the key, the fix."""


class SweepInfo(_Strict):
    """The ``[sweep]`` table."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    scenario: str
    design: Literal[DESIGNS]
    samples: Annotated[int, Field(ge=1, le=10_000_000)] = 16
    replicates: Annotated[int, Field(ge=1, le=10_000)] = 1
    seed: Annotated[int, Field(ge=0)] = 0
    until: int | None = None
    second_order: bool = False
    morris_levels: Annotated[int, Field(ge=2, le=20)] = 4
    chunk_seconds: Annotated[float, Field(gt=0.0, le=3600.0)] = 1.0
    description: str = ""


class ParameterRange(_Strict):
    """One varied parameter or driver: a ``range`` (continuous designs) and/or ``levels`` (grid)."""

    range: Annotated[list[float], Field(min_length=2, max_length=2)] | None = None
    levels: list[float] | None = None
    steps: Annotated[int, Field(ge=2, le=1000)] | None = None

    @model_validator(mode="after")
    def _shape(self) -> ParameterRange:
        if self.range is None and self.levels is None:
            raise ValueError("give a range = [low, high] or levels = [...]")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range must be [low, high] with low < high (got {list(self.range)})")
        if self.levels is not None and len(self.levels) == 0:
            raise ValueError("levels must not be empty")
        return self


class Outcomes(_Strict):
    """The ``[outcomes]`` table."""

    scalars: list[str] = Field(min_length=1)
    series: list[Literal[SERIES]] = Field(default_factory=list)


class SweepSpec(_Strict):
    """A whole sweep spec."""

    sweep: SweepInfo
    parameters: dict[str, ParameterRange] = Field(min_length=1)
    outcomes: Outcomes


@dataclass(frozen=True)
class Sweep:
    """A loaded, checked sweep: the spec, its file, its base scenario and its expanded outcomes."""

    spec: SweepSpec
    path: Path | None
    scenario: Scenario
    scalars: tuple[str, ...]
    sha256: str

    @property
    def name(self) -> str:
        """The sweep's name."""
        return self.spec.sweep.name

    @property
    def names(self) -> list[str]:
        """The varied parameters, in spec order."""
        return list(self.spec.parameters)

    def bounds(self) -> list[tuple[float, float]]:
        """(low, high) of each varied parameter (its range, or the span of its levels)."""
        params = self.spec.parameters.values()
        return [tuple(p.range) if p.range is not None else (min(p.levels), max(p.levels)) for p in params]


# -- loading and checking ----------------------------------------------------------------------------------------


def _bounds_of(name: str) -> tuple[float, float, bool]:
    if name in PARAMETERS:
        p = PARAMETERS[name]
        return p.lo, p.hi, p.integer
    return 0.0, 1.0, False  # drivers are shares


def _check(spec: SweepSpec, source: str) -> tuple[Scenario, tuple[str, ...]]:
    info = spec.sweep
    try:
        scenario = load(info.scenario)
    except ScenarioError as exc:
        raise SweepError(f"{source}: sweep.scenario: {exc}") from None
    s_info = scenario.spec.scenario
    if info.until is not None and not s_info.start_year < info.until <= s_info.end_year:
        raise SweepError(
            f"{source}: sweep.until: expected a year in {s_info.start_year + 1}-{s_info.end_year} (got {info.until})"
        )
    for name, p in spec.parameters.items():
        where = f"{source}: parameters.{name}"
        if name not in PARAMETERS and name not in DRIVER_VARIABLES:
            raise SweepError(f"{where}: not a model parameter or driver (drivers: {', '.join(DRIVER_VARIABLES)}; "
                             "parameters: `uv run sim params`)")  # fmt: skip
        lo, hi, _ = _bounds_of(name)
        values = list(p.range or []) + list(p.levels or [])
        bad = [v for v in values if not lo <= v <= hi]
        if bad:
            raise SweepError(f"{where}: {bad[0]:g} is outside the parameter's bounds [{lo:g}, {hi:g}]")
        if info.design == "grid" and p.levels is None and p.steps is None:
            raise SweepError(f"{where}: a grid needs levels = [...] or range plus steps = N")
        if info.design != "grid" and p.range is None:
            raise SweepError(f"{where}: a {info.design} design needs range = [low, high]")
    if info.design in ("sobol", "morris") and len(spec.parameters) < 2:
        raise SweepError(f"{source}: parameters: a {info.design} design needs at least two parameters")
    scalars: list[str] = []
    last = info.until or s_info.end_year
    for i, name in enumerate(spec.outcomes.scalars):
        try:
            scalars += expand_outcome(name, scenario, last)
        except OutcomeError as exc:
            raise SweepError(f"{source}: outcomes.scalars[{i}]: {exc}") from None
    return scenario, tuple(dict.fromkeys(scalars))


def _explain_spec(err: dict[str, Any]) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown key"
    msg = err["msg"].removeprefix("Value error, ")
    if "input" in err and err["type"] != "missing" and not isinstance(err["input"], dict | list):
        msg = f"{msg} (got {err['input']!r})"
    return msg


def load_spec(path: str | Path) -> Sweep:
    """Read, validate and check a sweep spec (a path, or the name of a spec shipped in ``sim/scenarios/sweeps/``);
    raises :class:`SweepError` naming the file, the key, the problem."""
    try:
        path = resolve_named(path, SWEEP_DIR, "sweep spec")
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None
    raw = path.read_bytes()
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SweepError(f"{path}: malformed TOML: {exc}") from None
    return spec_from_dict(data, str(path), path, hashlib.sha256(raw).hexdigest())


def spec_from_dict(data: dict[str, Any], source: str = "<sweep>", path: Path | None = None, sha256: str = "") -> Sweep:
    """Validate a sweep spec given as a mapping (the parsed TOML)."""
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {_format_loc(err['loc'])}: {_explain_spec(err)}" for err in exc.errors()]
        raise SweepError("\n".join(lines)) from None
    scenario, scalars = _check(spec, source)
    digest = sha256 or hashlib.sha256(spec.model_dump_json().encode()).hexdigest()
    return Sweep(spec, path, scenario, scalars, digest)


# -- the design ---------------------------------------------------------------------------------------------------


def _problem(sweep: Sweep) -> dict[str, Any]:
    return {"num_vars": len(sweep.names), "names": sweep.names, "bounds": [list(b) for b in sweep.bounds()]}


def design_points(sweep: Sweep) -> np.ndarray:
    """The design's parameter points (rows) in the order SALib's analysis expects."""
    info = sweep.spec.sweep
    rng = np.random.default_rng(np.random.SeedSequence(info.seed).spawn(2)[1])  # the design's own stream
    if info.design == "grid":
        axes = []
        for p in sweep.spec.parameters.values():
            axes.append(p.levels if p.levels is not None else list(np.linspace(p.range[0], p.range[1], p.steps)))
        return np.array(list(itertools.product(*axes)), dtype=float)
    if info.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(sweep.names), rng=rng).random(info.samples)
        lo, hi = np.array(sweep.bounds()).T
        return qmc.scale(unit, lo, hi)
    if info.design == "sobol":
        from SALib.sample import sobol

        return sobol.sample(_problem(sweep), info.samples, calc_second_order=info.second_order, seed=rng)
    from SALib.sample import morris

    return morris.sample(_problem(sweep), info.samples, num_levels=info.morris_levels, seed=rng)


def run_seeds(root: int, n: int) -> np.ndarray:
    """``n`` run seeds spawned from the root seed (``SeedSequence(root).spawn``), as non-negative 63-bit ints."""
    children = np.random.SeedSequence(root).spawn(2)[0].spawn(n)
    return np.array([int(c.generate_state(1, np.uint64)[0] >> np.uint64(1)) for c in children], dtype=np.int64)


def build_design(sweep: Sweep) -> pd.DataFrame:
    """One row per run: ``run_id``, ``point``, ``replicate``, ``seed`` and the parameter values."""
    points = design_points(sweep)
    reps = sweep.spec.sweep.replicates
    n = len(points) * reps
    frame = pd.DataFrame(
        {
            "run_id": np.arange(n, dtype=np.int64),
            "point": np.repeat(np.arange(len(points), dtype=np.int64), reps),
            "replicate": np.tile(np.arange(reps, dtype=np.int64), len(points)),
            "seed": run_seeds(sweep.spec.sweep.seed, n),
        }
    )
    for j, name in enumerate(sweep.names):
        values = np.repeat(points[:, j], reps)
        if _bounds_of(name)[2]:
            values = np.round(values)
        frame[name] = values
    return frame


# -- one run and its outcomes -------------------------------------------------------------------------------------


def outcomes_of(model, scalars: Sequence[str], series: Sequence[str]) -> tuple[dict[str, float], pd.DataFrame | None]:
    """The scalar outcomes of a finished model, and its yearly series (None if none asked)."""
    view = RunView.of(model)
    out = compute_outcomes(view, scalars)
    frame = None
    if series:
        values = {s: np.asarray(view.model[s], float) for s in series}
        frame = pd.DataFrame({"year": view.years.astype(np.int64), **values})
    return out, frame


def overrides_of(row: dict[str, Any], names: Sequence[str]) -> dict[str, Any]:
    """The model keyword overrides for one design row."""
    out: dict[str, Any] = {}
    for name in names:
        value = row[name]
        out[name] = round(value) if _bounds_of(name)[2] else float(value)
    return out


def simulate(scenario: Scenario, overrides: dict[str, Any], seed: int, until: int | None):
    """Build and run one model (the unit of work of a sweep)."""
    from sim.model import CommunistWorld

    return CommunistWorld(scenario, rng=seed, collect=("states",), **overrides).run(until)


@dataclass(frozen=True)
class Task:
    """A chunk of runs, with everything a worker needs (picklable)."""

    scenario: Scenario
    names: tuple[str, ...]
    scalars: tuple[str, ...]
    series: tuple[str, ...]
    until: int | None
    rows: tuple[dict[str, Any], ...]


def run_chunk(task: Task) -> dict[str, pd.DataFrame]:
    """Run a chunk; a run that raises is recorded (with its traceback) and the chunk goes on."""
    results, series, failures = [], [], []
    for row in task.rows:
        started = time.perf_counter()
        try:
            model = simulate(task.scenario, overrides_of(row, task.names), int(row["seed"]), task.until)
            scalars, frame = outcomes_of(model, task.scalars, task.series)
        except Exception as exc:  # a failed run is data, not a crash of the sweep
            failures.append(
                {"run_id": int(row["run_id"]), "seed": int(row["seed"]), "error": f"{type(exc).__name__}: {exc}",
                 "traceback": traceback.format_exc()}
            )  # fmt: skip
            continue
        results.append({**row, **scalars, "runtime_s": time.perf_counter() - started})
        if frame is not None:
            frame.insert(0, "run_id", int(row["run_id"]))
            series.append(frame)
    columns = ["run_id", "point", "replicate", "seed", *task.names, *task.scalars, "runtime_s"]
    out = {"results": pd.DataFrame(results, columns=columns)}
    if task.series:
        out["series"] = pd.concat(series, ignore_index=True) if series else pd.DataFrame(columns=["run_id", "year"])
    out["failures"] = pd.DataFrame(failures, columns=["run_id", "seed", "error", "traceback"])
    return out


# -- executors ----------------------------------------------------------------------------------------------------


class SequentialExecutor(Executor):
    """Runs each task in this process when it is submitted (for debugging: tracebacks and breakpoints work)."""

    def submit(self, fn: Callable, /, *args, **kwargs) -> Future:
        """Run ``fn`` now and return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
            if isinstance(exc, KeyboardInterrupt):
                raise
        return future


def make_executor(workers: int | None = None, scheduler: str | None = None) -> tuple[Executor, int, Callable[[], None]]:
    """An executor, its number of workers, and how to shut it down.

    ``scheduler``: None (a process pool of ``workers`` processes, all cores by default; ``workers=1`` runs in this
    process), ``"pool"`` (a process pool even for one worker), ``"sequential"``, ``"local"`` (a local Dask cluster
    of ``workers`` single-threaded processes) or a Dask scheduler address (``tcp://host:8786``).
    """
    from sim.ensemble import default_workers, process_pool

    if scheduler in ("sequential",) or (scheduler is None and workers == 1):
        return SequentialExecutor(), 1, lambda: None
    if scheduler in (None, "pool"):
        n = workers or default_workers()
        pool = process_pool(n)
        return pool, n, lambda: pool.shutdown(wait=True, cancel_futures=True)
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - dask is installed with the dev group and the `dask` extra
        raise SweepError("Dask is not installed: `uv sync --extra dask` (or pip install 'dask[distributed]')") from None
    if scheduler == "local":
        n = workers or default_workers()
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    else:
        cluster = None
        client = Client(scheduler)
        n = workers or max(1, sum(w["nthreads"] for w in client.scheduler_info()["workers"].values()))

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return client.get_executor(pure=False), n, close


# -- output -------------------------------------------------------------------------------------------------------


def _write_atomic(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    write_parquet(frame, tmp)
    os.replace(tmp, path)


def _recorded(parts: Path, prefix: str) -> set[int]:
    """The run ids already written to ``parts``. Read file by file: a dataset over every part at once costs memory
    in proportion to the number of files (7 GB for 100,000 of them), one file at a time stays flat."""
    ids: set[int] = set()
    for path in sorted(parts.glob(f"{prefix}-*.parquet")):
        ids.update(pq.ParquetFile(path).read(columns=["run_id"]).column("run_id").to_pylist())
    return ids


def load_results(folder: str | Path, table: str = "results") -> pd.DataFrame:
    """Every recorded run of a sweep folder as one DataFrame (``table``: results, series or failures)."""
    files = sorted((Path(folder) / "parts").glob(f"{table}-*.parquet"))
    if not files:
        return pd.DataFrame()
    whole = pa.concat_tables([pq.read_table(path) for path in files])  # file by file: see _recorded
    return whole.to_pandas().sort_values("run_id").reset_index(drop=True)


@dataclass
class SweepResult:
    """What a call of :func:`run_sweep` did."""

    folder: Path
    runs: int
    done: int
    failed: int
    ran_now: int
    seconds: float


def _prepare(sweep: Sweep, folder: Path) -> pd.DataFrame:
    """Create the folder with spec and design, or check that an existing one holds this same sweep."""
    marker = folder / "sweep-id.json"
    identity = {"sweep_sha256": sweep.sha256, "scenario_sha256": sweep.scenario.sha256}
    if (folder / "design.parquet").exists():
        stored = json.loads(marker.read_text()) if marker.exists() else {}
        if stored != identity:
            raise SweepError(
                f"{folder}: holds a different sweep (its spec or scenario changed); use another --out, or delete the "
                "folder to start again"
            )
        return pd.read_parquet(folder / "design.parquet")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "parts").mkdir(exist_ok=True)
    design = build_design(sweep)
    if sweep.path is not None:
        (folder / "spec.toml").write_bytes(sweep.path.read_bytes())
    _write_atomic(design, folder / "design.parquet")
    marker.write_text(json.dumps(identity, indent=2) + "\n")
    return design


def _chunks(pending: pd.DataFrame, size: int) -> Iterator[list[dict[str, Any]]]:
    """The pending runs as lists of row dicts, ``size`` at a time (built lazily: memory stays flat)."""
    for i in range(0, len(pending), size):
        yield pending.iloc[i : i + size].to_dict("records")


def estimate_run_seconds(sweep: Sweep) -> float:
    """Time one run of the base scenario (default parameters) in this process, to size the chunks. The first run
    of a process pays one-off costs (imports, caches) many times a short run's work, so it is a warm-up only."""
    simulate(sweep.scenario, {}, 0, sweep.spec.sweep.until)
    started = time.perf_counter()
    simulate(sweep.scenario, {}, 1, sweep.spec.sweep.until)
    return max(1e-4, time.perf_counter() - started)


def run_sweep(
    sweep: Sweep | str | Path,
    out: str | Path = "results/sweeps",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepResult:
    """Run (or finish) a sweep into ``out/<name>/``; see the module docstring."""
    if not isinstance(sweep, Sweep):
        sweep = load_spec(sweep)
    info = sweep.spec.sweep
    folder = Path(out) / sweep.name
    design = _prepare(sweep, folder)
    parts = folder / "parts"
    if retry_failed:
        for f in parts.glob("failures-*.parquet"):
            f.unlink()
    done_before, failed_before = _recorded(parts, "results"), _recorded(parts, "failures")
    done_ids = done_before | failed_before
    pending = design[~design.run_id.isin(done_ids)]
    started = time.perf_counter()
    ran_now = failed_now = 0
    if len(pending):
        executor, n_workers, close = make_executor(workers, scheduler)
        size = chunk_size or max(1, round(info.chunk_seconds / estimate_run_seconds(sweep)))
        size = max(1, min(size, math.ceil(len(pending) / n_workers)))  # keep every worker busy on small sweeps
        names, series = tuple(sweep.names), tuple(sweep.spec.outcomes.series)
        tasks = (
            Task(sweep.scenario, names, sweep.scalars, series, info.until, tuple(c)) for c in _chunks(pending, size)
        )
        bar = None
        if progress:
            from sim.console import progress_bar

            bar = progress_bar(total=len(design), initial=len(done_ids), desc=sweep.name, unit="run")
            bar.set_postfix(failed=len(failed_before), refresh=False)
        in_flight: dict[Future, int] = {}
        limit = 2 * n_workers
        try:
            for task in itertools.chain(tasks, [None]):
                while in_flight and (task is None or len(in_flight) >= limit):
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        in_flight.pop(future)
                        frames = future.result()
                        first = int(frames["results"].run_id.min()) if len(frames["results"]) else None
                        first = first if first is not None else int(frames["failures"].run_id.min())
                        for table, frame in frames.items():
                            if len(frame):
                                _write_atomic(frame, parts / f"{table}-{first:09d}.parquet")
                        ran_now += len(frames["results"])
                        failed_now += len(frames["failures"])
                        if bar:
                            bar.update(len(frames["results"]) + len(frames["failures"]))
                            if len(frames["failures"]):
                                bar.set_postfix(failed=len(failed_before) + failed_now, refresh=False)
                    if task is None and not in_flight:
                        break
                if task is not None:
                    in_flight[executor.submit(run_chunk, task)] = len(task.rows)
        finally:
            if bar:
                bar.close()
            for future in in_flight:
                future.cancel()
            close()
    failures = load_results(folder, "failures")
    failures_path = folder / "failures.parquet"
    _write_atomic(failures if len(failures) else pd.DataFrame(columns=["run_id", "seed", "error", "traceback"]),
                  failures_path)  # fmt: skip
    done = len(done_before) + ran_now
    result = SweepResult(folder, len(design), done, len(failures), ran_now + failed_now, time.perf_counter() - started)
    _write_summary(sweep, result)
    return result


def _write_summary(sweep: Sweep, result: SweepResult) -> None:
    from sim.output import git_state, package_versions, write_json

    write_json(
        {
            "name": sweep.name,
            "spec": str(sweep.path) if sweep.path else None,
            "spec_sha256": sweep.sha256,
            "scenario": sweep.scenario.name,
            "scenario_sha256": sweep.scenario.sha256,
            "design": sweep.spec.sweep.design,
            "parameters": sweep.names,
            "outcomes": list(sweep.scalars),
            "series": list(sweep.spec.outcomes.series),
            "runs": result.runs,
            "done": result.done,
            "failed": result.failed,
            "complete": result.done + result.failed == result.runs,
            "versions": package_versions(),
            **git_state(),
        },
        result.folder / "sweep.json",
    )
