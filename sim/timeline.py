"""A yearly schedule of a driver: piecewise-linear (or step) between dated points.

Its own module, with no other import of the project, so that the model's drivers (:mod:`sim.drivers`) and the rule for
dated inputs (:mod:`sim.causal_rule`) read schedules the same way without importing each other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.schema import ScheduleSpec


class Schedule:
    """A yearly schedule: piecewise-linear (or step) between ``(year, value)`` points, flat outside them."""

    def __init__(self, points: list[tuple[int, float]], interpolation: str = "linear"):
        self.years = np.array([y for y, _ in points], dtype=float)
        self.values = np.array([v for _, v in points], dtype=float)
        self.interpolation = interpolation
        self._by_year: dict[int, float] = {}  # a schedule is read every year by every model: each year computed once

    @classmethod
    def from_spec(cls, spec: ScheduleSpec) -> Schedule:
        """Build from a validated ``[[drivers.schedules]]`` entry."""
        return cls(list(spec.points), spec.interpolation)

    def __call__(self, year: int) -> float:
        """The value in ``year``."""
        value = self._by_year.get(year)
        if value is None:
            if self.interpolation == "step":
                i = np.searchsorted(self.years, year, side="right") - 1
                value = float(self.values[max(i, 0)])
            else:
                value = float(np.interp(year, self.years, self.values))
            self._by_year[year] = value
        return value
