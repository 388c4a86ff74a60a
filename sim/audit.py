"""The causal audit: remove each dated input in turn and see which outcomes move with it.

``sim audit SCENARIO --seeds N`` runs the scenario once per seed (the baseline), then, for every dated input of the
file (:func:`audit_inputs`), the same seeds (common random numbers, :mod:`sim.streams`) with that one input removed:

- each ``[[drivers.events]]`` entry is dropped;
- each schedule (``[[drivers.schedules]]`` and each state's ``population_points``) is held at its value in the hold
  year (``--hold-from``, default the scenario's first year, which removes the schedule's dynamics altogether), or,
  with ``--schedules points``, each of its points after the hold year is dropped in turn.

For every run it reads the outcomes (:func:`run_outcomes`): each state's exit year (the first year ``non_communist``
after having been ``communist``), its first year ``communist``, its first split with the centre and its first
intervention (events of kinds ``split`` and ``intervention``), and its status in 2025 (or in the last year run). The
table of moves (:func:`compare_outcomes`) has a row for every input, state and outcome that moved in at least one
seed: the baseline and audited medians and the share of seeds changed; an input *decides* an outcome when, in most
seeds (more than half), removing it makes the event appear or disappear or shifts it by :data:`DECISIVE_SHIFT` years
or more (a status changes). An exit that vanishes because the state never becomes communist without the input (the
1944 occupation) is decided at the entry, and is not counted as an exit decided.
Each input carries the verdict of the rule for dated inputs (:mod:`sim.causal_rule`), so the
report shows at a glance whether an outcome-kind input decides an exit.

The freeze experiment (:func:`freeze`, issue 11): every dated input after the freeze year removed except leader
successions, every schedule held at its value in that year; the report says when the hegemon and the European
states installed with its armed backing leave the communist status, and every ruled state's status in 2025.

Outputs go to a fresh folder ``results/audit/<scenario>/<UTC time>-s<seed>-n<N>/``, written at the end and renamed
into place (an interrupted audit leaves nothing): ``inputs.parquet`` (every audited input and its verdict),
``moves.parquet`` and ``moves.md`` (the table), ``outcomes.parquet`` (every run's outcomes, seed by seed),
``freeze.parquet``, ``report.md`` (the summary a historian reads) and ``metadata.json``. :func:`moves_markdown`
returns the table as Markdown, for other reports to include.
"""

from __future__ import annotations

import fnmatch
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.causal_rule import (
    EVENT_KINDS,
    DatedInput,
    Verdict,
    dated_inputs,
    hold_schedule,
    outcome_inputs,
    undecided_inputs,
)
from sim.drivers import Schedule
from sim.scenario import Scenario, ScenarioError, validate
from sim.vocab import DRIVER_VARIABLES

STATUS_YEAR = 2025
"""The year whose statuses the audit compares (the last year run if earlier)."""
DECISIVE_SHIFT = 2
"""An input decides a dated outcome when removing it shifts the outcome by this many years or more (or makes it
appear or disappear) in most seeds (more than half)."""
YEAR_OUTCOMES = {
    "exit_year": "exit year",
    "communist_year": "first year in the communist status",
    "split_year": "split year",
    "intervention_year": "intervention year",
}
"""The dated outcomes and their names in words."""
NEVER = float("inf")
ARMED_OR_LEADER = ("leader", "occupation", "withdrawal", "coup")
"""Input kinds that issue 11 allows to decide an exit: a leader succession or an outside power's armed action."""
SCHEDULE_MODES = ("hold", "points")


@dataclass(frozen=True)
class AuditInput:
    """One dated input the audit removes, and how.

    Attributes:
        id: its key path in the scenario file (a held schedule is the schedule's key path).
        kind: the rule's name for its kind (``leader``, ``schedule:aid``, ``population``, ...).
        source: ``event``, ``schedule`` or ``population``.
        year: the year it is dated to (for a held schedule, the hold year).
        label: what it is, in words.
        verdict: the rule's verdict (for a held schedule, the worst verdict among the points it removes).
        reason: why.
        states: the states it concerns.
        remove: turns the scenario's data (a ``model_dump``) into the data without this input.
    """

    id: str
    kind: str
    source: str
    year: int
    label: str
    verdict: Verdict
    reason: str
    states: tuple[str, ...]
    remove: Callable[[dict[str, Any]], None] = field(repr=False, compare=False)

    def applied(self, scenario: Scenario) -> Scenario:
        """The scenario without this input, validated."""
        data = scenario.spec.model_dump(mode="python")
        self.remove(data)
        return Scenario(validate(data, f"{scenario.path or scenario.name} (without {self.id})"), scenario.path)


# -- which inputs --------------------------------------------------------------------------------------------------


def _worst(points: list[DatedInput]) -> tuple[Verdict, str]:
    for verdict in (Verdict.OUTCOME, Verdict.DEPENDS, Verdict.CAUSE):
        hits = [p for p in points if p.verdict is verdict]
        if hits:
            more = f" (and {len(hits) - 1} more points)" if len(hits) > 1 else ""
            return verdict, hits[0].reason + more
    return Verdict.CAUSE, "no point after the hold year"


def _drop_event(i: int) -> Callable[[dict[str, Any]], None]:
    def remove(data: dict[str, Any]) -> None:
        del data["drivers"]["events"][i]

    return remove


