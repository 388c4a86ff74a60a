"""Calibration by approximate Bayesian computation (pyabc's ABC-SMC): ``sim calibrate``.

``sim calibrate SCENARIO --params a,b=lo:hi,c --targets FILE`` fits the chosen parameters to the targets dated up
to a cut year. Why ABC-SMC (docs/ODD.md, section "Calibration and validation"): the model is stochastic and has no
likelihood that could be written down; ABC needs only the simulator, run as a black box on drawn parameters, and
accepts a draw when the distance between its summary statistics and the record is small, so seed noise enters
through the distance rather than being averaged away; sequential Monte Carlo shrinks the tolerance generation by
generation and returns a weighted sample of the *posterior*, not one point (Optuna would give a point estimate
only; history matching with emukit needs emulators fitted first, more set-up for the same question).

A calibration folder (``--out``, default ``results/calibrate/<scenario>-<name>``) holds:

- ``abc.db``: pyabc's SQLite history, written after every generation, which is what makes a calibration resume
  after ``kill -9``: rerunning the same command reopens it (``ABCSMC.load``) and runs the missing generations;
- ``posterior.parquet``: every accepted draw of every generation with its weight, distance and the generation's
  tolerance (``epsilon``);
- ``marginals.png`` and ``pairs.png``: the last generation's weighted marginals and pairs;
- ``calibrated.toml``: a variant file (:mod:`sim.variants`) setting the parameters to their posterior medians, which
  a user loads on purpose (``sim whatif historical results/.../calibrated.toml``); the shipped scenario's defaults
  are never changed;
- ``sensitivity.toml``: a sweep spec (:mod:`sim.sweep`) over the calibrated ranges (5-95% of the posterior) of the
  historical outcomes, for ``sim sweep`` and ``sim sensitivity`` (Sobol indices, screening);
- ``metadata.json``: the settings, the targets, the generations' tolerances and acceptance, the wall time.

Summary statistics and distance (:class:`Component`, :class:`Distance`): each *component* is one target of the
targets file (``scenarios/targets/<scenario>.toml``, :mod:`sim.targets`) whose every year is up to the cut year,
or one recorded state's status error over the fitted years of ``sim/data/validation/status_record.csv``
(:mod:`sim.validation`), measured on a small ensemble of ``--replicates`` runs; the distance is the mean mismatch
of the components (each scaled to [0, 1]). Runs stop at the last fitted year. Each run's seed is derived from the
calibration seed and the drawn values (:func:`draw_seed`), so any accepted draw can be rerun exactly; the proposals
are pyabc's and seeded from ``--seed`` (single core: the whole calibration is reproducible; in parallel the order
in which draws are accepted is not).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.params import PARAMETERS
from sim.scenario import Scenario, ScenarioError, load

DEFAULT_OUT = Path("results") / "calibrate"
RECORD_PREFIX = "record:"


class CalibrationError(ScenarioError):
    """A bad calibration setting: names the option or file, the key and what was expected."""


# -- what is fitted -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prior:
    """A uniform prior over one parameter's range (the registry's, or narrower)."""

    name: str
    lo: float
    hi: float

    @property
    def integer(self) -> bool:
        """Whether the parameter takes whole numbers (drawn values are rounded)."""
        return PARAMETERS[self.name].integer


def parse_params(text: str) -> list[Prior]:
    """``"belief_erosion,contagion=0.1:0.5"`` -> uniform priors (registry range unless bounds are given).

    Raises:
        CalibrationError: an unknown parameter, malformed bounds, or bounds outside the registry's range.
    """
    priors: list[Prior] = []
    for item in [t.strip() for t in text.split(",") if t.strip()]:
        name, _, bounds = item.partition("=")
        name = name.strip()
        if name not in PARAMETERS:
            raise CalibrationError(
                f"--params {name!r}: unknown parameter (see `uv run sim params`; e.g. belief_erosion, contagion)"
            )
        p = PARAMETERS[name]
        lo, hi = p.lo, p.hi
        if bounds:
            try:
                lo, hi = (float(v) for v in bounds.split(":"))
            except ValueError:
                raise CalibrationError(f"--params {item!r}: expected NAME=LO:HI with two numbers") from None
            if not p.lo <= lo < hi <= p.hi:
                raise CalibrationError(
                    f"--params {item!r}: expected {p.lo:g} <= LO < HI <= {p.hi:g} (the registry's range of {name})"
                )
        if any(q.name == name for q in priors):
            raise CalibrationError(f"--params {name!r}: named twice")
        priors.append(Prior(name, lo, hi))
    if not priors:
        raise CalibrationError("--params: expected at least one parameter name")
    return priors


def overrides_of(priors: Sequence[Prior], values: Mapping[str, float]) -> dict[str, float | int]:
    """Drawn values as scenario overrides (integers rounded)."""
    return {p.name: int(np.rint(values[p.name])) if p.integer else float(values[p.name]) for p in priors}


def draw_seed(seed: int, overrides: Mapping[str, float | int], replicate: int) -> int:
    """The model seed of one replicate of one draw: a hash of the calibration seed, the values and the replicate."""
    text = json.dumps([seed, replicate, sorted(overrides.items())], sort_keys=True)
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "little")


# -- the components of the distance --------------------------------------------------------------------------------


TARGET_PREFIX = "target:"
YEAR_ARGS = ("year", "by", "end", "start", "since")


@dataclass(frozen=True)
class Component:
    """One summary statistic of the distance: its observed value and how a simulated value is compared with it.

    A record component (``record:<CODE>``) is a state's mean status mismatch, observed 0, compared by ``==``; a
    target component (``target:<ID>``) is a target's value (sim.targets), compared with its threshold by its
    comparison. The mismatch is the shortfall (``>=``, ``>``), the excess (``<=``, ``<``) or the absolute difference
    (``==``), divided by ``scale``; a value that cannot be computed (NaN) is a full mismatch of 1.
    """

    id: str
    observed: float
    comparison: str = "=="
    scale: float = 1.0
    first_year: int | None = None
    last_year: int | None = None

    def mismatch(self, value: float) -> float:
        """How far ``value`` is from satisfying the component (0 when it does)."""
        if value is None or not math.isfinite(value):
            return 1.0
        if self.comparison in (">=", ">"):
            gap = max(0.0, self.observed - value)
        elif self.comparison in ("<=", "<"):
            gap = max(0.0, value - self.observed)
        else:
            gap = abs(value - self.observed)
        return min(1.0, gap / self.scale)


@dataclass(frozen=True)
class Targets:
    """What a calibration fits: the record's state-years and the targets-file rows dated up to the cut year."""

    paths: tuple[str, ...]
    cut: int
    record: pd.DataFrame | None = field(default=None, repr=False)
    file: Any = field(default=None, repr=False)  # a sim.targets.Targets
    rows: tuple[Any, ...] = ()  # its sim.targets.TargetSpec rows that are fitted
    components: tuple[Component, ...] = ()

    @property
    def path(self) -> str:
        """The files, comma-separated (settings and metadata)."""
        return ",".join(self.paths)

    @property
    def last_year(self) -> int:
        """The last fitted year (runs need not go further)."""
        return max(c.last_year for c in self.components if c.last_year is not None)

    def tables(self) -> tuple[str, ...]:
        """The yearly tables a run must collect for the statistics (``states``, and ``parties`` if a fitted target
        reads it: :func:`sim.targets.tables_for`)."""
        from sim.targets import tables_for

        return tables_for(self.rows)

    def observed(self) -> dict[str, float]:
        """The observed summary statistics."""
        return {c.id: c.observed for c in self.components}

    def describe(self) -> list[dict[str, object]]:
        """Each component, for the metadata."""
        return [asdict(c) for c in self.components]

    def statistics(self, runs: Sequence[Mapping[str, pd.DataFrame]], scenario: Scenario) -> dict[str, float]:
        """The summary statistics of runs (each run's tables): record components, then target components."""
        out: dict[str, float] = {}
        if self.record is not None:
            from sim.validation import state_year_errors

            errors = state_year_errors([r["states"] for r in runs], self.record)
            out.update({f"{RECORD_PREFIX}{c}": float(v) for c, v in errors.groupby("code").error.mean().items()})
        if self.rows:
            from sim.targets import BASELINE, evaluate

            checks = evaluate(self.file, {BASELINE: list(runs)}, list(self.rows), scenario)
            out.update({f"{TARGET_PREFIX}{c.id}": float(c.value) for c in checks})
        return out


