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

``run_sweep`` writes ``results/sweeps/<name>/``: ``spec.toml`` (a copy), ``design.parquet`` (run id, point,
replicate, seed and parameter values of every run) and the marker ``sweep-id.json`` before anything runs; then
each finished chunk of runs as one Parquet part per table, each table in its own folder (``results/``, ``series/``,
``failures/``: ``chunk-<first run id>.parquet``), and last the chunk's manifest (``manifests/chunk-*.json``: its
runs and the sha256 of each part). Every file is written under a temporary name and renamed, and a chunk exists
only once its manifest does: a reader (``load_results``, ``sim analyze``) and a resume trust manifested chunks
only, so a kill at any instant loses at most the chunks in flight, and every run is recorded exactly once in every
table. On resume, a manifest that fails its checks and a part that no manifest lists are named and moved into
``quarantine/`` (never deleted). One command at a time writes a folder (``flock`` on ``sweep.lock``). At the end,
``failures.parquet`` and ``sweep.json`` (counts, timings, versions). Every Parquet file carries its provenance
(sweep, spec and scenario hashes, program version) in its key-value metadata (``sim.output.parquet_provenance``).
Re-running the same command finishes only the runs not yet recorded.

Runs go through any :class:`concurrent.futures.Executor`: a process pool (default, all cores), in-process
sequential execution (debugging), or Dask distributed (``scheduler="tcp://host:8786"`` or ``"local"``). Short runs
are grouped into chunks of about ``chunk_seconds`` of work, and at most ``2 * workers`` chunks are in flight, so
the driver's memory does not grow with the size of the design.
"""

from __future__ import annotations

import fcntl
import hashlib
import itertools
import json
import math
import os
import signal
import sys
import time
import traceback
import warnings
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pydantic import Field, ValidationError, model_validator

from sim.executors import Interrupted, check_scheduler, make_executor
from sim.observe import SWEEP_SERIES
from sim.outcomes import OutcomeError, RunView, compute_outcomes, expand_outcome
from sim.output import commit_file, write_parquet
from sim.params import PARAMETERS
from sim.resources import SWEEP_DIR
from sim.scenario import Scenario, ScenarioError, _format_loc, load, read_toml, resolve_named
from sim.schema import _Strict
from sim.vocab import DRIVER_VARIABLES

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
    seed: Annotated[int, Field(ge=0, lt=2**63)] = 0
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
    try:
        data, raw = read_toml(path, "sweep spec")
    except ScenarioError as exc:
        raise SweepError(str(exc)) from None
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


# -- the sweep folder: one writer, and a commit protocol covering every table -------------------------------------

TABLES = ("results", "series", "failures")
"""The tables of a sweep, each in its own folder of chunk parts (``results/chunk-000000000.parquet``, ...)."""
MANIFESTS = "manifests"
QUARANTINE = "quarantine"
MARKER = "sweep-id.json"
LOCK = "sweep.lock"
MAX_RUNS = 1_000_000
"""The largest design run without ``--force``."""
FORMAT = 2
"""The layout of a sweep folder (1: every table in ``parts/``, no manifests)."""


class SweepWarning(UserWarning):
    """A file of a sweep folder was skipped because it is not part of a committed chunk."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@contextmanager
def folder_lock(folder: Path, wait: bool = False) -> Iterator[None]:
    """Hold the sweep folder's lock (``flock`` on ``sweep.lock``: released by the kernel when its holder dies, so a
    lock is never stale). Without ``wait``, a folder held by another command is refused naming the holder's pid."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            if not wait:
                raise SweepError(
                    f"{folder}: another sweep command (pid {holder}) is writing this folder; wait for it to end, or "
                    "rerun with --wait"
                ) from None
            sys.stderr.write(f"{folder}: waiting for the sweep command with pid {holder} to end\n")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def _identity(sweep: Sweep) -> dict[str, str]:
    return {"sweep_sha256": sweep.sha256, "scenario_sha256": sweep.scenario.sha256}


def _provenance(sweep: Sweep, table: str) -> dict[str, object]:
    from sim.output import package_versions

    version = package_versions()["communist-systems-sim"]
    return {"sweep": sweep.name, "table": table, **_identity(sweep), "scenario": sweep.scenario.name,
            "spec": sweep.spec.model_dump(mode="json"), "program_version": version}  # fmt: skip


def _commit_parquet(frame: pd.DataFrame, path: Path, provenance: dict[str, object]) -> str:
    """Write ``frame`` to ``path`` as a transaction; returns the sha256 of the file's bytes."""
    digest: list[str] = []

    def write(tmp: Path) -> None:
        write_parquet(frame, tmp, provenance)
        digest.append(_sha256(tmp.read_bytes()))

    commit_file(path, write)
    return digest[0]


