"""Running a scenario for one or more replicates and gathering the collected tables.

Replicate ``i`` of a run with seed ``s`` uses seed ``s + i``, so any replicate can be rerun alone with
``sim run SCENARIO --seed s+i``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.model import CommunistWorld
from sim.scenario import Scenario, ScenarioError, load

TABLES = ("model", "states", "parties", "events", "elections")
SEED_LIMIT = 2**63
"""Seeds are integers in [0, 2**63): exact in every int64 column."""


def check_seeds(seed: int, replicates: int = 1, source: str = "--seed") -> None:
    """Refuse a seed that is not an integer, or a seed range ``seed .. seed + replicates - 1`` outside
    [0, 2**63) (so that every table holds the seeds as exact int64 integers, all distinct).

    Raises:
        ScenarioError: naming ``source`` and the range expected.
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ScenarioError(f"{source} {seed!r}: expected an integer in [0, 2**63)")
    if replicates < 1:
        raise ScenarioError(f"--replicates {replicates}: expected at least 1")
    if seed < 0 or seed + replicates - 1 >= SEED_LIMIT:
        last = f" (with {replicates} replicates the last seed is {seed + replicates - 1})" if replicates > 1 else ""
        raise ScenarioError(f"{source} {seed}: expected an integer in [0, 2**63 - {replicates}]{last}")


@dataclass
class RunResult:
    """The tables of a run (all replicates stacked, with ``seed`` and ``replicate`` columns) and what made them."""

    scenario: Scenario
    seed: int
    replicates: int
    until: int
    overrides: dict[str, Any] = field(default_factory=dict)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def seeds(self) -> list[int]:
        """Seed of each replicate."""
        return [self.seed + i for i in range(self.replicates)]

    def plot_status(self, ax=None):
        """States by status and year (median and band across replicates): :func:`sim.plots.plot_status`."""
        from sim.plots import plot_status

        return plot_status(self.frames["states"], ax, self.scenario.spec.scenario.title or self.scenario.name)

    def plot_features(self, code: str):
        """The six feature indicators of state ``code`` against their thresholds: :func:`sim.plots.plot_features`."""
        from sim.plots import plot_features, thresholds_of

        return plot_features(self.frames["states"], code, thresholds_of(self.scenario, self.overrides))


def model_frames(model: CommunistWorld, seed: int, replicate: int) -> dict[str, pd.DataFrame]:
    """The four tables of one finished model, each with ``seed`` and ``replicate`` as leading columns."""
    frames = {
        "model": model.datacollector.get_model_vars_dataframe().reset_index(drop=True),
        "states": model.table("states"),
        "parties": model.table("parties"),
        "events": model.table("events"),
        "elections": model.table("elections"),
    }
    for name, frame in frames.items():
        frame.insert(0, "replicate", replicate)
        frame.insert(0, "seed", seed)
        frames[name] = frame
    return frames


def run_model(
    scenario: Scenario, seed: int, until: int | None = None, overrides: Mapping[str, Any] | None = None
) -> CommunistWorld:
    """Build and run one model to ``until`` (default: the scenario's end year)."""
    model = CommunistWorld(scenario, rng=seed, **dict(overrides or {}))
    return model.run(until)


def run(
    scenario: str | Path | Scenario,
    seed: int = 0,
    replicates: int = 1,
    until: int | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
    on_replicate: Callable[[int, CommunistWorld], None] | None = None,
) -> RunResult:
    """Run ``replicates`` replicates of a scenario (seeds ``seed``, ``seed+1``, ...) and stack their tables.

    Raises:
        ScenarioError: the scenario, the overrides or ``until`` are invalid (raised before anything runs).
    """
    loaded = load(scenario).with_overrides(dict(overrides or {}))
    info = loaded.spec.scenario
    if until is not None and not info.start_year < until <= info.end_year:
        raise ScenarioError(
            f"{loaded.path or loaded.name}: --until {until}: expected a year in {info.start_year + 1}-{info.end_year}"
        )
    check_seeds(seed, replicates)
    result = RunResult(loaded, seed, replicates, until or info.end_year, dict(overrides or {}))
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in TABLES}
    iterator = range(replicates)
    if progress:
        from sim.console import progress_bar

        iterator = progress_bar(iterator, desc=f"{loaded.name}", unit="replicate", leave=False)
    for i in iterator:
        model = run_model(loaded, seed + i, until)
        if on_replicate is not None:
            on_replicate(i, model)
        for name, frame in model_frames(model, seed + i, i).items():
            parts[name].append(frame)
    result.frames = {name: pd.concat(frames, ignore_index=True) for name, frames in parts.items()}
    return result
