"""Running a model by calendar years, and saving and loading a model part-way through a run.

Mesa counts time from 0 (``model.time`` is the number of years since the start year), so Mesa's own
``run_until(1927)`` on a world that starts in 1917 would step 1927 times, to the year 3844. :class:`Lifecycle`,
mixed into :class:`~sim.model.CommunistWorld`, makes ``run_until`` take a calendar year and keeps ``run_until`` and
``run_for`` inside the scenario's years (a clear error otherwise). A model pickles (its reporters are module-level
functions, :mod:`sim.observe`), so ``model.save(path)`` writes it and ``CommunistWorld.load(path)`` resumes it: a
run saved in year Y, loaded and run on gives the same tables as the uninterrupted run.
"""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from typing import Any, Self

SAVE_FORMAT = 1
"""Version of the saved-model file (a pickled mapping: format, class name, model)."""


class Lifecycle:
    """Calendar-year running and save/load for a Mesa model with ``year``, ``start_year`` and ``end_year``."""

    year: int
    start_year: int
    end_year: int

    def _check_year(self, call: str, year: Any) -> int:
        if isinstance(year, bool) or not float(year).is_integer():
            raise TypeError(f"{call}: expected a whole calendar year (got {year!r})")
        year = int(year)
        if not self.start_year <= year <= self.end_year:
            raise ValueError(
                f"{call}: expected a calendar year in {self.start_year}-{self.end_year} (the scenario's years; "
                "this model counts calendar years, not Mesa's steps from 0: use run_for(n) to run n years)"
            )
        return year

    def run_until(self, end_time: int) -> None:
        """Run until the calendar year ``end_time`` (its step included); a past year warns and does nothing.

        Raises:
            ValueError: ``end_time`` is outside the scenario's years (a step count, such as 10, is refused).
            TypeError: ``end_time`` is not a whole number.
        """
        year = self._check_year(f"run_until({end_time!r})", end_time)
        if year < self.year:
            warnings.warn(f"run_until({year}): the model is already in {self.year}", RuntimeWarning, stacklevel=2)
            return
        super().run_until(year - self.start_year)  # Mesa's time: years since the start

    def run_for(self, duration: int) -> None:
        """Run ``duration`` more years.

        Raises:
            ValueError: the run would go past the scenario's end year, or ``duration`` is negative.
        """
        if isinstance(duration, bool) or not float(duration).is_integer() or duration < 0:
            raise ValueError(f"run_for({duration!r}): expected a whole number of years >= 0")
        self._check_year(f"run_for({duration!r}) from {self.year}", self.year + int(duration))
        super().run_for(int(duration))

    def save(self, path: str | Path) -> Path:
        """Write the whole model (agents, random streams, collected data) to ``path``; returns the path.

        The file is written under a temporary name and renamed, so ``path`` is either the old file or the whole new
        one. Load it with :meth:`load` (the same code version: a saved model is a pickle).
        """
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            with tmp.open("wb") as f:
                pickle.dump({"format": SAVE_FORMAT, "class": type(self).__name__, "model": self}, f, protocol=5)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return path

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """A model saved with :meth:`save`, ready to run on.

        Raises:
            ValueError: the file is not a saved model of this class (or of another save format).
        """
        path = Path(path)
        try:
            with path.open("rb") as f:
                saved = pickle.load(f)
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            raise ValueError(f"{path}: not a saved model ({type(exc).__name__}: {exc})") from None
        if not isinstance(saved, dict) or saved.get("format") != SAVE_FORMAT:
            raise ValueError(f"{path}: not a saved model of format {SAVE_FORMAT}")
        model = saved.get("model")
        if not isinstance(model, cls):
            raise ValueError(f"{path}: holds a {saved.get('class')}, expected a {cls.__name__}")
        return model
