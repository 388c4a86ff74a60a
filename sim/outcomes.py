"""The sweep's scalar outcomes: each computed from one finished run's collected tables, declared once.

Each :class:`Outcome` (``communist:1990``, ``exit_year:*``, ``peak_dissent``, ...) has its argument, its validation,
its computation and its help text, used by the sweep spec's validation, by :func:`compute_outcomes` and by
``sim sweep --help``. Adding an outcome is one entry in :data:`OUTCOMES`. The model's own reporters (table columns
and series) are in :mod:`sim.observe`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Literal

import numpy as np

if TYPE_CHECKING:
    from sim.model import CommunistWorld
    from sim.scenario import Scenario


class OutcomeError(ValueError):
    """An outcome name that the registry does not know, or whose argument does not fit the scenario."""


@dataclass(frozen=True)
class RunView:
    """What the outcomes of one finished run are computed from (read once from the model's collected data)."""

    years: np.ndarray  # the collected years
    model: dict[str, np.ndarray]  # model series by name
    state_year: np.ndarray
    state_code: np.ndarray
    state_status: np.ndarray
    public_dissent: np.ndarray
    event_kinds: Counter[str]  # number of events of each kind

    @classmethod
    def of(cls, model: CommunistWorld) -> RunView:
        """The view of a finished model (its ``states`` table must have been collected)."""
        dc = model.datacollector
        states, events = dc.tables["states"], dc.tables["events"]
        return cls(
            np.asarray(dc.model_vars["year"]),
            {name: np.asarray(values) for name, values in dc.model_vars.items()},
            np.asarray(states["year"]),
            np.asarray(states["code"], dtype=object),
            np.asarray(states["status"], dtype=object),
            np.asarray(states["public_dissent"], dtype=float),
            Counter(events["kind"]),
        )


Argument = Literal["year", "state", "optional state", "none"]


@dataclass(frozen=True)
class Outcome:
    """A scalar outcome of a run, as a sweep spec names it (``communist:1990``, ``exit_year:*``, ``splits``).

    Attributes:
        name: the part before the colon.
        argument: ``year`` (NAME:YEAR), ``state`` (NAME:CODE, or NAME:* for every state with an entry year),
            ``optional state`` (NAME or NAME:CODE) or ``none`` (NAME).
        help: one line for the help text.
        compute: a module-level function ``(view, arg) -> float`` (``arg`` the text after the colon, '' if none).
    """

    name: str
    argument: Argument
    help: str
    compute: Callable[[RunView, str], float]

    @property
    def usage(self) -> str:
        """How a spec writes it."""
        return {
            "year": f"{self.name}:YEAR",
            "state": f"{self.name}:CODE or {self.name}:*",
            "optional state": f"{self.name} or {self.name}:CODE",
            "none": self.name,
        }[self.argument]

    def expand(self, arg: str, scenario: Scenario, last_year: int) -> list[str]:
        """The outcome names this one stands for in ``scenario`` run to ``last_year`` (``*`` becomes one per state).

        Raises:
            OutcomeError: the argument does not fit (a year outside the run, an unknown state, a missing argument).
        """
        info = scenario.spec.scenario
        codes = [s.code for s in scenario.spec.states]
        written = f"{self.name}:{arg}" if arg else self.name
        if self.argument == "year":
            if not arg.isdigit() or not info.start_year <= int(arg) <= last_year:
                raise OutcomeError(
                    f"{written!r}: expected {self.name}:YEAR with a year in {info.start_year}-{last_year}"
                )
            return [written]
        if self.argument == "none" or (self.argument == "optional state" and not arg):
            if arg:
                raise OutcomeError(f"{written!r}: {self.name} takes no argument")
            return [written]
        if not arg:
            raise OutcomeError(f"{written!r}: expected {self.usage}")
        if arg == "*" and self.argument == "state":
            return [f"{self.name}:{s.code}" for s in scenario.spec.states if s.entry_year is not None]
        if arg not in codes:
            raise OutcomeError(f"{written!r}: the scenario has no state {arg!r} (states: {', '.join(codes)})")
        return [written]


def _states_with(view: RunView, arg: str, status: Sequence[str]) -> float:
    year = int(arg)
    if year not in set(view.years.tolist()):
        return math.nan
    return float(np.isin(view.state_status[view.state_year == year], status).sum())


def _members_in(view: RunView, arg: str) -> float:
    year = int(arg)
    if year not in set(view.years.tolist()):
        return math.nan
    return float(view.model["members"][view.years == year][0])


def _exit_year(view: RunView, arg: str) -> float:
    mask = view.state_code == arg
    years, status = view.state_year[mask], view.state_status[mask]
    was = np.maximum.accumulate(status == "communist")
    left = np.flatnonzero(was & (status == "non_communist"))
    return float(years[left[0]]) if left.size else math.nan


def _peak_dissent(view: RunView, arg: str) -> float:
    values = view.public_dissent[view.state_code == arg] if arg else view.public_dissent
    return float(values.max()) if values.size else math.nan


def _events(kinds: tuple[str, ...], view: RunView, arg: str) -> float:
    return float(sum(view.event_kinds[k] for k in kinds))


OUTCOMES: dict[str, Outcome] = {
    o.name: o
    for o in (
        Outcome("communist", "year", "states communist in that year", partial(_states_with, status=("communist",))),
        Outcome("hybrid", "year", "states hybrid in that year", partial(_states_with, status=("hybrid",))),
        Outcome(
            "non_communist",
            "year",
            "states non_communist in that year",
            partial(_states_with, status=("non_communist",)),
        ),
        Outcome(
            "ruled",
            "year",
            "states communist or hybrid in that year",
            partial(_states_with, status=("communist", "hybrid")),
        ),
        Outcome("members", "year", "real members of all Communist parties in that year", _members_in),
        Outcome(
            "exit_year",
            "state",
            "first year a state that was communist becomes non_communist; NaN if never",
            _exit_year,
        ),
        Outcome("peak_dissent", "optional state", "highest public dissent, of one state or of all", _peak_dissent),
        Outcome("splits", "none", "splits and expulsions", partial(_events, ("split", "expulsion"))),
        Outcome("interventions", "none", "military interventions of a centre", partial(_events, ("intervention",))),
        Outcome("crises", "none", "mass protests met by a regime", partial(_events, ("crisis",))),
        Outcome("concessions", "none", "regimes conceding to mass protest", partial(_events, ("concession",))),
    )
}
"""The sweep's scalar outcomes by name."""


def outcome_help() -> str:
    """Every outcome a sweep spec can name, with what it measures (error messages, ``sim sweep --help``, docs)."""
    return "; ".join(f"{o.usage} ({o.help})" for o in OUTCOMES.values())


OUTCOME_HELP = outcome_help()
"""The outcomes' help text (:func:`outcome_help` when the registry was loaded)."""


def expand_outcome(written: str, scenario: Scenario, last_year: int) -> list[str]:
    """The outcome names ``written`` (as in a sweep spec) stands for; raises :class:`OutcomeError` if unknown."""
    name, _, arg = written.partition(":")
    if name not in OUTCOMES:
        raise OutcomeError(f"unknown outcome {written!r}; outcomes: {outcome_help()}")
    return OUTCOMES[name].expand(arg, scenario, last_year)


def compute_outcomes(view: RunView, names: Sequence[str]) -> dict[str, float]:
    """The value of each (expanded) outcome name on one run."""
    out: dict[str, float] = {}
    for written in names:
        name, _, arg = written.partition(":")
        out[written] = OUTCOMES[name].compute(view, arg)
    return out