def _target_years(row) -> tuple[int | None, int | None]:
    """A target row's first and last year: its ``when`` and every year-like argument."""
    years = [y for y in (row.when, *(row.args.get(k) for k in YEAR_ARGS)) if isinstance(y, int)]
    return (min(years), max(years)) if years else (None, None)


def load_targets(paths: str | Path | Sequence[str | Path], cut: int) -> Targets:
    """The fitted part of each file: a record (CSV: its state-years up to ``cut``) or a targets file (TOML: the
    rows measured on the scenario itself whose every year is up to ``cut``; sim.targets).

    Raises:
        CalibrationError: a file is missing or malformed, or nothing is dated up to the cut year.
    """
    from sim.validation import load_record

    paths = [paths] if isinstance(paths, str | Path) else list(paths)
    record, file, rows, components = None, None, [], []
    for path in map(Path, paths):
        try:
            if path.suffix == ".csv":
                if record is not None:
                    raise CalibrationError(f"--targets {path}: only one record file")
                full = load_record(path)
                record = full[full.year <= cut].reset_index(drop=True)
                g = record.groupby("code").year
                components += [Component(f"{RECORD_PREFIX}{c}", 0.0, "==", 1.0, int(g.min()[c]), int(g.max()[c]))
                               for c in sorted(g.groups)]  # fmt: skip
            else:
                from sim.targets import BASELINE
                from sim.targets import load_targets as load_file

                if file is not None:
                    raise CalibrationError(f"--targets {path}: only one targets file")
                file = load_file(path)
                for row in file.rows:
                    first, last = _target_years(row)
                    if row.ensembles == (BASELINE,) and last is not None and last <= cut:
                        rows.append(row)
                        components.append(Component(f"{TARGET_PREFIX}{row.id}", float(row.threshold), row.comparison,
                                                    max(1.0, abs(float(row.threshold))), first, last))  # fmt: skip
        except CalibrationError:
            raise
        except ScenarioError as exc:
            raise CalibrationError(f"--targets: {exc}") from None
    if not components:
        raise CalibrationError(f"--targets {', '.join(map(str, paths))}: no recorded year or target up to --cut-year "
                               f"{cut}")  # fmt: skip
    return Targets(tuple(str(Path(p).resolve()) for p in paths), cut, record, file, tuple(rows), tuple(components))