def _hold(path: tuple[Any, ...], points: list[tuple[int, float]], interpolation: str, year: int) -> Callable:
    held = hold_schedule(points, interpolation, year)

    def remove(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = held

    return remove


def _drop_point(path: tuple[Any, ...], j: int, schedule: tuple[str, int] | None = None) -> Callable:
    def remove(data: dict[str, Any]) -> None:
        target = data
        for step in path[:-1]:
            target = target[step]
        points = list(target[path[-1]])
        del points[j]
        if points:
            target[path[-1]] = points
        elif schedule is not None:  # the schedule's only point: the variable takes its default
            del data["drivers"]["schedules"][schedule[1]]
        else:
            target[path[-1]] = None

    return remove


def _moves_after(points: list[tuple[int, float]], interpolation: str, year: int, last: int) -> bool:
    """Whether holding the schedule at its value in ``year`` changes any year up to ``last``."""
    schedule = Schedule(points, interpolation)
    held = Schedule(hold_schedule(points, interpolation, year), interpolation)
    return any(abs(schedule(y) - held(y)) > 1e-12 for y in range(year, last + 1))


def audit_inputs(
    scenario: Scenario, schedules: str = "hold", hold_from: int | None = None, until: int | None = None
) -> list[AuditInput]:
    """Every dated input of ``scenario`` the audit can remove, classified by the rule, in file order.

    Args:
        scenario: the scenario audited.
        schedules: ``hold`` (each schedule held at its value in ``hold_from``) or ``points`` (each point after
            ``hold_from`` dropped in turn).
        hold_from: the hold year (default: the scenario's first year).
        until: the last year run (inputs dated after it are left out: they cannot move anything).
    """
    spec = scenario.spec
    first, last = spec.scenario.start_year, until or spec.scenario.end_year
    year = first if hold_from is None else hold_from
    classified = dated_inputs(spec)
    by_key = {d.key: d for d in classified}
    found: list[AuditInput] = []
    for i, event in enumerate(spec.drivers.events):
        d = by_key[f"drivers.events[{i}]"]
        if event.year <= last:
            found.append(AuditInput(d.key, d.kind, "event", d.year, d.label, d.verdict, d.reason, d.states,
                                    _drop_event(i)))  # fmt: skip
    series: list[tuple[str, tuple[Any, ...], list[tuple[int, float]], str, str, tuple[str, int] | None]] = []
    for i, s in enumerate(spec.drivers.schedules):
        where = "" if s.states == ["*"] else f" {','.join(s.states)}"
        series.append((f"drivers.schedules[{i}]", ("drivers", "schedules", i, "points"), list(s.points),
                       s.interpolation, f"{s.variable}{where}", ("schedule", i)))  # fmt: skip
    for i, s in enumerate(spec.states):
        if s.population_points:
            series.append((f"states[{i}].population_points", ("states", i, "population_points"),
                           list(s.population_points), "linear", f"population {s.code}", None))  # fmt: skip
    for key, path, points, interpolation, what, schedule in series:
        point_inputs = [by_key[f"{key}.points[{j}]" if schedule else f"{key}[{j}]"] for j in range(len(points))]
        if schedules == "hold":
            if not _moves_after(points, interpolation, year, last):
                continue
            removed = [p for p in point_inputs if p.year > year]
            verdict, reason = _worst(removed)
            label = f"{what} held from {year} at {Schedule(points, interpolation)(year):g}"
            first_point = point_inputs[0]
            found.append(AuditInput(key, first_point.kind, first_point.rule.source, year, label, verdict, reason,
                                    first_point.states, _hold(path, points, interpolation, year)))  # fmt: skip
        else:
            for j, p in enumerate(point_inputs):
                if year < p.year <= last:
                    found.append(AuditInput(p.key, p.kind, p.rule.source, p.year, p.label, p.verdict, p.reason,
                                            p.states, _drop_point(path, j, schedule)))  # fmt: skip
    return found


def kind_words() -> list[str]:
    """The words ``--only`` accepts: event kinds, schedule variables, ``population``, ``event``, ``schedule`` and
    the verdicts."""
    return [*EVENT_KINDS, *DRIVER_VARIABLES, "population", "event", "schedule", *(v.value for v in Verdict)]


def select_inputs(
    inputs: list[AuditInput], scenario: Scenario, only: Sequence[str] = (), patterns: Sequence[str] = ()
) -> list[AuditInput]:
    """The inputs of the given kinds (``--only``) whose key path or label matches one of the patterns
    (``--inputs``: a glob, or a plain text found anywhere, case-insensitive).

    Raises:
        ScenarioError: an unknown kind, or a selection that matches no input.
    """
    source = str(scenario.path or scenario.name)
    known = kind_words()
    for word in only:
        if word not in known:
            raise ScenarioError(f"{source}: --only {word!r}: unknown kind (expected one of: {', '.join(known)})")
    chosen = inputs
    if only:
        chosen = [
            i for i in chosen
            if {i.kind.split("=")[0].removeprefix("schedule:"), i.source, i.verdict.value} & set(only)
        ]  # fmt: skip

    def matches(item: AuditInput, pattern: str) -> bool:
        text = f"{item.id} {item.label}".lower()
        pattern = pattern.lower()
        if any(c in pattern for c in "*?["):
            return fnmatch.fnmatch(item.id.lower(), pattern) or fnmatch.fnmatch(item.label.lower(), pattern)
        return pattern in text

    if patterns:
        chosen = [i for i in chosen if any(matches(i, p) for p in patterns)]
    if not chosen:
        what = " and ".join(filter(None, [f"--only {' '.join(only)}" if only else "",
                                          f"--inputs {' '.join(patterns)}" if patterns else ""]))  # fmt: skip
        raise ScenarioError(f"{source}: {what or 'the scenario'}: matches no dated input (of {len(inputs)})")
    return chosen


def prepare(
    scenario: Scenario,
    schedules: str = "hold",
    hold_from: int | None = None,
    until: int | None = None,
    freeze_year: int | None = 1985,
    only: Sequence[str] | None = None,
    patterns: Sequence[str] | None = None,
) -> tuple[list[AuditInput], dict[str, Any]]:
    """Check the audit's options against the scenario and choose its inputs (what ``sim audit`` does before it runs
    anything); returns the inputs and the settings to record.

    Raises:
        ScenarioError: a year outside the scenario's years, an unknown schedule mode or kind, an empty selection.
    """
    info, source = scenario.spec.scenario, scenario.path or scenario.name
    last = until or info.end_year
    if until is not None and not info.start_year < until <= info.end_year:
        raise ScenarioError(f"{source}: --until {until}: expected a year in {info.start_year + 1}-{info.end_year}")
    if schedules not in SCHEDULE_MODES:
        raise ScenarioError(f"--schedules {schedules!r}: expected one of {', '.join(SCHEDULE_MODES)}")
    hold = info.start_year if hold_from is None else hold_from
    if not info.start_year <= hold < last:
        raise ScenarioError(f"{source}: --hold-from {hold}: expected a year in {info.start_year}-{last - 1}")
    if freeze_year is not None and not info.start_year <= freeze_year < last:
        raise ScenarioError(
            f"{source}: --freeze-year {freeze_year}: expected a year in {info.start_year}-{last - 1} (or --no-freeze)"
        )
    only, patterns = list(only or []), list(patterns or [])
    chosen = select_inputs(audit_inputs(scenario, schedules, hold, until), scenario, only, patterns)
    selection = "; ".join(filter(None, [f"--only {' '.join(only)}" if only else "",
                                        f"--inputs {' '.join(patterns)}" if patterns else ""]))  # fmt: skip
    return chosen, {"hold_from": hold, "schedules": schedules, "selection": selection, "freeze_year": freeze_year}


def rule_report(scenario: Scenario) -> tuple[str, int]:
    """``sim audit --rule-only``: every dated input the rule calls an outcome, then those it leaves to judgement,
    each with its file, key path and reason; also the number of outcomes found."""
    source = scenario.path or scenario.name
    outcomes, undecided = outcome_inputs(scenario.spec), undecided_inputs(scenario.spec)
    lines = [f"{source}: {_count(len(outcomes), 'dated input')} the rule for dated inputs calls outcomes "
             f"(docs/ODD.md section 6){':' if outcomes else ''}"]  # fmt: skip
    lines += [f"  {source}: {d.key}: {d.label}: {d.reason}" for d in outcomes]
    lines.append(f"{source}: {_count(len(undecided), 'more dated input')} the rule leaves to a historian's judgement "
                 f"(depends){':' if undecided else ''}")  # fmt: skip
    lines += [f"  {source}: {d.key}: {d.label}: {d.reason}" for d in undecided]
    return "\n".join(lines), len(outcomes)


# -- the freeze experiment -----------------------------------------------------------------------------------------


def freeze(scenario: Scenario, year: int) -> tuple[Scenario, int]:
    """The scenario with every dated event after ``year`` removed except leader successions, and every schedule
    (drivers and population) held at its value in ``year``; also the number of events removed."""
    data = scenario.spec.model_dump(mode="python")
    events = data["drivers"]["events"]
    kept = [e for e in events if e["year"] <= year or e["kind"] == "leader"]
    removed = len(events) - len(kept)
    data["drivers"]["events"] = kept
    for s in data["drivers"]["schedules"]:
        s["points"] = hold_schedule([tuple(p) for p in s["points"]], s["interpolation"], year)
    for s in data["states"]:
        if s["population_points"]:
            s["population_points"] = hold_schedule([tuple(p) for p in s["population_points"]], "linear", year)
    frozen = Scenario(validate(data, f"{scenario.path or scenario.name} (frozen after {year})"), scenario.path)
    return frozen, removed


def freeze_states(scenario: Scenario) -> list[str]:
    """The states the freeze experiment follows: the hegemon and the European states installed with its armed
    backing (the USSR and the six of the Warsaw Pact in the historical world; every soviet-backed bloc state of a
    world without a European region)."""
    states = scenario.spec.states
    hegemons = [s.code for s in states if s.bloc == "hegemon"]
    installed = [s for s in states if s.bloc == "soviet_bloc" and s.route_to_power == "soviet_backed"]
    european = [s.code for s in installed if s.region == "Europe"]
    return hegemons + (european or [s.code for s in installed])


# -- outcomes of runs ----------------------------------------------------------------------------------------------


def _status_year(states: pd.DataFrame) -> int:
    return int(min(STATUS_YEAR, states.year.max()))


def run_outcomes(
    states: pd.DataFrame, events: pd.DataFrame, codes: Sequence[str], seeds: Sequence[int]
) -> pd.DataFrame:
    """Each seed's and state's outcomes, one row each: ``seed, code, outcome, value`` (text: a year, ``never`` or a
    status) and ``year`` (the year as a number, ``inf`` for never; NaN for a status).

    Outcomes: ``exit_year`` (the first year non_communist after having been communist), ``communist_year`` (the
    first year communist), ``split_year`` and ``intervention_year`` (the first event of kind split or intervention
    in the state), ``status_<year>`` (the status in 2025 or in the last year run).
    """
    s = states[["seed", "code", "year", "status"]].sort_values(["seed", "code", "year"])
    been = (s.status == "communist").groupby([s.seed, s.code]).cummax()
    before = been.groupby([s.seed, s.code]).shift(fill_value=False).astype(bool)
    dated = {
        "exit_year": s[(s.status == "non_communist") & before].groupby(["seed", "code"]).year.min(),
        "communist_year": s[s.status == "communist"].groupby(["seed", "code"]).year.min(),
        "split_year": events[events.kind == "split"].groupby(["seed", "code"]).year.min(),
        "intervention_year": events[events.kind == "intervention"].groupby(["seed", "code"]).year.min(),
    }
    grid = pd.MultiIndex.from_product([list(seeds), list(codes)], names=["seed", "code"])
    frames = []
    for outcome, years in dated.items():
        y = years.reindex(grid).astype(float).fillna(NEVER)
        frame = y.rename("year").reset_index()
        frame["outcome"] = outcome
        frame["value"] = [("never" if v == NEVER else str(int(v))) for v in frame.year]
        frames.append(frame)
    year = _status_year(states)
    status = s[s.year == year].set_index(["seed", "code"]).status.reindex(grid).fillna("absent")
    frame = status.rename("value").reset_index()
    frame["outcome"], frame["year"] = f"status_{year}", np.nan
    frames.append(frame)
    return pd.concat(frames, ignore_index=True)[["seed", "code", "outcome", "value", "year"]]


def _median_text(years: pd.Series) -> str:
    m = float(np.median(years.to_numpy()))
    return "never" if m == NEVER else (f"{m:.0f}" if m.is_integer() else f"{m:.1f}")


def _dated_text(years: pd.Series) -> str:
    """``1989 (4/4 seeds)``: the median year (``never`` when most seeds have none) and the seeds that have it."""
    return f"{_median_text(years)} ({int(np.isfinite(years).sum())}/{len(years)} seeds)"


def _modal_text(values: pd.Series) -> str:
    counts = values.value_counts()
    return f"{counts.index[0]} ({counts.iloc[0]}/{len(values)})"


def compare_outcomes(base: pd.DataFrame, audited: pd.DataFrame) -> pd.DataFrame:
    """Per state and outcome that moved in at least one seed: the baseline's and the audited world's median (or
    modal status), how many seeds have the event in each, the share of seeds changed, and whether it is decided."""
    keys = ["seed", "code", "outcome"]
    both = base.merge(audited, on=keys, suffixes=("_base", "_audit"))
    both["changed"] = both.value_base != both.value_audit
    shift = (both.year_audit - both.year_base).abs()
    appears = np.isinf(both.year_base) != np.isinf(both.year_audit)
    big = appears | ((shift >= DECISIVE_SHIFT) & ~np.isinf(both.year_base))
    both["decisive"] = np.where(both.year_base.isna(), both.changed, big)
    entry = both[both.outcome == "communist_year"].set_index(["seed", "code"])
    lost_entry = (np.isfinite(entry.year_base) & np.isinf(entry.year_audit)).rename("never_communist")
    both = both.join(lost_entry, on=["seed", "code"])
    both["never_communist"] = both.never_communist.fillna(False).astype(bool) & (both.outcome == "exit_year")
    rows = []
    for (code, outcome), g in both[both.groupby(["code", "outcome"]).changed.transform("any")].groupby(
        ["code", "outcome"], sort=False
    ):
        dated = outcome in YEAR_OUTCOMES
        never = int(g.never_communist.sum())
        audited = _dated_text(g.year_audit) if dated else _modal_text(g.value_audit)
        if never:
            audited = audited.removesuffix(")") + f"; never communist in {never})"
        # an exit that vanishes because the state never becomes communist is decided at the entry, not the exit
        decisive = bool(g.decisive.mean() > 0.5) and never <= len(g) / 2
        rows.append({
            "state": code, "outcome": outcome,
            "baseline": _dated_text(g.year_base) if dated else _modal_text(g.value_base),
            "audited": audited,
            "baseline_median": float(np.median(g.year_base)) if dated else np.nan,
            "audited_median": float(np.median(g.year_audit)) if dated else np.nan,
            "baseline_seeds": int(np.isfinite(g.year_base).sum()) if dated else len(g),
            "audited_seeds": int(np.isfinite(g.year_audit).sum()) if dated else len(g),
            "share_changed": float(g.changed.mean()),
            "never_communist": never,
            "decisive": decisive,
        })  # fmt: skip
    columns = ["state", "outcome", "baseline", "audited", "baseline_median", "audited_median", "baseline_seeds",
               "audited_seeds", "share_changed", "never_communist", "decisive"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


# -- running -------------------------------------------------------------------------------------------------------


@dataclass
class AuditResult:
    """Everything an audit found.

    Attributes:
        scenario: the scenario audited.
        seeds: the seeds of every ensemble.
        inputs: the inputs audited (one row each: id, kind, year, label, verdict, reason, moved, decides_exit).
        moves: the table input -> outcomes moved.
        outcomes: every run's outcomes, seed by seed (``world`` is ``baseline``, an input's id or ``freeze``).
        freeze: per followed state, the baseline's and the frozen world's exit years seed by seed (empty when the
            freeze experiment is not run).
        settings: hold year, schedule mode, freeze year, last year, selection, runs and seconds.
    """

    scenario: Scenario
    seeds: list[int]
    inputs: pd.DataFrame
    moves: pd.DataFrame
    outcomes: pd.DataFrame
    freeze: pd.DataFrame
    settings: dict[str, Any]


def run_audit(
    scenario: Scenario,
    seeds: Sequence[int],
    inputs: Sequence[AuditInput],
    *,
    until: int | None = None,
    freeze_year: int | None = 1985,
    workers: int | None = None,
    progress: bool = True,
    settings: dict[str, Any] | None = None,
) -> AuditResult:
    """Run the baseline, one ensemble per removed input and the freeze experiment, all with the same seeds.

    Args:
        scenario: the scenario audited.
        seeds: the seeds of every ensemble (common random numbers).
        inputs: the inputs to remove, one at a time (:func:`audit_inputs`, :func:`select_inputs`).
        until: the last year run (default: the scenario's end year).
        freeze_year: the year of the freeze experiment, or ``None`` to skip it.
        workers: processes (default: all cores; 1 runs in this process).
        progress: show a progress bar over the runs.
        settings: recorded in the result (hold year, schedule mode, selection).
    """
    from sim.ensemble import run_ensemble
    from sim.executors import default_workers, make_executor

    seeds = list(seeds)
    codes = [s.code for s in scenario.spec.states]
    worlds: list[tuple[str, Scenario]] = [("baseline", scenario)]
    worlds += [(i.id, i.applied(scenario)) for i in inputs]  # all validated before anything runs
    removed_by_freeze = 0
    if freeze_year is not None:
        frozen, removed_by_freeze = freeze(scenario, freeze_year)
        worlds.append(("freeze", frozen))
    workers = workers or default_workers()
    bar = None
    if progress:
        from sim.console import progress_bar

        bar = progress_bar(total=len(worlds) * len(seeds), desc=f"audit {scenario.name}", unit="run")
    started = time.perf_counter()
    outcomes: dict[str, pd.DataFrame] = {}
    try:
        with make_executor(workers) as pool:  # one pool for every ensemble of the audit
            for world, world_scenario in worlds:
                ens = run_ensemble(world_scenario, seeds, pool.n, until, progress=False, executor=pool.executor)
                outcomes[world] = run_outcomes(ens.table("states"), ens.table("events"), codes, seeds)
                if bar:
                    bar.update(len(seeds))
    finally:
        if bar:
            bar.close()
    seconds = time.perf_counter() - started
    base = outcomes["baseline"]
    input_rows, move_frames = [], []
    for item in inputs:
        moved = compare_outcomes(base, outcomes[item.id])
        decides = moved[(moved.outcome == "exit_year") & moved.decisive]
        input_rows.append({
            "input": item.id, "kind": item.kind, "year": item.year, "label": item.label,
            "verdict": item.verdict.value, "reason": item.reason, "states": ",".join(item.states),
            "outcomes_moved": len(moved), "outcomes_decided": int(moved.decisive.sum()),
            "decides_exit": ",".join(decides.state),
        })  # fmt: skip
        if len(moved):
            head = pd.DataFrame({"input": item.id, "kind": item.kind, "year": item.year, "label": item.label,
                                 "verdict": item.verdict.value}, index=moved.index)  # fmt: skip
            frame = pd.concat([head, moved], axis=1)
            frame["decides_exit"] = (frame.outcome == "exit_year") & frame.decisive
            move_frames.append(frame)
    moves = pd.concat(move_frames, ignore_index=True) if move_frames else _empty_moves()
    all_outcomes = pd.concat([o.assign(world=w) for w, o in outcomes.items()], ignore_index=True)
    all_outcomes = all_outcomes[["world", *base.columns]]
    freeze_table = pd.DataFrame()
    if freeze_year is not None:
        followed = freeze_states(scenario)
        freeze_table = base.merge(outcomes["freeze"], on=["seed", "code", "outcome"], suffixes=("_baseline", "_frozen"))
        freeze_table = freeze_table[freeze_table.outcome.isin(["exit_year", f"status_{_status_year_of(base)}"])]
        freeze_table = freeze_table.assign(followed=freeze_table.code.isin(followed)).reset_index(drop=True)
    recorded = dict(settings or {})
    recorded.update({
        "until": until or scenario.spec.scenario.end_year, "freeze_year": freeze_year,
        "freeze_events_removed": removed_by_freeze, "runs": len(worlds) * len(seeds), "seconds": round(seconds, 1),
        "workers": workers, "status_year": _status_year_of(base),
    })  # fmt: skip
    return AuditResult(scenario, seeds, pd.DataFrame(input_rows), moves, all_outcomes, freeze_table, recorded)


def _status_year_of(outcomes: pd.DataFrame) -> int:
    name = next(o for o in outcomes.outcome.unique() if o.startswith("status_"))
    return int(name.removeprefix("status_"))


def _empty_moves() -> pd.DataFrame:
    columns = ["input", "kind", "year", "label", "verdict", "state", "outcome", "baseline", "audited",
               "baseline_median", "audited_median", "baseline_seeds", "audited_seeds", "share_changed",
               "never_communist", "decisive", "decides_exit"]  # fmt: skip
    return pd.DataFrame(columns=columns)


# -- the report ----------------------------------------------------------------------------------------------------


def _short_name(scenario: Scenario, code: str) -> str:
    """``Soviet Union`` for ``SUN`` (the state's name without its parenthesis)."""
    name = next((s.name for s in scenario.spec.states if s.code == code), code)
    return re.sub(r"\s*\(.*?\)", "", name).strip() or code


def _outcome_words(outcome: str) -> str:
    return YEAR_OUTCOMES.get(outcome) or "status in " + outcome.removeprefix("status_")


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def _cell(text: object) -> str:
    return str(text).replace("|", "/").replace("\n", " ")


def moves_markdown(moves: pd.DataFrame, decisive_only: bool = False, limit: int | None = None) -> str:
    """The table input -> outcomes moved as Markdown (for ``moves.md`` and for other reports to include):
    input, its verdict, state, outcome, baseline and audited medians (modal status), share of seeds changed, and
    whether the input decides it. Decisive rows first, then by share changed."""
    table = moves[moves.decisive.astype(bool)] if decisive_only else moves
    table = table.sort_values(["decisive", "share_changed", "year"], ascending=[False, False, True], kind="stable")
    if limit is not None:
        table = table.head(limit)
    lines = [
        "| input | verdict | state | outcome | baseline | audited | seeds changed | decides |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {_cell(r.label)} (`{r.input}`) | {r.verdict} | {r.state} | {_outcome_words(r.outcome)} | "
            f"{r.baseline} | {r.audited} | {r.share_changed:.0%} | {'**yes**' if r.decisive else ''} |"
        )
    if table.empty:
        lines.append("| (no input moved any outcome) | | | | | | | |")
    return "\n".join(lines)


def load_moves(folder: str | Path) -> pd.DataFrame:
    """The moves table of a written audit folder (for a report that includes it: ``moves_markdown(load_moves(f))``)."""
    return pd.read_parquet(Path(folder) / "moves.parquet")


def load_audit(folder: str | Path, allow_changed: bool = False) -> AuditResult:
    """A written audit read back from its folder (its tables, settings and scenario), e.g. to rebuild its report
    with :func:`report_markdown` or to include its table in another report. The scenario is read from its file,
    which must be unchanged (same SHA-256) unless ``allow_changed`` (the audit of an in-memory scenario)."""
    import json

    from sim.scenario import load

    folder = Path(folder)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    scenario = load(meta["scenario_file"])
    if scenario.sha256 != meta["scenario_sha256"] and not allow_changed:
        raise ScenarioError(f"{meta['scenario_file']}: changed since the audit in {folder} (its SHA-256 differs)")
    keys = ("hold_from", "schedules", "selection", "until", "freeze_year", "freeze_events_removed", "runs",
            "seconds", "workers", "status_year")  # fmt: skip
    tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in ("inputs", "moves", "outcomes", "freeze")}
    return AuditResult(scenario, list(meta["seeds"]), tables["inputs"], tables["moves"], tables["outcomes"],
                       tables["freeze"], {k: meta.get(k) for k in keys})  # fmt: skip


def latest_folder(scenario: str, out: str | Path = "results") -> Path | None:
    """The most recent audit folder of a scenario under ``out/audit/<scenario>/`` (``None`` if there is none)."""
    root = Path(out) / "audit" / scenario
    folders = sorted(p for p in root.glob("*") if p.is_dir() and not p.name.startswith(".")) if root.exists() else []
    return folders[-1] if folders else None


def _seed_years(values: pd.Series) -> str:
    return ", ".join(values)


def _freeze_section(result: AuditResult) -> list[str]:
    settings, table = result.settings, result.freeze
    year, status_year = settings["freeze_year"], settings["status_year"]
    n = len(result.seeds)
    lines = [
        f"## The freeze experiment: every dated input after {year} removed except leader successions",
        "",
        f"{settings['freeze_events_removed']} dated events after {year} removed (leader successions kept), every "
        f"schedule (drivers and population) held at its {year} value. Issue 11 asks that the USSR then still leave "
        "the communist status in 1987-92 and most of the six European bloc states be non-communist by 1992.",
        "",
        "| state | baseline exit (median) | seeds exiting, baseline | frozen exit (median) | seeds exiting, frozen "
        "| frozen exit years, seed by seed |",
        "|---|---|---|---|---|---|",
    ]
    exits = table[(table.outcome == "exit_year") & table.followed]
    for code, g in exits.groupby("code", sort=False):
        b, f = g.year_baseline, g.year_frozen
        nb, nf = int(np.isfinite(b).sum()), int(np.isfinite(f).sum())
        lines.append(
            f"| {_short_name(result.scenario, code)} ({code}) | {_median_text(b)} | {nb}/{n} | {_median_text(f)} | "
            f"{nf}/{n} | {_seed_years(g.value_frozen)} |"
        )
    hegemons = [s.code for s in result.scenario.spec.states if s.bloc == "hegemon"]
    lines.append("")
    for code in hegemons:
        g = exits[exits.code == code]
        if len(g):
            k = int(np.isfinite(g.year_frozen).sum())
            verb = "never leaves" if k == 0 else f"leaves in {k} of {n} seeds (median {_median_text(g.year_frozen)})"
            lines.append(f"In the frozen world {_short_name(result.scenario, code)} {verb} the communist status.")
    others = exits[~exits.code.isin(hegemons)]
    if len(others):
        frozen_by = (others.year_frozen <= 1992).groupby(others.seed).sum()
        base_by = (others.year_baseline <= 1992).groupby(others.seed).sum()
        lines.append(
            f"Of the other {others.code.nunique()} followed states, the number non-communist by 1992, seed by seed: "
            f"{', '.join(str(int(v)) for v in frozen_by)} (baseline: {', '.join(str(int(v)) for v in base_by)})."
        )
    statuses = table[table.outcome == f"status_{status_year}"]
    ruled = statuses[
        statuses.value_baseline.isin(["communist", "hybrid"]) | statuses.value_frozen.isin(["communist", "hybrid"])
    ]
    if len(ruled):
        lines += ["", f"Statuses in {status_year} of the states Communist-ruled in either world (modal status):", ""]
        lines += ["| state | baseline | frozen |", "|---|---|---|"]
        for code, g in ruled.groupby("code", sort=False):
            lines.append(f"| {_short_name(result.scenario, code)} ({code}) | {_modal_text(g.value_baseline)} | "
                         f"{_modal_text(g.value_frozen)} |")  # fmt: skip
    return lines


def _list_inputs(rows: pd.DataFrame, limit: int = 8) -> str:
    parts = [f"{r.label} ({r.verdict}; {r.audited} instead of {r.baseline}, {r.share_changed:.0%} of seeds)"
             for r in rows.head(limit).itertuples()]  # fmt: skip
    more = f"; and {len(rows) - limit} more" if len(rows) > limit else ""
    return "; ".join(parts) + more


def report_markdown(result: AuditResult) -> str:
    """The audit's report: what decides each exit, split, intervention and status, the freeze experiment, the
    rule's findings and the whole table."""
    sc, settings, moves = result.scenario, result.settings, result.moves
    n = len(result.seeds)
    spec = sc.spec
    mode = (f"each schedule held at its value in {settings['hold_from']}" if settings["schedules"] == "hold"
            else f"each schedule point after {settings['hold_from']} dropped in turn")  # fmt: skip
    lines = [
        f"# Causal audit of `{sc.name}` ({spec.scenario.title})",
        "",
        f"{len(result.inputs)} dated inputs removed one at a time (each event dropped; {mode}); seeds "
        f"{result.seeds[0]}-{result.seeds[-1]} ({n}) in every world, so a difference is the input's effect (common "
        f"random numbers); {settings['runs']} runs to {settings['until']} in {settings['seconds']:.0f} s. "
        f"An input *decides* an outcome when removing it, in most seeds (more than half), makes the event appear or "
        f"disappear or shifts it by {DECISIVE_SHIFT} years or more (or changes the status); an exit that vanishes "
        "because the state never becomes communist is decided at its entry, not counted as an exit decided. Each "
        "input's verdict is the rule for dated inputs' (`sim/causal_rule.py`, docs/ODD.md section 6).",
        "",
    ]
    if settings.get("selection"):
        lines += [f"Selection: {settings['selection']}.", ""]
    deciders = moves[moves.decides_exit.astype(bool)] if len(moves) else moves
    lines += ["## Single inputs that decide an exit", ""]
    if deciders.empty:
        lines.append("No single dated input decides any state's exit from the communist status.")
    else:
        lines.append(moves_markdown(deciders))
        offending = deciders[~deciders.kind.str.split("=").str[0].isin(ARMED_OR_LEADER)]
        lines.append("")
        if offending.empty:
            lines.append("Every input that decides an exit is a leader succession or an armed action (issue 11's "
                         "standard holds for the inputs audited).")  # fmt: skip
        else:
            kinds = ", ".join(sorted(offending.kind.unique()))
            lines.append(
                f"Issue 11 asks that no single dated input other than a leader succession or an outside power's "
                f"armed action decide an exit. Today {_count(offending.input.nunique(), 'input')} of other kinds "
                f"({kinds}) decide the exits of {_count(offending.state.nunique(), 'state')}; "
                f"{_count(offending[offending.verdict == 'outcome'].input.nunique(), 'input')} of them the rule "
                "calls outcomes."
            )
    for outcome in [*YEAR_OUTCOMES, f"status_{settings['status_year']}"]:
        part = moves[moves.outcome == outcome] if len(moves) else moves
        titles = {"exit_year": "Exits", "communist_year": "Entries into the communist status",
                  "split_year": "Splits", "intervention_year": "Interventions"}  # fmt: skip
        title = titles.get(outcome, f"Statuses in {settings['status_year']}")
        lines += ["", f"## {title}: what moves with which input", ""]
        if part.empty:
            lines.append("No single input moves this outcome in any seed.")
            continue
        for code, g in part.groupby("state", sort=False):
            g = g.sort_values(["decisive", "share_changed"], ascending=False, kind="stable")
            base = result.outcomes[(result.outcomes.world == "baseline") & (result.outcomes.code == code)
                                   & (result.outcomes.outcome == outcome)]  # fmt: skip
            if outcome in YEAR_OUTCOMES:
                k = int(np.isfinite(base.year).sum())
                now = f"baseline {_median_text(base.year)}, in {k} of {n} seeds" if k else f"none in {n} seeds"
            else:
                now = f"baseline {_modal_text(base.value)}"
            entry = g.never_communist > n / 2
            decisive, at_entry, slight = g[g.decisive], g[entry & ~g.decisive], g[~entry & ~g.decisive]
            name = _short_name(sc, code)
            text = f"{name}'s {_outcome_words(outcome)} ({now})"
            if len(decisive):
                text += f" is decided by: {_list_inputs(decisive)}."
            if len(at_entry):
                without = "; ".join(at_entry.label.head(8))
                if not len(decisive):
                    text = f"{name} ({_outcome_words(outcome)}: {now})"
                text += (f" {name}" if len(decisive) else "") + f" never becomes communist without: {without}."
            if len(slight):
                if len(decisive) or len(at_entry):
                    text += f" It also moves slightly with {_count(len(slight), 'other input')}."
                else:
                    text += f" moves slightly with: {_list_inputs(slight, 5)}."
            lines += [f"- {text}"]
    if settings["freeze_year"] is not None and not result.freeze.empty:
        lines += ["", *_freeze_section(result)]
    outcomes = outcome_inputs(spec)
    undecided = undecided_inputs(spec)
    lines += [
        "",
        "## What the rule for dated inputs says about this file",
        "",
        f"{len(outcomes)} dated inputs of `{sc.path or sc.name}` are outcomes by the rule, and {len(undecided)} need a "
        "historian's judgement (`uv run sim audit --rule-only " + sc.name + "` lists them with their key paths and "
        "reasons):",
        "",
    ]
    for d in outcomes[:60]:
        lines.append(f"- `{d.key}` {d.label}: {d.reason}")
    if len(outcomes) > 60:
        lines.append(f"- ... and {len(outcomes) - 60} more")
    quiet = result.inputs[result.inputs.outcomes_moved == 0] if len(result.inputs) else result.inputs
    lines += ["", f"## Inputs that moved no outcome ({len(quiet)} of {len(result.inputs)})", ""]
    lines.append("; ".join(quiet.label) if len(quiet) else "(none)")
    lines += ["", "## The table: input -> outcomes moved", "", moves_markdown(moves)]
    return "\n".join(lines) + "\n"


def default_folder_name(result: AuditResult, now: datetime | None = None) -> str:
    """``<UTC time>-s<first seed>-n<seeds>`` (``-u<year>`` when stopped early): a fresh folder for every audit."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}-s{result.seeds[0]}-n{len(result.seeds)}"
    if result.settings["until"] != result.scenario.spec.scenario.end_year:
        name += f"-u{result.settings['until']}"
    return name


def write_audit(result: AuditResult, out: str | Path, command: list[str] | None = None) -> Path:
    """Write the audit to a fresh folder ``out/audit/<scenario>/<name>/``, all at once (nothing partial on an
    error or Ctrl-C); returns the folder."""
    from sim.output import atomic_dir, git_state, package_versions, write_json, write_parquet

    root = Path(out) / "audit" / result.scenario.name
    base = default_folder_name(result)
    target, k = root / base, 1
    while target.exists():
        k += 1
        target = root / f"{base}-{k}"
    with atomic_dir(target) as tmp:
        write_parquet(result.inputs, tmp / "inputs.parquet")
        write_parquet(result.moves, tmp / "moves.parquet")
        write_parquet(result.outcomes, tmp / "outcomes.parquet")
        write_parquet(result.freeze, tmp / "freeze.parquet")
        (tmp / "moves.md").write_text(moves_markdown(result.moves) + "\n", encoding="utf-8")
        (tmp / "report.md").write_text(report_markdown(result), encoding="utf-8")
        meta = {
            "scenario": result.scenario.name, "scenario_file": str(result.scenario.path),
            "scenario_sha256": result.scenario.sha256, "seeds": result.seeds, **result.settings,
            "decisive_shift": DECISIVE_SHIFT, "command": command or [], "versions": package_versions(), **git_state(),
        }  # fmt: skip
        write_json(meta, tmp / "metadata.json")
    return target


def terminal_summary(result: AuditResult, where: Path) -> str:
    """A few lines for the terminal: where the report is, the inputs that decide exits, the freeze result."""
    moves = result.moves
    lines = [f"{where}: report.md, moves.md and the Parquet tables ({len(result.inputs)} inputs, "
             f"{result.settings['runs']} runs, {result.settings['seconds']:.0f} s)"]  # fmt: skip
    deciders = moves[moves.decides_exit.astype(bool)] if len(moves) else moves
    lines.append(f"  inputs that decide an exit: {deciders.input.nunique()}")
    for r in deciders.head(12).itertuples():
        lines.append(f"    {r.state:<5} exit {r.baseline} -> {r.audited} without {r.label[:70]} ({r.verdict})")
    if result.settings["freeze_year"] is not None and not result.freeze.empty:
        exits = result.freeze[(result.freeze.outcome == "exit_year") & result.freeze.followed]
        summary = ", ".join(f"{code} {_median_text(g.year_frozen)}" for code, g in exits.groupby("code", sort=False))
        lines.append(f"  frozen after {result.settings['freeze_year']} (median exit): {summary}")
    return "\n".join(lines)
