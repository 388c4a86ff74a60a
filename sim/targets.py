"""Calibration and validation targets as data: one targets file per scenario, one engine for every file.

A targets file (``sim/scenarios/targets/<scenario>.toml``) lists the patterns and judgements a scenario's ensemble must
reproduce (MODEL.md section 4; Brown 2009, ch. 2)::

    [targets]
    scenario = "historical"

    [ensembles.counterfactual]            # other worlds a target is measured on (the scenario itself: "baseline")
    variant = "brezhnev_doctrine_holds"   # or overrides = {...}, or events = [...]
    until = 1992

    [[target]]
    id = "P1"
    title = "1989 cascade: >= 4 of POL, HUN, DDR, CSK, BGR, ROU fall by 1991"
    metric = "cascade_falls"              # a function of METRICS
    args = { states = "european_bloc", by = 1991 }   # its arguments; states: a tag, a code or a list
    each = ">= 4"                         # optional: the test each observation must pass (for statistic "rate")
    statistic = "rate"                    # rate, weighted_rate, mean, min, value
    comparison = ">="
    threshold = 0.9
    fitted = true                         # used when the parameters were chosen (docs/ODD.md section 8)
    year = 1989                           # optional: the year the target is about (calibration filters by it)

A **metric** is a named function of the runs of an ensemble (each run's tables) that returns the observations a
target is about (one per run, per fall, per election, ...), optional weights and a detail line for the report.
The **statistic** reduces the observations to the target's value (``rate``: the share that pass ``each``, or that
are true); the **comparison** with the **threshold** decides whether it passes. States are named by their ``tags``
in the scenario (``[[states]] tags = [...]``), so no group of states is written in code. :func:`evaluate` turns a
targets file and the ensembles into :class:`Check` rows: ``sim history`` reports them, and the tests
(``tests/test_history.py``, ``tests/test_patterns.py``) assert them. Adding a check is one ``[[target]]`` row.
"""

from __future__ import annotations

import inspect
import math
import operator
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import Field, ValidationError, model_validator

from sim import patterns as pat
from sim.scenario import SCENARIO_DIR, Scenario, ScenarioError, _format_loc, load
from sim.schema import _Strict

TARGETS_DIR = SCENARIO_DIR / "targets"
BASELINE = "baseline"
"""The name of the scenario's own ensemble in a targets file."""

Run = Mapping[str, pd.DataFrame]
"""One replicate's tables (``states``, ``parties``, ``events``, ``elections``, ``model``)."""


class TargetsError(ScenarioError):
    """A targets file is invalid: names the file, the key and what was expected."""


# -- what a metric returns, and the checks ---------------------------------------------------------------------


@dataclass
class Measure:
    """A metric's result: the observations, their weights (``weighted_rate``) and a detail line."""

    values: list[Any]
    weights: list[float] | None = None
    detail: str = ""