def _commit_json(data: dict[str, Any], path: Path) -> None:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    commit_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


@dataclass(frozen=True)
class Chunk:
    """A committed chunk: its manifest's name, the runs it records (``failed`` among them) and its parts."""

    name: str
    runs: tuple[int, ...]
    failed: tuple[int, ...]
    parts: dict[str, dict[str, Any]]

    def rows(self, table: str) -> int:
        """Rows of ``table`` in this chunk."""
        return int(self.parts.get(table, {}).get("rows", 0))

    def to_json(self, identity: dict[str, str]) -> dict[str, Any]:
        """The manifest's content."""
        return {"format": FORMAT, "chunk": self.name, "runs": list(self.runs), "failed": list(self.failed),
                "parts": self.parts, **identity}  # fmt: skip


def _parse_manifest(path: Path, identity: dict[str, str] | None) -> Chunk:
    """A manifest file as a :class:`Chunk`; raises ValueError saying what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"not a complete JSON manifest ({exc})") from None
    ints = lambda v: isinstance(v, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in v)  # noqa: E731
    ok = (
        isinstance(data, dict) and data.get("format") == FORMAT and data.get("chunk") == path.stem
        and ints(data.get("runs")) and ints(data.get("failed")) and isinstance(data.get("parts"), dict)
        and all(t in TABLES and isinstance(e, dict) and isinstance(e.get("sha256"), str)
                and isinstance(e.get("rows"), int) for t, e in data["parts"].items())
    )  # fmt: skip
    if not ok:
        raise ValueError("not a manifest of this program (expected format, chunk, runs, failed and parts)")
    if identity is not None and any(data.get(k) != v for k, v in identity.items()):
        raise ValueError("a manifest of a different sweep (its spec or scenario hash differs)")
    return Chunk(path.stem, tuple(data["runs"]), tuple(data["failed"]), data["parts"])


def _chunks_of(
    folder: Path, identity: dict[str, str] | None, verify: bool
) -> tuple[list[Chunk], list[tuple[Path, str]]]:
    """The committed chunks of a sweep folder in name order (each run in one chunk only), and the manifests that
    cannot be trusted, with the reason. ``verify``: check every part against its checksum."""
    good: list[Chunk] = []
    bad: list[tuple[Path, str]] = []
    seen: set[int] = set()
    manifests = folder / MANIFESTS
    for path in sorted(manifests.glob("chunk-*.json")) if manifests.is_dir() else []:
        try:
            chunk = _parse_manifest(path, identity)
            if seen.intersection(chunk.runs):
                raise ValueError("records runs that another chunk already records")
            for table, entry in chunk.parts.items() if verify else ():
                part = folder / table / f"{chunk.name}.parquet"
                try:
                    data = part.read_bytes()
                except FileNotFoundError:
                    raise ValueError(f"its part {table}/{part.name} is missing") from None
                if _sha256(data) != entry["sha256"]:
                    raise ValueError(f"its part {table}/{part.name} does not match its checksum")
        except (OSError, ValueError) as exc:
            bad.append((path, str(exc)))
            continue
        seen.update(chunk.runs)
        good.append(chunk)
    return good, bad


def _set_aside(folder: Path, path: Path) -> Path:
    """Move ``path`` into the folder's ``quarantine/`` (never deleted: the user decides), keeping its place."""
    target = folder / QUARANTINE / path.relative_to(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    while target.exists():
        n += 1
        target = target.with_name(f"{path.name}.{n}")
    os.rename(path, target)
    return target


def _audit(folder: Path, sweep: Sweep, design: pd.DataFrame) -> tuple[list[Chunk], list[str]]:
    """Under the lock, before running: the committed chunks to trust, after removing this program's temporary
    files and setting aside (naming each) every manifest that fails its checks and every file of the table
    folders that no trusted manifest lists (parts of an interrupted chunk, or foreign files)."""
    from sim.output import is_temporary

    notes: list[str] = []
    for place in (folder, *(folder / t for t in (*TABLES, MANIFESTS))):
        for path in place.iterdir() if place.is_dir() else []:
            if is_temporary(path) and path.is_file():
                path.unlink()  # a temporary sibling of ours: nobody else writes here while we hold the lock
    chunks, bad = _chunks_of(folder, _identity(sweep), verify=True)
    ids = set(design.run_id.tolist())
    for chunk in list(chunks):
        if not ids.issuperset(chunk.runs):
            chunks.remove(chunk)
            bad.append((folder / MANIFESTS / f"{chunk.name}.json", "records runs that are not in the design"))
    for path, reason in bad:
        notes.append(f"{path}: {reason}; set aside in {_set_aside(folder, path)} (its runs will be run again)")
    listed = {(t, f"{c.name}.parquet") for c in chunks for t in c.parts}
    listed |= {(MANIFESTS, f"{c.name}.json") for c in chunks}
    for table in (*TABLES, MANIFESTS):
        for path in sorted((folder / table).iterdir()) if (folder / table).is_dir() else []:
            if (table, path.name) not in listed:
                why = "no committed chunk lists it (an interrupted chunk, or a file of someone else)"
                notes.append(f"{path}: {why}; set aside in {_set_aside(folder, path)}")
    return chunks, notes


def load_results(folder: str | Path, table: str = "results") -> pd.DataFrame:
    """Every recorded run of a sweep folder as one DataFrame (``table``: results, series or failures).

    Reads only committed chunks (listed by a manifest, with a matching checksum); anything else is skipped with a
    :class:`SweepWarning`. Read file by file: a dataset over every part at once costs memory in proportion to the
    number of files (7 GB for 100,000 of them), one file at a time stays flat.
    """
    if table not in TABLES:
        raise SweepError(f"table {table!r}: expected one of {', '.join(TABLES)}")
    folder = Path(folder)
    chunks, bad = _chunks_of(folder, None, verify=False)
    if not chunks and (folder / "parts").is_dir():
        note = f"{folder}: a sweep folder of an older layout (parts/): rerun its sweep command to record it anew"
        warnings.warn(note, SweepWarning, stacklevel=2)
    for path, reason in bad:
        warnings.warn(f"{path}: skipped: {reason}", SweepWarning, stacklevel=2)
    parts = []
    for chunk in chunks:
        if table not in chunk.parts:
            continue
        path = folder / table / f"{chunk.name}.parquet"
        try:
            data = path.read_bytes()
            if _sha256(data) != chunk.parts[table]["sha256"]:
                raise ValueError("does not match the checksum in its manifest")
            parts.append(pq.read_table(pa.BufferReader(data)))
        except (OSError, ValueError, pa.ArrowException) as exc:
            note = f"{path}: skipped ({exc}); rerun the sweep to run its chunk again"
            warnings.warn(note, SweepWarning, stacklevel=2)
    if not parts:
        return pd.DataFrame()
    whole = pa.concat_tables([p.replace_schema_metadata(None) for p in parts], promote_options="default")
    return whole.to_pandas().sort_values("run_id").reset_index(drop=True)


@dataclass
class SweepResult:
    """What a call of :func:`run_sweep` did (``notes``: the files it set aside, and why)."""

    folder: Path
    runs: int
    done: int
    failed: int
    ran_now: int
    seconds: float
    notes: list[str] = field(default_factory=list)


def design_size(sweep: Sweep) -> int:
    """The number of runs of the design (points x replicates), computed without building it."""
    info = sweep.spec.sweep
    d = len(sweep.names)
    if info.design == "grid":
        points = math.prod(len(p.levels) if p.levels is not None else p.steps for p in sweep.spec.parameters.values())
    elif info.design == "lhs":
        points = info.samples
    elif info.design == "sobol":
        points = info.samples * (2 * d + 2 if info.second_order else d + 2)
    else:
        points = info.samples * (d + 1)
    return points * info.replicates


def _different(folder: Path) -> SweepError:
    return SweepError(
        f"{folder}: holds a different sweep (its spec or scenario changed); use another --out, or move the folder "
        "away to start again"
    )


def _prepare(sweep: Sweep, folder: Path, notes: list[str] | None = None) -> pd.DataFrame:
    """Create the folder's spec copy, design and marker, or check that the folder holds this same sweep.

    The design carries the sweep's identity in its Parquet metadata and the marker (written last) the design's
    checksum, so a kill at any instant leaves a state that rerunning the same command recognises: a design without
    a marker is this sweep's (completed now) or another's (refused); a corrupt file is set aside and rebuilt.
    """
    from sim.output import parquet_provenance

    notes = [] if notes is None else notes
    identity = _identity(sweep)
    marker, design_path = folder / MARKER, folder / "design.parquet"
    stored: dict[str, Any] | None = None
    if marker.exists():
        try:
            stored = json.loads(marker.read_text(encoding="utf-8"))
            if not isinstance(stored, dict):
                raise ValueError("not a JSON object")
        except (UnicodeDecodeError, ValueError) as exc:
            notes.append(f"{marker}: unreadable ({exc}); set aside in {_set_aside(folder, marker)}")
            stored = None
    if stored is not None and any(stored.get(k) != v for k, v in identity.items()):
        raise _different(folder)
    if design_path.exists():
        try:
            data = design_path.read_bytes()
            if stored is not None and stored.get("design_sha256") == _sha256(data):
                return pd.read_parquet(design_path)
            held = parquet_provenance(design_path)
        except (OSError, ValueError, pa.ArrowException) as exc:
            held = {"unreadable": str(exc)}
        if stored is None and all(k in held for k in identity) and any(held[k] != v for k, v in identity.items()):
            raise _different(folder)
        if not all(held.get(k) == v for k, v in identity.items()):  # corrupt, foreign, or of an older layout
            notes.append(f"{design_path}: not this sweep's design; set aside in {_set_aside(folder, design_path)}")
    for name in (*TABLES, MANIFESTS):
        (folder / name).mkdir(parents=True, exist_ok=True)
    design = build_design(sweep)
    if sweep.path is not None:
        spec = sweep.path.read_bytes()
        commit_file(folder / "spec.toml", lambda tmp: tmp.write_bytes(spec))
    digest = _commit_parquet(design, design_path, _provenance(sweep, "design"))
    _commit_json({**identity, "design_sha256": digest, "format": FORMAT}, marker)
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


def chunk_size_for(sweep: Sweep, pending: int, workers: int, chunk_size: int | None = None) -> int:
    """Runs per task: about ``chunk_seconds`` of work by the run-time estimate, but never so many that a worker
    would stay idle on a small sweep."""
    size = chunk_size or max(1, round(sweep.spec.sweep.chunk_seconds / estimate_run_seconds(sweep)))
    return max(1, min(size, math.ceil(pending / workers)))


def _commit_chunk(folder: Path, sweep: Sweep, frames: dict[str, pd.DataFrame]) -> Chunk:
    """Write a finished chunk: its parts (each a transaction), then its manifest, which makes them visible."""
    failed = frames["failures"].run_id.astype(int).tolist()
    runs = sorted(frames["results"].run_id.astype(int).tolist() + failed)
    name = f"chunk-{runs[0]:09d}"
    parts = {}
    for table, frame in frames.items():
        if len(frame):
            digest = _commit_parquet(frame, folder / table / f"{name}.parquet", _provenance(sweep, table))
            parts[table] = {"sha256": digest, "rows": len(frame)}
    chunk = Chunk(name, tuple(runs), tuple(sorted(failed)), parts)
    _commit_json(chunk.to_json(_identity(sweep)), folder / MANIFESTS / f"{name}.json")
    return chunk


def _forget_failures(folder: Path, sweep: Sweep, chunks: list[Chunk]) -> list[Chunk]:
    """For --retry-failed: rewrite each manifest without its failed runs (then remove its own failures part), so
    those runs are pending again."""
    kept = []
    for chunk in chunks:
        if not chunk.failed:
            kept.append(chunk)
            continue
        manifest = folder / MANIFESTS / f"{chunk.name}.json"
        runs = tuple(r for r in chunk.runs if r not in set(chunk.failed))
        parts = {t: e for t, e in chunk.parts.items() if t != "failures"}
        if runs:
            kept.append(Chunk(chunk.name, runs, (), parts))
            _commit_json(kept[-1].to_json(_identity(sweep)), manifest)
        else:
            manifest.unlink()
        (folder / "failures" / f"{chunk.name}.parquet").unlink(missing_ok=True)
    return kept


def run_sweep(
    sweep: Sweep | str | Path,
    out: str | Path = "results/sweeps",
    workers: int | None = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    retry_failed: bool = False,
    progress: bool = True,
    force: bool = False,
    wait: bool = False,
) -> SweepResult:
    """Run (or finish) a sweep into ``out/<name>/``; see the module docstring.

    Raises:
        SweepError: the folder holds another sweep or is locked by another command (without ``wait``), the design
            exceeds :data:`MAX_RUNS` runs (without ``force``), the scheduler is unknown or unreachable, or a write
            failed (the runs recorded so far are kept).
        Interrupted: SIGINT or SIGTERM; the runs in flight are abandoned, the note says how to resume.
    """
    from sim.output import OutputError, safe_child

    if not isinstance(sweep, Sweep):
        sweep = load_spec(sweep)
    check_scheduler(scheduler)
    size = design_size(sweep)
    if size > MAX_RUNS and not force:
        raise SweepError(
            f"{sweep.path or sweep.name}: the design has {size:,} runs, more than {MAX_RUNS:,}: check samples, "
            "levels and replicates, or pass --force"
        )
    try:
        folder = safe_child(Path(out), sweep.name)
    except OutputError as exc:
        raise SweepError(f"{sweep.path or sweep.name}: sweep.name: {exc}") from None
    folder.mkdir(parents=True, exist_ok=True)
    with folder_lock(folder, wait):
        try:
            return _run_locked(sweep, folder, workers, scheduler, chunk_size, retry_failed, progress)
        except (KeyboardInterrupt, Interrupted) as exc:
            signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
            recorded = sum(len(c.runs) for c in _chunks_of(folder, None, verify=False)[0])
            raise Interrupted(
                signum,
                f"{folder}: stopped with {recorded} of {size} runs recorded (the runs in flight were abandoned); "
                "rerun the same command to finish the others",
            ) from None


def _run_locked(
    sweep: Sweep,
    folder: Path,
    workers: int | None,
    scheduler: str | None,
    chunk_size: int | None,
    retry_failed: bool,
    progress: bool,
) -> SweepResult:
    """The body of :func:`run_sweep`, run while holding the folder's lock: prepare, audit, run the pending runs
    chunk by chunk (committing each as it finishes), then write the summary files."""
    info = sweep.spec.sweep
    notes: list[str] = []
    design = _prepare(sweep, folder, notes)
    chunks, audit_notes = _audit(folder, sweep, design)
    notes += audit_notes
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    if retry_failed:
        chunks = _forget_failures(folder, sweep, chunks)
    recorded = {r for c in chunks for r in c.runs}
    done = sum(c.rows("results") for c in chunks)
    failed = sum(c.rows("failures") for c in chunks)
    pending = design[~design.run_id.isin(recorded)]
    started = time.perf_counter()
    ran_now = 0
    if len(pending):
        pool = make_executor(workers, scheduler)  # an interrupt from here on stops it (see the finally below)
        try:
            size = chunk_size_for(sweep, len(pending), pool.n, chunk_size)
        except BaseException:
            pool.close(abandon=True)
            raise
        names, series = tuple(sweep.names), tuple(sweep.spec.outcomes.series)
        tasks = (
            Task(sweep.scenario, names, sweep.scalars, series, info.until, tuple(c)) for c in _chunks(pending, size)
        )
        bar = None
        if progress:
            from sim.console import progress_bar

            bar = progress_bar(total=len(design), initial=len(recorded), desc=sweep.name, unit="run")
            bar.set_postfix(failed=failed, refresh=False)
        in_flight: dict[Future, int] = {}
        limit = 2 * pool.n
        abandon = True
        try:
            for task in itertools.chain(tasks, [None]):
                while in_flight and (task is None or len(in_flight) >= limit):
                    finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                    for future in finished:
                        in_flight.pop(future)
                        chunk = _commit_chunk(folder, sweep, future.result())
                        done += chunk.rows("results")
                        failed += chunk.rows("failures")
                        ran_now += len(chunk.runs)
                        if bar:
                            bar.update(len(chunk.runs))
                            if chunk.failed:
                                bar.set_postfix(failed=failed, refresh=False)
                    if task is None and not in_flight:
                        break
                if task is not None:
                    in_flight[pool.executor.submit(run_chunk, task)] = len(task.rows)
            abandon = False
        except BrokenExecutor:
            raise SweepError(
                f"{folder}: a worker process died (killed from outside, or out of memory); the {done + failed} runs "
                "recorded so far are kept: rerun the same command to finish the others (fewer --workers if memory "
                "ran out)"
            ) from None
        except OSError as exc:
            raise SweepError(
                f"{exc.filename or folder}: cannot write ({exc.strerror or exc}); the {done + failed} runs recorded "
                "so far are kept: fix this and rerun the same command to finish the others"
            ) from None
        finally:
            if bar:
                bar.close()
            for future in in_flight:
                future.cancel()
            pool.close(abandon)
    failures = load_results(folder, "failures")
    if failures.empty:
        failures = pd.DataFrame(columns=["run_id", "seed", "error", "traceback"])
    _commit_parquet(failures, folder / "failures.parquet", _provenance(sweep, "failures"))
    result = SweepResult(folder, len(design), done, failed, ran_now, time.perf_counter() - started, notes)
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
    )  # write_json commits the file as a transaction