def default_targets(world: Scenario) -> list[Path]:
    """The scenario's targets file (``scenarios/targets/<name>.toml``) if there is one, and the status record if it
    names only states of the scenario."""
    from sim.targets import TARGETS_DIR
    from sim.validation import RECORD_PATH, load_record

    paths = [TARGETS_DIR / f"{world.name}.toml"] if (TARGETS_DIR / f"{world.name}.toml").exists() else []
    if set(load_record(RECORD_PATH).code) <= {s.code for s in world.spec.states}:
        paths.append(RECORD_PATH)
    return paths


@dataclass(frozen=True)
class Distance:
    """The distance pyabc minimises: the mean mismatch of the components (each in [0, 1])."""

    components: tuple[Component, ...]

    def __call__(self, simulated: Mapping[str, float], observed: Mapping[str, float] | None = None) -> float:
        """Mean of :meth:`Component.mismatch` over the components (``observed`` is the components' own)."""
        return float(np.mean([c.mismatch(simulated.get(c.id, math.nan)) for c in self.components]))


@dataclass
class Simulator:
    """What pyabc calls with a drawn parameter: runs ``replicates`` seeded runs and returns the statistics."""

    scenario: Scenario
    priors: tuple[Prior, ...]
    targets: Targets
    replicates: int
    seed: int

    def until(self) -> int:
        """The last year simulated (the cut year's record, within the scenario's years)."""
        info = self.scenario.spec.scenario
        return max(info.start_year + 1, min(info.end_year, self.targets.last_year))

    def __call__(self, parameter: Mapping[str, float]) -> dict[str, float]:
        """Summary statistics of one draw."""
        from sim.runner import model_frames, run_model

        overrides = overrides_of(self.priors, parameter)
        world = self.scenario.with_overrides(overrides)
        collect = {"collect": self.targets.tables()}  # only what the components read (the rest is not collected)
        runs = []
        for i in range(self.replicates):
            seed = draw_seed(self.seed, overrides, i)
            runs.append(model_frames(run_model(world, seed, self.until(), collect), seed, i))
        return self.targets.statistics(runs, world)