@dataclass
class Check:
    """One target measured on an ensemble."""

    id: str
    title: str
    requirement: str
    value: float
    passed: bool
    detail: str = ""

    def row(self) -> dict[str, object]:
        """As a table row."""
        return {
            "id": self.id,
            "title": self.title,
            "requirement": self.requirement,
            "value": round(self.value, 3) if not math.isnan(self.value) else None,
            "passed": self.passed,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Context:
    """What a metric may know besides the runs: the scenario (its states, tags and parties); and a memo of what
    the metrics computed on each run, so that targets sharing a measurement (pattern 8's four, the six P6) compute
    it once per evaluation."""

    scenario: Scenario
    memo: dict[tuple[Any, ...], Any] = field(default_factory=dict, compare=False, repr=False)

    def on(self, fn: Callable[..., Any], run: Run, *args: Any) -> Any:
        """``fn(run-table-or-run, *args)`` for one run, computed once per evaluation (runs are kept alive by the
        caller, so a run's ``id`` is not reused). The first argument is the run itself, or the run's table named by
        ``fn``'s first parameter (``states``, ``events``, ``parties``, ``elections``)."""
        key = (fn.__module__, fn.__qualname__, id(run), args)
        if key not in self.memo:
            first = next(iter(inspect.signature(fn).parameters))
            self.memo[key] = fn(run.get(first, run), *args)
        return self.memo[key]

    @property
    def end_year(self) -> int:
        """The scenario's last year."""
        return self.scenario.spec.scenario.end_year

    def codes(self, states: str | Sequence[str]) -> tuple[str, ...]:
        """The state codes a tag, a code or a list of them names, in scenario order (tags) or as given."""
        spec_states = self.scenario.spec.states
        out: list[str] = []
        for name in [states] if isinstance(states, str) else states:
            tagged = [s.code for s in spec_states if name in s.tags]
            out += tagged or [name]
        return tuple(out)

    def party_of(self, code: str) -> str:
        """The code of a state's Communist party."""
        return next(p.code for p in self.scenario.spec.parties if p.state == code and p.family == "communist")

    def known(self, name: str) -> bool:
        """Whether ``name`` is a tag or a state code of the scenario."""
        return any(name == s.code or name in s.tags for s in self.scenario.spec.states)


# -- the metrics ---------------------------------------------------------------------------------------------------

Metric = Callable[..., Measure]
METRICS: dict[str, Metric] = {}
"""Every metric by name: ``metric(runs, context, **args) -> Measure``."""


PARTY_METRICS: set[str] = set()
"""The metrics that read the yearly ``parties`` table (the others need only ``states`` of the collected tables, and
the events, elections and model series every run records): a calibration skips collecting it otherwise."""


def metric(fn: Metric | None = None, *, parties: bool = False) -> Any:
    """Register ``fn`` under its name (``@metric(parties=True)``: it reads the ``parties`` table)."""

    def register(fn: Metric) -> Metric:
        METRICS[fn.__name__] = fn
        if parties:
            PARTY_METRICS.add(fn.__name__)
        return fn

    return register(fn) if fn is not None else register


def tables_for(rows: Sequence[TargetSpec]) -> tuple[str, ...]:
    """The yearly tables a model must collect for ``rows`` to be evaluated (:data:`PARTY_METRICS`)."""
    return ("states", "parties") if any(row.metric in PARTY_METRICS for row in rows) else ("states",)


def _counts(values: Sequence[Any]) -> dict[Any, int]:
    return dict(sorted(Counter(values).items()))


def _median_years(per_run: list[dict[str, int]]) -> dict[str, int]:
    codes = sorted({c for s in per_run for c in s})
    return {c: int(np.median([s[c] for s in per_run if c in s])) for c in codes}


@metric
def cascade_falls(runs: Sequence[Run], ctx: Context, states: str, communist_in: int = 1985, by: int = 1991) -> Measure:
    """Pattern 1: per run, how many of ``states`` were communist in ``communist_in`` and non_communist by ``by``."""
    codes = ctx.codes(states)
    counts = [ctx.on(pat.cascade, run, codes, communist_in, by).count for run in runs]
    return Measure(counts, detail=f"falls per seed: {_counts(counts)}")


def _collapses(runs: Sequence[Run], ctx: Context, states: str, by: int) -> list[pat.Collapse]:
    codes = ctx.codes(states)
    return [c for run in runs for c in ctx.on(pat.cascade, run, codes, 1985, by).collapses]


@metric
def silent_opposition(
    runs: Sequence[Run], ctx: Context, states: str, by: int = 1991, dissent_below: float = 0.2,
    opposition_above: float = 0.5,
) -> Measure:  # fmt: skip
    """Pattern 1: per fall, whether public dissent was low (< ``dissent_below`` in the three years before) while
    private opposition was high (> ``opposition_above`` in the two years before)."""
    collapses = _collapses(runs, ctx, states, by)
    values = [c.dissent_before < dissent_below and c.opposition_before > opposition_above for c in collapses]
    return Measure(values, detail=f"{len(collapses)} falls")


@metric
def protest_peak(runs: Sequence[Run], ctx: Context, states: str, by: int = 1991) -> Measure:
    """Pattern 1: per fall, the highest public dissent in the first year of mass protest and the next."""
    return Measure([c.peak_after_start for c in _collapses(runs, ctx, states, by)])


@metric
def acceleration(
    runs: Sequence[Run], ctx: Context, states: str, since: int = 1980, by: int = 1991, rounds: int = 30
) -> Measure:
    """Pattern 3: the final protest wave of later collapses against the first (mean rounds, later / first).

    Time within a year is the dissent cascade's round count (:func:`sim.patterns.acceleration`); collapses in the
    first year of each run's sequence (losses of F1 from ``since`` to ``by``) are compared with those of later
    years, pooled over the ensemble. One observation: the ratio (NaN without both kinds).
    """
    first, later = [], []
    codes = ctx.codes(states)
    for run in runs:
        seq = pat.acceleration(run["states"], codes, since=since, rounds=rounds, until=by)
        if not seq:
            continue
        y0 = seq[0][1]
        for _, year, lag, duration in seq:
            (first if year == y0 else later).append(duration - lag * rounds)
    mean_first, mean_later = _mean(first), _mean(later)
    ratio = mean_later / mean_first if first and later and mean_first > 0 else float("nan")
    detail = f"first-year collapses {mean_first:.1f} rounds (n={len(first)}), later {mean_later:.1f} (n={len(later)})"
    return Measure([ratio], detail=detail)


@metric
def reform_reversed(runs: Sequence[Run], ctx: Context, state: str, year: int, window: int = 2) -> Measure:
    """Pattern 4: per run, whether the reform shock in ``state`` in ``year`` met an intervention and was reversed
    within ``window`` years."""
    shocks = [ctx.on(pat.reform_shock, run, state, year, window) for run in runs]
    return Measure([o.intervened and o.reversed for o in shocks])


@metric
def reform_through(
    runs: Sequence[Run], ctx: Context, state: str, year: int, window: int = 2, f2_gone_by: int | None = None
) -> Measure:
    """Pattern 4: per run, whether the reform in ``state`` from ``year`` went through: no intervention within
    ``window`` years and, with ``f2_gone_by``, democratic centralism gone in that year (else
    :attr:`~sim.patterns.ReformShock.went_through`)."""
    values = []
    for run in runs:
        shock = ctx.on(pat.reform_shock, run, state, year, window)
        if f2_gone_by is None:
            values.append(shock.went_through)
        else:
            s = run["states"].set_index(["code", "year"]).loc[state]
            values.append(not shock.intervened and not s.loc[f2_gone_by, "f2"])
    return Measure(values)


@metric
def splits(runs: Sequence[Run], ctx: Context, states: str, by: int | None = None) -> Measure:
    """Pattern 5: per run, how many of ``states`` broke with Moscow (split or expulsion) by ``by`` (default: the
    scenario's end)."""
    per_run = [ctx.on(pat.splits, run, ctx.codes(states), by or ctx.end_year) for run in runs]
    seeds = _counts(c for s in per_run for c in s)
    return Measure(
        [len(s) for s in per_run], detail=f"seeds with a break: {seeds}; median years: {_median_years(per_run)}"
    )


@metric
def ruled_in(runs: Sequence[Run], ctx: Context, states: str, year: int, ruled: bool = True) -> Measure:
    """Pattern 6: per run, whether every one of ``states`` is Communist-ruled (communist or hybrid) in ``year``
    (``ruled = false``: whether none is)."""
    codes = set(ctx.codes(states))
    ruling = [set(ctx.on(pat.ruled_in, run, year)) for run in runs]
    return Measure([codes <= r if ruled else not codes & r for r in ruling])


def _elections(runs: Sequence[Run], ctx: Context, exclude_route: str | None = None) -> list[pat.Elections]:
    """Each run's elections summarised; ``exclude_route`` leaves out the states whose route to power is that one."""
    if exclude_route is None:
        return [ctx.on(pat.electoral_weakness, run) for run in runs]
    left_out = {s.code for s in ctx.scenario.spec.states if s.route_to_power == exclude_route}
    return [pat.electoral_weakness(run["elections"][~run["elections"].code.isin(left_out)]) for run in runs]


@metric
def below_social_democrats(runs: Sequence[Run], ctx: Context) -> Measure:
    """Pattern 7: per run with free elections that both contest, the share in which Communists polled below the
    social democrats, weighted by the number of those elections."""
    results = [r for r in _elections(runs, ctx) if r.n]
    return Measure(
        [r.below_social_democrats for r in results],
        [r.n for r in results],
        f"{sum(r.n for r in results)} elections with both",
    )


@metric
def contested_elections(runs: Sequence[Run], ctx: Context) -> Measure:
    """Pattern 7: per run, the number of free elections contested by Communists and social democrats."""
    return Measure([r.n for r in _elections(runs, ctx)])


@metric
def communists_lead(runs: Sequence[Run], ctx: Context, exclude_route: str | None = None) -> Measure:
    """Pattern 7: per run, the share of free elections in which the Communists were the largest list (NaN: none),
    leaving out the states of ``exclude_route`` if given."""
    return Measure([r.communists_lead for r in _elections(runs, ctx, exclude_route)])


@metric
def founding_shares(runs: Sequence[Run], ctx: Context, exclude_route: str | None = None) -> Measure:
    """Pattern 7: the Communist share in each party's first free election, pooled over runs (leaving out the states
    of ``exclude_route`` if given)."""
    shares = [s for r in _elections(runs, ctx, exclude_route) for s in r.founding_shares]
    return Measure(shares, detail=f"{len(shares)} founding elections")


GENERATION_MEASURES = {
    "cohort_belief_slope": False,
    "believers_first_decade": False,
    "believers_late": True,
    "careerism_control_corr": True,
    "careerists_rise": True,
    "reached_late": False,
}
"""The measures of :func:`generations`, and whether a party without it (NaN) is left out rather than failing."""


@metric(parties=True)
def generations(runs: Sequence[Run], ctx: Context, states: str, measure: str, late_age: int = 40) -> Measure:
    """Pattern 8: per run and ruling party of ``states``, one measure of generational decay
    (:func:`sim.patterns.generations`): ``cohort_belief_slope``, ``believers_first_decade``, ``believers_late``,
    ``careerism_control_corr``, ``careerists_rise`` (late careerist share above the first decade's) or
    ``reached_late`` (whether the rule lasted ``late_age`` years)."""
    if measure not in GENERATION_MEASURES:
        raise ValueError(f"measure: expected one of {', '.join(GENERATION_MEASURES)} (got {measure!r})")
    parties = [ctx.party_of(code) for code in ctx.codes(states)]
    values = []
    for run in runs:
        for party in parties:
            g = ctx.on(pat.generations, run, party, late_age)
            if measure == "careerists_rise":
                value = g.careerists_late > g.careerists_first_decade if not math.isnan(g.careerists_late) else math.nan
            elif measure == "reached_late":
                value = not math.isnan(g.believers_late)
            else:
                value = getattr(g, measure)
            if not (GENERATION_MEASURES[measure] and isinstance(value, float) and math.isnan(value)):
                values.append(value)
    return Measure(values)


@metric(parties=True)
def sticky_goal_parties(runs: Sequence[Run], ctx: Context, states: str, min_years: int = 20) -> Measure:
    """Pattern 9: per run, how many ruling parties of ``states`` spent at least ``min_years`` years with a leader
    who no longer believed while the goal was still declared."""
    parties = [ctx.party_of(code) for code in ctx.codes(states)]
    counts = [sum(ctx.on(pat.sticky_goal_years, run, p) >= min_years for p in parties) for run in runs]
    return Measure(counts, detail=f"parties per seed: {_counts(counts)}")


@metric
def lasting_hybrid(runs: Sequence[Run], ctx: Context, state: str, min_years: int = 30) -> Measure:
    """Pattern 10: per run, whether ``state``'s longest hybrid spell lasts ``min_years`` years or more and has less
    shortage than the ten years before it."""
    spells = [ctx.on(pat.hybrid_spell, run, state) for run in runs]
    starts = [s.start for s in spells if s.start is not None]
    return Measure(
        [s.length >= min_years and s.shortage_during < s.shortage_before for s in spells],
        detail=f"hybrid from (median) {np.median(starts):.0f}" if starts else "hybrid from (median) -",
    )


@metric
def status_throughout(runs: Sequence[Run], ctx: Context, state: str, status: str, start: int, end: int) -> Measure:
    """Per run, whether ``state`` has ``status`` in every year from ``start`` to ``end``."""
    spans = [run["states"].query("code == @state and @start <= year <= @end").set_index("year").status for run in runs]
    lapses = Counter(10 * (int(y) // 10) for s in spans for y in s.index[s != status])
    return Measure(
        [bool((s == status).all()) and len(s) == end - start + 1 for s in spans],
        detail=f"seeds with a lapse: {sum(bool((s != status).any()) for s in spans)}; "
        f"seed-years not {status} by decade: {dict(sorted(lapses.items()))}",
    )


@metric
def exit_in_office(
    runs: Sequence[Run], ctx: Context, state: str, year: int, after: int = 1950, within: int = 0
) -> Measure:
    """Pattern 11: per run, whether ``state`` first became non_communist (after ``after``) in ``year`` (give or take
    ``within`` years) under the same leader, with F2 lost before (or with) F1, and the state going on."""
    exits = [ctx.on(pat.exit_of, run, state, after) for run in runs]
    return Measure(
        [
            e.year is not None and abs(e.year - year) <= within and e.same_leader and e.f2_first and e.state_lasts
            for e in exits
        ],
        detail=f"exit years: {dict(Counter(e.year for e in exits))}",
    )


COHERENCE_MEASURES = ("classical_min_shortage", "classical_years", "spell_length", "spells")


@metric(parties=True)
def kornai_coherence(runs: Sequence[Run], ctx: Context, measure: str) -> Measure:
    """Pattern 12 (:func:`sim.patterns.kornai_coherence`): per run, the lowest shortage in the classical
    configuration (``classical_min_shortage``), its number of state-years (``classical_years``) or the number of
    reform-socialism spells (``spells``); or the length of every spell pooled (``spell_length``)."""
    if measure not in COHERENCE_MEASURES:
        raise ValueError(f"measure: expected one of {', '.join(COHERENCE_MEASURES)} (got {measure!r})")
    results = [ctx.on(pat.kornai_coherence, run) for run in runs]
    spells = [s for r in results for s in r.spells]
    if measure == "spell_length":
        return Measure([s.length for s in spells], detail=f"endings: {dict(Counter(s.ending for s in spells))}")
    if measure == "spells":
        return Measure([len(r.spells) for r in results], detail=f"{len(spells)} spells")
    return Measure([getattr(r, measure) for r in results])


@metric
def ever_communist(runs: Sequence[Run], ctx: Context, states: str, expected: Sequence[str] = ()) -> Measure:
    """Per run, whether the states of ``states`` ever classified communist are exactly ``expected``."""
    codes = set(ctx.codes(states))
    return Measure([set(ctx.on(pat.ever_communist, run)) & codes == set(expected) for run in runs])


def _ruled(runs: Sequence[Run], ctx: Context, year: int) -> list[list[str]]:
    return [ctx.on(pat.ruled_in, run, year) for run in runs]


@metric
def ruled_count(runs: Sequence[Run], ctx: Context, year: int) -> Measure:
    """Per run, the number of Communist-ruled (communist or hybrid) states in ``year``."""
    ruled = _ruled(runs, ctx, year)
    frequency = Counter(c for r in ruled for c in r)
    counts = [len(r) for r in ruled]
    return Measure(counts, detail=f"counts: {_counts(counts)}; most often ruled: {dict(frequency.most_common(7))}")


@metric
def most_often_ruled(runs: Sequence[Run], ctx: Context, states: str, year: int) -> Measure:
    """Whether the states most often Communist-ruled in ``year`` over the runs are ``states`` (as many as it
    names): one observation, 1 or 0."""
    expected = set(ctx.codes(states))
    frequency = Counter(c for r in _ruled(runs, ctx, year) for c in r)
    top = {c for c, _ in frequency.most_common(len(expected))}
    return Measure([float(top == expected)], detail=", ".join(sorted(top)))


METRIC_CHOICES: dict[tuple[str, str], Sequence[str]] = {
    ("generations", "measure"): tuple(GENERATION_MEASURES),
    ("kornai_coherence", "measure"): COHERENCE_MEASURES,
}
"""The allowed values of a metric's argument, checked when a targets file is loaded."""


# -- statistics and comparisons ------------------------------------------------------------------------------------


def _mean(values: Sequence[Any]) -> float:
    values = list(values)
    return float(np.mean(values)) if values else float("nan")


def _weighted(measure: Measure) -> float:
    return float(np.average(measure.values, weights=measure.weights)) if measure.values else float("nan")


def _value(measure: Measure) -> float:
    if len(measure.values) != 1:
        raise ValueError(f"statistic 'value' needs one observation (got {len(measure.values)})")
    return float(measure.values[0])


STATISTICS: dict[str, tuple[str, Callable[[Measure], float]]] = {
    "rate": ("rate", lambda m: _mean(m.values)),
    "weighted_rate": ("rate", _weighted),
    "mean": ("", lambda m: _mean(m.values)),
    "min": ("", lambda m: float(min(m.values)) if m.values else float("nan")),
    "value": ("", _value),
}
"""Each statistic: its label in the requirement text, and how it reduces a measure to the target's value."""

COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
    "==": operator.eq,
}
_EACH = re.compile(r"^\s*(?:(>=|<=|>|<|==)\s*(-?[0-9.]+)|in\s*\[\s*(-?[0-9.]+)\s*,\s*(-?[0-9.]+)\s*\])\s*$")


def _each_test(text: str) -> Callable[[Any], bool]:
    m = _EACH.match(text)
    if m is None:
        raise ValueError(f"expected a test such as '>= 4', '< 0' or 'in [0.05, 0.25]' (got {text!r})")
    if m.group(1):
        op, bound = COMPARISONS[m.group(1)], float(m.group(2))
        return lambda v: bool(op(v, bound))
    low, high = float(m.group(3)), float(m.group(4))
    return lambda v: bool(low <= v <= high)


# -- the file ------------------------------------------------------------------------------------------------------


class EnsembleSpec(_Strict):
    """One ``[ensembles.NAME]`` table: another world measured with the same seeds."""

    variant: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)
    events: list[dict[str, Any]] = Field(default_factory=list)
    until: int | None = None

    @model_validator(mode="after")
    def _one_change(self) -> EnsembleSpec:
        if self.variant is None and not self.overrides and not self.events and self.until is None:
            raise ValueError("give a variant, overrides, events or until")
        return self

    def scenario(self, base: Scenario) -> Scenario:
        """The scenario of this ensemble, built from the targets file's ``base``."""
        from sim.variants import load_variant

        scenario = load_variant(self.variant).apply(base) if self.variant else base
        scenario = scenario.with_overrides(self.overrides)
        return scenario.with_events(self.events) if self.events else scenario


class TargetSpec(_Strict):
    """One ``[[target]]`` row."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str
    metric: str
    args: dict[str, Any] = Field(default_factory=dict)
    each: str | None = None
    statistic: Literal[tuple(STATISTICS)] = "rate"
    comparison: Literal[tuple(COMPARISONS)] = ">="
    threshold: float
    fitted: bool
    year: int | None = None
    ensemble: str | list[str] = BASELINE

    @model_validator(mode="after")
    def _shape(self) -> TargetSpec:
        if self.metric not in METRICS:
            raise ValueError(f"metric: unknown metric {self.metric!r} (metrics: {', '.join(METRICS)})")
        if self.each is not None:
            if self.statistic != "rate":
                raise ValueError("each: a per-observation test needs statistic = 'rate'")
            _each_test(self.each)
        for (name, key), choices in METRIC_CHOICES.items():
            if name == self.metric and key in self.args and self.args[key] not in choices:
                raise ValueError(f"args.{key}: expected one of {', '.join(choices)} (got {self.args[key]!r})")
        parameters = list(inspect.signature(METRICS[self.metric]).parameters.values())[2:]
        names = {p.name for p in parameters}
        for key in self.args:
            if key not in names:
                raise ValueError(f"args.{key}: {self.metric} takes no such argument (it takes: {', '.join(names)})")
        for p in parameters:
            if p.default is inspect.Parameter.empty and p.name not in self.args:
                raise ValueError(f"args.{p.name}: {self.metric} needs it")
        return self

    @property
    def ensembles(self) -> tuple[str, ...]:
        """The ensembles whose runs the target pools."""
        return (self.ensemble,) if isinstance(self.ensemble, str) else tuple(self.ensemble)

    @property
    def when(self) -> int | None:
        """The year the target is about: ``year``, else its ``year`` or ``by`` argument (None if it has none)."""
        return self.year if self.year is not None else self.args.get("year", self.args.get("by"))

    @property
    def requirement(self) -> str:
        """What the value must satisfy, as the report writes it (``rate >= 0.9``)."""
        label = STATISTICS[self.statistic][0]
        return f"{label} {self.comparison} {self.threshold:g}".strip()


class TargetsInfo(_Strict):
    """The ``[targets]`` table."""

    scenario: str
    description: str = ""


class TargetsSpec(_Strict):
    """A whole targets file."""

    targets: TargetsInfo
    ensembles: dict[str, EnsembleSpec] = Field(default_factory=dict)
    target: list[TargetSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Targets:
    """A loaded, checked targets file."""

    spec: TargetsSpec
    path: Path | None
    scenario: Scenario
    ensembles: dict[str, Scenario] = field(default_factory=dict)

    @property
    def rows(self) -> list[TargetSpec]:
        """The targets, in file order."""
        return self.spec.target

    def until(self, ensemble: str) -> int | None:
        """The last year an ensemble is run to (None: the scenario's end)."""
        return None if ensemble == BASELINE else self.spec.ensembles[ensemble].until

    def select(self, fitted: bool | None = None, before: int | None = None) -> list[TargetSpec]:
        """The targets used to fit (or not), and those about a year before ``before`` (targets without a year are
        kept only when ``before`` is None)."""
        rows = self.rows
        if fitted is not None:
            rows = [t for t in rows if t.fitted == fitted]
        if before is not None:
            rows = [t for t in rows if t.when is not None and t.when < before]
        return rows


def resolve_path(targets: str | Path) -> Path:
    """A targets name (``historical`` -> ``sim/scenarios/targets/historical.toml``) or a path."""
    path = Path(targets)
    if path.suffix != ".toml" and not path.exists():
        path = TARGETS_DIR / f"{targets}.toml"
    return path


def load_targets(targets: str | Path) -> Targets:
    """Read, validate and check a targets file against its scenario.

    Raises:
        TargetsError: the file is missing, is not TOML, does not match the schema, names an unknown ensemble, a
            state or tag the scenario does not have, or an ensemble that cannot be built.
    """
    path = resolve_path(targets)
    if not path.exists():
        raise TargetsError(f"{path}: no such targets file (targets files: {', '.join(available()) or 'none'})")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TargetsError(f"{path}: malformed TOML: {exc}") from None
    try:
        spec = TargetsSpec.model_validate(data)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            msg = "unknown key" if err["type"] == "extra_forbidden" else err["msg"].removeprefix("Value error, ")
            lines.append(f"{path}: {_format_loc(err['loc'])}: {msg}")
        raise TargetsError("\n".join(lines)) from None
    try:
        scenario = load(spec.targets.scenario)
    except ScenarioError as exc:
        raise TargetsError(f"{path}: targets.scenario: {exc}") from None
    ctx = Context(scenario)
    for i, t in enumerate(spec.target):
        where = f"{path}: target[{i}] ({t.id})"
        for name in t.ensembles:
            if name != BASELINE and name not in spec.ensembles:
                raise TargetsError(f"{where}.ensemble: no ensemble {name!r} (ensembles: {BASELINE}, "
                                   f"{', '.join(spec.ensembles)})")  # fmt: skip
        _check_states(t, ctx, where)
    ids = [t.id for t in spec.target]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise TargetsError(f"{path}: target: the id {duplicate!r} is used twice")
    ensembles = {}
    for name, e in spec.ensembles.items():
        try:
            ensembles[name] = e.scenario(scenario)
        except ScenarioError as exc:
            raise TargetsError(f"{path}: ensembles.{name}: {exc}") from None
    return Targets(spec, path, scenario, ensembles)


def _check_states(target: TargetSpec, ctx: Context, where: str) -> None:
    for key in ("states", "state"):
        value = target.args.get(key)
        for name in [value] if isinstance(value, str) else value or []:
            if not ctx.known(name):
                raise TargetsError(
                    f"{where}.args.{key}: {name!r} is neither a tag nor a state of scenario {ctx.scenario.name!r}"
                )


def available() -> list[str]:
    """The names of the targets files in ``sim/scenarios/targets/``."""
    return sorted(p.stem for p in TARGETS_DIR.glob("*.toml"))


# -- the engine ----------------------------------------------------------------------------------------------------


def evaluate_target(target: TargetSpec, runs: Sequence[Run], ctx: Context) -> Check:
    """One target on the pooled runs of its ensembles."""
    measure = METRICS[target.metric](runs, ctx, **target.args)
    if target.each is not None:
        test = _each_test(target.each)
        measure = Measure([test(v) for v in measure.values], measure.weights, measure.detail)
    value = STATISTICS[target.statistic][1](measure)
    passed = bool(COMPARISONS[target.comparison](value, target.threshold))
    return Check(target.id, target.title, target.requirement, value, passed, measure.detail)


def evaluate(
    targets: Targets,
    ensembles: Mapping[str, Sequence[Run] | None],
    rows: Sequence[TargetSpec] | None = None,
    scenario: Scenario | None = None,
) -> list[Check]:
    """Every target (or ``rows``) whose ensembles are all given, in file order.

    Args:
        targets: a loaded targets file.
        ensembles: the runs of each ensemble by name (``baseline`` and those of the file); an ensemble that is
            missing or None leaves out the targets measured on it (``sim history --no-counterfactual``).
        rows: a selection of the targets (default: all).
        scenario: the scenario the ensembles ran (its tags and parties name the states; default: the file's).
    """
    ctx = Context(scenario or targets.scenario)
    checks = []
    for target in targets.rows if rows is None else rows:
        if any(ensembles.get(name) is None for name in target.ensembles):
            continue
        if scenario is not None:  # another scenario than the file's: it must have the states and tags named
            _check_states(target, ctx, f"{targets.path}: target {target.id}")
        runs = [run for name in target.ensembles for run in ensembles[name]]
        checks.append(evaluate_target(target, runs, ctx))
    return checks


def run_ensembles(
    targets: Targets,
    seeds: Sequence[int],
    workers: int | None = None,
    progress: bool = False,
    names: Sequence[str] | None = None,
) -> dict[str, Sequence[Run]]:
    """Run the scenario and every ensemble of the targets file (or ``names``) for ``seeds`` (common random numbers:
    the same seeds in every world); returns each ensemble's runs, ready for :func:`evaluate`."""
    from sim.ensemble import run_ensemble

    worlds = {BASELINE: targets.scenario, **targets.ensembles}
    out: dict[str, Sequence[Run]] = {}
    for name in names or worlds:
        ens = run_ensemble(worlds[name], list(seeds), workers, targets.until(name), progress, label=name)
        out[name] = ens.runs
    return out
