"""Leaders are people: an age, a health, and a time in office that ends by death, retirement or removal.

- **Age.** A leader has a birth year ``born``: a ``leader`` event gives it where the sources do; otherwise the age
  at taking office is drawn (:func:`draw_birth_year`, stream ``leader_age/<party>``),

      age ~ Normal(leader_age_mean, leader_age_sd) clipped to [leader_age_min, leader_age_max], born = year - age,

  whose parameters are the ages at taking office of the historical scenario's named leaders.
- **Death** (Gompertz 1825): a leader aged x = year - born dies within the year with probability
  1 - exp(-mu), mu(x) = health * m60 * exp(b (x - 60)) (:func:`death_hazard`; m60 = ``leader_mortality_60``,
  b = ``leader_mortality_slope``; ``health`` > 0 is a driver's input, 1 by default: Andropov's kidney failure).
- **Retirement**: with probability 1 - exp(-rho), rho(x) = ``retirement_rate`` * max(0, x - ``retirement_age``)
  (:func:`retirement_hazard`). Both are drawn every year for every ruling party's leader (stream
  ``leader_exit/<party>``, two uniforms a year, so a what-if keeps its draws aligned with the baseline).
- **Dated successions.** A leader named by a driver serves until the next ``leader`` event of its state when the
  scenario dates one (``Leader.dated_until``, :func:`next_dated_succession`): until then it neither dies, retires
  nor is removed (the date is the input: "Stalin dies 1953"). A named leader with no later dated succession (the
  last of the history, or one whose successor a what-if removed) has no regular term and is subject to death,
  retirement and removal like any leader. Drawn and mechanism-installed leaders keep their terms as well. No
  leader leaves office in the year it took it (:func:`held_by_date`: the choice of a leader takes effect).
- **Removal in a crisis** (:func:`palace_coup` and :func:`fall_after_concession`, called by
  :func:`sim.mechanisms.crisis.crisis_response`): with P the party's personalism and shield = 1 -
  ``personalism_shield`` P (a personal dictator has purged the oligarchy that could remove him), the Politburo
  removes a leader not held by a date at the start of a crisis, before any order to fire, with probability
  ``crisis_removal`` * shield * (1 - support), support being a reformer's backing in its top ranks
  (:func:`sim.mechanisms.leadership.reform_support`; 0 for an orthodox leader, whom a Politburo sacrifices: Zhivkov
  1989). After a failed crackdown that ends in a concession the leader did not want, the leader goes: removed by
  the Politburo with probability shield, otherwise overthrown when the army, which would not fire, defects
  (Romania, December 1989).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.vocab import LeaderExit

if TYPE_CHECKING:
    import numpy as np

    from sim.agents import PartyAgent
    from sim.mechanisms.leadership import Leader
    from sim.model import CommunistWorld
    from sim.params import Parameters

LEADER_EVENT = "leader"
"""The kind of dated event that names a party's leader (``[[drivers.events]] kind``)."""
REFERENCE_AGE = 60
"""The age at which ``leader_mortality_60`` gives the death hazard (the unit of that parameter)."""


def draw_birth_year(party: PartyAgent, year: int, params: Parameters) -> int:
    """A birth year for a leader of ``party`` taking office in ``year`` whose birth year is not given:
    year - clip(round(Normal(leader_age_mean, leader_age_sd)), leader_age_min, leader_age_max)."""
    rng = party.model.streams(f"leader_age/{party.code}")
    age = round(rng.normal(params.leader_age_mean, params.leader_age_sd))
    return year - min(max(age, params.leader_age_min), params.leader_age_max)


def next_dated_succession(world: CommunistWorld, state_code: str, year: int) -> int | None:
    """The year of the scenario's next ``leader`` event in ``state_code`` after ``year`` (None if it dates none)."""
    later = [
        when
        for when, events in world.drivers.events.items()
        if when > year and any(e.kind == LEADER_EVENT and e.state == state_code for e in events)
    ]
    return min(later, default=None)


def held_by_date(leader: Leader | None, year: int) -> bool:
    """Whether ``leader`` is held in office this year: it took office this year (whoever chose it, the choice takes
    effect), or it is named and the scenario's next dated succession is still to come."""
    if leader is None:
        return False
    return year <= leader.since or (leader.dated_until is not None and year < leader.dated_until)


def death_hazard(age: float, health: float, params: Parameters) -> float:
    """Gompertz force of mortality: mu = health * leader_mortality_60 * exp(leader_mortality_slope (age - 60))."""
    return health * params.leader_mortality_60 * math.exp(params.leader_mortality_slope * (age - REFERENCE_AGE))


def retirement_hazard(age: float, params: Parameters) -> float:
    """rho = retirement_rate * max(0, age - retirement_age)."""
    return params.retirement_rate * max(0.0, age - params.retirement_age)


def exit_by_age(leader: Leader, year: int, rng: np.random.Generator, params: Parameters) -> LeaderExit | None:
    """Whether the leader dies (chance 1 - exp(-mu)) or else retires (1 - exp(-rho)) this year; never while it is
    held in office (:func:`held_by_date`). Two uniforms are drawn every call, whatever the outcome."""
    dies, retires = rng.random(), rng.random()
    if held_by_date(leader, year):
        return None
    age = year - leader.born
    if dies < -math.expm1(-death_hazard(age, leader.health, params)):
        return LeaderExit.DIED
    if retires < -math.expm1(-retirement_hazard(age, params)):
        return LeaderExit.RETIRED
    return None


def apparatus_shield(party: PartyAgent, params: Parameters) -> float:
    """1 - personalism_shield * P: how far the party's own apparatus can still remove its leader."""
    return 1.0 - params.personalism_shield * party.personalism


def palace_coup(party: PartyAgent, draw: float, params: Parameters, support: float = 0.0) -> LeaderExit | None:
    """Whether the Politburo removes the leader at the start of a crisis, before any order to fire: with
    probability ``crisis_removal`` * shield * (1 - support), ``draw`` being the uniform for it. ``support`` is the
    share of the top ranks behind the leader's course (a reformer's own Politburo keeps him). A leader held by a
    dated succession is not removed."""
    if held_by_date(party.leader, party.model.year):
        return None
    removed = draw < params.crisis_removal * apparatus_shield(party, params) * (1.0 - support)
    return LeaderExit.PALACE if removed else None


def fall_after_concession(party: PartyAgent, draw: float, params: Parameters) -> LeaderExit | None:
    """How a leader whose crackdown failed goes after the concession it did not want: removed by the Politburo
    with probability shield (``draw`` the uniform for it), otherwise overthrown when the army defects."""
    if held_by_date(party.leader, party.model.year):
        return None
    return LeaderExit.POLITBURO if draw < apparatus_shield(party, params) else LeaderExit.ARMY


def departure(leader: Leader, why: LeaderExit, year: int) -> str:
    """The leader's exit in words: ``"a reformer leader Gorbachev (since 1985) retired (aged 79)"``."""
    return f"{leader.describe()} {why.phrase} (aged {year - leader.born})"
