"""One browser session's runs: the model (and a what-if's), every year kept, and the year the page shows.

The page never reads a model directly: it shows :class:`~sim.viz.YearRecord` objects kept here, one per simulated
year, so a user can scrub back to any year already simulated, and Pause can hold exactly the year on screen even
when the simulation has gone one year further. Stepping forward first walks through kept years, then simulates.
A what-if variant runs in lockstep with the baseline from the same seed (common random numbers).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sim import viz
from sim.model import CommunistWorld
from sim.scenario import Scenario


@dataclass
class World:
    """One simulated world: its model and the record of each year simulated so far (index 0: the start year)."""

    model: CommunistWorld
    records: list[viz.YearRecord] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.records.append(viz.record(self.model))

    @property
    def latest(self) -> int:
        """The last year simulated."""
        return self.records[-1].year

    def at(self, year: int) -> viz.YearRecord:
        """The record of ``year`` (clamped to the years simulated)."""
        first = self.records[0].year
        return self.records[max(0, min(year - first, len(self.records) - 1))]

    def step(self) -> bool:
        """Simulate one more year; False when the run was already over."""
        if not self.model.running:
            return False
        self.model.step()
        self.records.append(viz.record(self.model))
        return True


class Session:
    """A browser session's baseline world, optional what-if world and shown year, guarded by one lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.base: World | None = None
        self.variant: World | None = None
        self.shown: int = 0
        self.play_token: object | None = None  # the running play loop's token; None stops it

    def build(self, scenario: Scenario, seed: int, overrides: dict, variant: Scenario | None = None) -> World:
        """Fresh worlds for a scenario (and a variant of it) with the same seed; shows the start year."""
        base = World(CommunistWorld(scenario, rng=seed, **overrides))
        other = World(CommunistWorld(variant, rng=seed, **overrides)) if variant is not None else None
        with self.lock:
            self.base, self.variant, self.shown = base, other, base.latest
        return base

    def close(self) -> None:
        """Drop the models and their records (the session has ended)."""
        with self.lock:
            self.base = self.variant = None

    @property
    def first(self) -> int:
        """The run's first year."""
        return self.base.records[0].year if self.base else 0

    @property
    def last(self) -> int:
        """The run's last year."""
        return self.base.model.end_year if self.base else 0

    def simulate_to(self, year: int) -> int:
        """Simulate (both worlds) until ``year`` has been simulated or the run is over; the latest year."""
        with self.lock:
            if self.base is None:
                return 0
            while self.base.latest < year and self.base.step():
                if self.variant is not None:
                    self.variant.step()
            return self.base.latest

    def show(self, year: int) -> int:
        """Show ``year`` (simulating up to it when needed, clamped to the run); the year shown."""
        with self.lock:
            if self.base is None:
                return 0
            latest = self.simulate_to(year)
            self.shown = max(self.first, min(year, latest))
            return self.shown

    def step(self) -> bool:
        """Show the next year; False when the run is over (nothing changes then)."""
        with self.lock:
            if self.base is None or not self.can_step:
                return False
            self.show(self.shown + 1)
            return True

    @property
    def can_step(self) -> bool:
        """Whether a next year exists (kept or still to simulate)."""
        return self.base is not None and (self.shown < self.base.latest or bool(self.base.model.running))

    def records(self, year: int | None = None) -> tuple[viz.YearRecord | None, viz.YearRecord | None]:
        """The baseline's and the variant's records of ``year`` (default: the year shown)."""
        with self.lock:
            if self.base is None:
                return None, None
            year = self.shown if year is None else year
            return self.base.at(year), self.variant.at(year) if self.variant is not None else None

    def history(self, until: int | None = None) -> list[viz.YearRecord]:
        """The baseline's records from the start to ``until`` (default: the year shown)."""
        with self.lock:
            if self.base is None:
                return []
            until = self.shown if until is None else until
            return self.base.records[: until - self.first + 1]