# -- the run ----------------------------------------------------------------------------------------------------


@dataclass
class Settings:
    """Everything that defines a calibration (a resumed one must have the same)."""

    scenario: str
    params: list[dict[str, object]]
    targets: str
    cut_year: int
    population: int
    generations: int
    replicates: int
    seed: int

    def key(self) -> dict[str, object]:
        """What must match to resume (the number of generations may grow)."""
        d = asdict(self)
        d.pop("generations")
        return d


SAMPLER_BATCH = 4
"""Draws a worker simulates per job of the parallel sampler (pyabc's ``batch_size``)."""
SAMPLER_QUEUE = 4
"""Jobs in flight per worker."""


def _sampler(workers: int | None, scheduler: str | None):
    """A pyabc sampler on the project's executors: one core, a process pool, or Dask; and its shutdown."""
    import pyabc

    from sim.executors import make_executor

    if scheduler is None and workers == 1:
        return pyabc.SingleCoreSampler(), 1, lambda: None
    pool = make_executor(workers, scheduler)
    # jobs of SAMPLER_BATCH draws, SAMPLER_QUEUE of them in flight per worker: each job is pickled with its
    # simulator, and a worker with a job queued does not wait for the next (one draw per job, one job per worker
    # ran 3.9 draws a second on 2 workers; this 5.2, where one run to 1980 takes about 0.25 s)
    sampler = pyabc.ConcurrentFutureSampler(
        pool.executor, client_max_jobs=SAMPLER_QUEUE * pool.n, batch_size=SAMPLER_BATCH
    )
    return sampler, pool.n, pool.close


def calibrate(
    scenario: str | Path | Scenario,
    priors: Sequence[Prior],
    targets: Targets,
    out: Path,
    population: int = 50,
    generations: int = 4,
    replicates: int = 1,
    seed: int = 1,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run (or resume) an ABC-SMC calibration and write its folder; returns the metadata.

    Raises:
        CalibrationError: ``out`` holds a calibration with other settings.
    """
    import logging

    import pyabc

    world = load(scenario)
    settings = Settings(world.name, [asdict(p) for p in priors], str(targets.path), targets.cut, population,
                        generations, replicates, seed)  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    db_path = out / "abc.db"
    settings_path = out / "settings.json"
    if db_path.exists():
        if not settings_path.exists():
            raise CalibrationError(f"{out}: holds abc.db without settings.json; use another --out")
        old = json.loads(settings_path.read_text(encoding="utf-8"))
        if {k: v for k, v in old.items() if k != "generations"} != settings.key():
            diff = [k for k in settings.key() if old.get(k) != settings.key()[k]]
            raise CalibrationError(
                f"{out}: holds a calibration with other settings ({', '.join(diff)}); use another --out"
            )
    else:
        settings_path.write_text(json.dumps(asdict(settings), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("pyabc").setLevel(logging.WARNING)
    np.random.seed(seed % 2**32)  # pyabc draws its proposals from numpy's global generator
    prior = pyabc.Distribution(**{p.name: pyabc.RV("uniform", p.lo, p.hi - p.lo) for p in priors})
    simulator = Simulator(world, tuple(priors), targets, replicates, seed)
    sampler, n, close = _sampler(workers, scheduler)
    db = f"sqlite:///{db_path.resolve()}"
    started = time.perf_counter()
    try:
        history = None
        if db_path.exists():
            done = pyabc.History(db).max_t + 1
            _say(progress, f"resuming {db_path}: {done} of {generations} generations recorded")
        else:
            done = 0
        for t in range(done, generations):
            # one ABCSMC per generation, reopened from the database as after a kill: the tolerance of generation t
            # is the median distance of generation t-1 (pyabc's MedianEpsilon), the proposal refitted to it
            abc = pyabc.ABCSMC(simulator, prior, Distance(targets.components), population_size=population,
                               sampler=sampler)  # fmt: skip
            history = abc.load(db, 1) if db_path.exists() else abc.new(db, targets.observed())
            tic = time.perf_counter()
            history = abc.run(max_nr_populations=1)
            pops = history.get_all_populations()
            row = pops[pops.t == t].iloc[0]
            _say(progress, f"generation {t + 1}/{generations}: epsilon {row.epsilon:.4f}, {int(row.samples)} runs "
                 f"for {population} accepted ({time.perf_counter() - tic:.0f} s, {n} workers)")  # fmt: skip
        if history is None:
            history = pyabc.History(db)
            history.id = 1
    finally:
        close()
    seconds = time.perf_counter() - started
    return write_outputs(history, world, priors, targets, settings, out, seconds, n)


def _say(progress: bool, text: str) -> None:
    if progress:
        print(text, file=sys.stderr, flush=True)


def posterior_frame(history, priors: Sequence[Prior]) -> pd.DataFrame:
    """Every accepted draw of every generation: ``generation``, ``particle``, ``weight``, ``distance``,
    ``epsilon`` and one column per parameter (integers rounded as the model used them)."""
    pops = history.get_all_populations().set_index("t")
    rows = []
    for t in range(history.max_t + 1):
        for i, particle in enumerate(history.get_population(t).particles):
            values = overrides_of(priors, particle.parameter)
            rows.append({"generation": t, "particle": i, "weight": float(particle.weight),
                         "distance": float(particle.distance), "epsilon": float(pops.loc[t, "epsilon"]),
                         **values})  # fmt: skip
    return pd.DataFrame(rows)


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q`` quantile of weighted values (inverse of the weighted empirical distribution)."""
    order = np.argsort(values)
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cdf = np.cumsum(w) / w.sum()
    return float(v[min(len(v) - 1, int(np.searchsorted(cdf, q)))])


def summary(posterior: pd.DataFrame, priors: Sequence[Prior]) -> pd.DataFrame:
    """Per parameter, the last generation's weighted median and 5-95% interval beside the prior and default."""
    last = posterior[posterior.generation == posterior.generation.max()]
    rows = []
    for p in priors:
        v, w = last[p.name].to_numpy(float), last.weight.to_numpy(float)
        rows.append({
            "parameter": p.name, "default": PARAMETERS[p.name].default, "prior_lo": p.lo, "prior_hi": p.hi,
            "median": weighted_quantile(v, w, 0.5), "q05": weighted_quantile(v, w, 0.05),
            "q95": weighted_quantile(v, w, 0.95),
            "narrowing": 1 - (weighted_quantile(v, w, 0.95) - weighted_quantile(v, w, 0.05)) / (0.9 * (p.hi - p.lo)),
        })  # fmt: skip
    return pd.DataFrame(rows)


def calibrated_variant(world: Scenario, table: pd.DataFrame, name: str, source: str) -> str:
    """A variant file setting the calibrated parameters to their posterior medians (loadable by ``sim whatif``)."""
    lines = [
        f"# Calibrated parameters written by `sim calibrate` ({source}): posterior medians, 5-95% in comments.",
        "# Load on purpose, e.g. `uv run sim whatif historical THIS_FILE`; the scenario's defaults are unchanged.",
        "[variant]",
        f'name = "{name}"',
        f'base = "{world.name}"',
        f'title = "{world.name} with {len(table)} calibrated parameters"',
        "",
    ]
    by_group: dict[str, list[str]] = {}
    for r in table.itertuples():
        p = PARAMETERS[r.parameter]
        value = int(np.rint(r.median)) if p.integer else round(float(r.median), 6)
        by_group.setdefault(p.group, []).append(
            f"{p.name} = {value}  # 5-95%: {r.q05:.4g}-{r.q95:.4g}; default {p.default:g}"
        )
    for group, entries in by_group.items():
        lines += [f"[parameters.{group}]", *entries, ""]
    return "\n".join(lines)


SENSITIVITY_YEARS = (1992, 2025)
"""After the 1989-91 exits, and today: the years whose statuses the sensitivity sweep measures."""


def sensitivity_outcomes(world: Scenario) -> list[str]:
    """The historical outcomes the sensitivity sweep measures: exit years, statuses in 1992 and 2025 (or the
    scenario's last year, if earlier), splits."""
    after, today = (min(y, world.spec.scenario.end_year) for y in SENSITIVITY_YEARS)
    return ["exit_year:*", f"ruled:{after}", f"ruled:{today}", f"communist:{today}", f"hybrid:{today}", "splits"]


def sensitivity_spec(world: Scenario, table: pd.DataFrame, name: str, samples: int = 16, seed: int = 1) -> str:
    """A Sobol sweep spec over the calibrated 5-95% ranges, for ``sim sweep`` then ``sim sensitivity``."""
    lines = [
        "# Sobol sensitivity of the historical outcomes over the calibrated ranges (posterior 5-95%), written by",
        f"# `sim calibrate`. {samples} * (2 * {len(table)} + 2) points:",
        "#   uv run sim sweep THIS_FILE && uv run sim sensitivity results/sweeps/" + name,
        "[sweep]",
        f'name = "{name}"',
        f'scenario = "{world.name}"',
        'design = "sobol"',
        f"samples = {samples}",
        "replicates = 1",
        f"seed = {seed}",
        'description = "Sobol indices of the historical outcomes over the calibrated parameter ranges"',
        "",
    ]
    for r in table.itertuples():
        lo, hi = float(r.q05), float(r.q95)
        if hi <= lo:  # a posterior collapsed to one value: keep a small range around it
            lo, hi = (
                max(r.prior_lo, lo - 0.05 * (r.prior_hi - r.prior_lo)),
                min(r.prior_hi, hi + 0.05 * (r.prior_hi - r.prior_lo)),
            )
        lines += [f"[parameters.{r.parameter}]", f"range = [{lo:.6g}, {hi:.6g}]", ""]
    lines += [
        "[outcomes]",
        "scalars = [" + ", ".join(f'"{o}"' for o in dict.fromkeys(sensitivity_outcomes(world))) + "]",
        "",
    ]
    return "\n".join(lines)


def write_figures(posterior: pd.DataFrame, priors: Sequence[Prior], out: Path) -> list[str]:
    """Weighted marginals (every generation, the last bold) and pairs of the last generation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sim.output import save_figure

    files: list[str] = []
    last_t = int(posterior.generation.max())
    fig, axes = plt.subplots(1, len(priors), figsize=(3.6 * len(priors), 3.2), squeeze=False)
    for ax, p in zip(axes[0], priors, strict=True):
        for t, g in posterior.groupby("generation"):
            last = t == last_t
            ax.hist(g[p.name], bins=15, range=(p.lo, p.hi), weights=g.weight, density=True, histtype="step",
                    lw=2.2 if last else 0.8, alpha=1 if last else 0.5, label=f"generation {t + 1}")  # fmt: skip
        ax.axvline(PARAMETERS[p.name].default, color="#b3261e", ls="--", lw=1, label="default")
        ax.set_title(p.name, fontsize=9)
        ax.set_xlim(p.lo, p.hi)
    axes[0][0].legend(fontsize=7, frameon=False)
    fig.suptitle("Posterior marginals by generation (uniform priors over the plotted ranges)")
    save_figure(fig, out / "marginals.png", files)

    last = posterior[posterior.generation == last_t]
    k = len(priors)
    fig, axes = plt.subplots(k, k, figsize=(2.6 * k, 2.6 * k), squeeze=False)
    for i, pi in enumerate(priors):
        for j, pj in enumerate(priors):
            ax = axes[i][j]
            if i == j:
                ax.hist(last[pi.name], bins=15, range=(pi.lo, pi.hi), weights=last.weight, color="#7f8c8d")
            else:
                ax.scatter(last[pj.name], last[pi.name], s=8 + 400 * last.weight, alpha=0.5, color="#b3261e")
                ax.set_xlim(pj.lo, pj.hi)
                ax.set_ylim(pi.lo, pi.hi)
            if i == k - 1:
                ax.set_xlabel(pj.name, fontsize=8)
            if j == 0:
                ax.set_ylabel(pi.name, fontsize=8)
            ax.tick_params(labelsize=6)
    fig.suptitle(f"Posterior pairs, generation {last_t + 1} (marker size: weight)")
    save_figure(fig, out / "pairs.png", files)
    return files


def write_outputs(history, world: Scenario, priors, targets: Targets, settings: Settings, out: Path,
                  seconds: float, workers: int) -> dict[str, Any]:  # fmt: skip
    """Write posterior.parquet, figures, calibrated.toml, sensitivity.toml and metadata.json from the history."""
    from sim.output import git_state, package_versions, write_json, write_parquet

    posterior = posterior_frame(history, priors)
    table = summary(posterior, priors)
    write_parquet(posterior, out / "posterior.parquet")
    table.to_csv(out / "summary.csv", index=False)
    figures = write_figures(posterior, priors, out)
    name = f"{world.name}_calibrated_{out.name}".replace(" ", "_")
    (out / "calibrated.toml").write_text(calibrated_variant(world, table, name, str(out)), encoding="utf-8")
    (out / "sensitivity.toml").write_text(sensitivity_spec(world, table, f"{out.name}_sensitivity", seed=settings.seed),
                                          encoding="utf-8")  # fmt: skip
    pops = history.get_all_populations()
    pops = pops[pops.t >= 0]
    meta = {
        "settings": asdict(settings),
        "components": targets.describe(),
        "generations": [
            {
                "generation": int(r.t) + 1,
                "epsilon": float(r.epsilon),
                "runs": int(r.samples),
                "acceptance": settings.population / max(1, int(r.samples)),
            }
            for r in pops.itertuples()
        ],
        "total_simulations": int(history.total_nr_simulations),
        "runs_per_simulation": settings.replicates,
        "wall_seconds_this_session": round(seconds, 1),
        "workers": workers,
        "posterior": table.to_dict(orient="records"),
        "figures": figures,
        "versions": package_versions(),
        **git_state(),
    }
    write_json(_finite(meta), out / "metadata.json")
    return meta


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value
