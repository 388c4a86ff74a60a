"""Drivers: yearly schedules and dated events. They set causes, never outcomes.

Schedules give, for every year, the movement's ``reach`` (the means to enforce abroad: the Red Army in Europe from
1944-45), each state's ideological ``commitment``, ``monopoly_pressure``, ``emigration`` (the yearly share of its
privately opposed citizens able to leave), ``war`` (0..1: the burden of a war the state fights against outside forces
or an armed insurgency backed by outside powers, Afghanistan 1979-89 for the USSR), ``debt`` (0..1: the burden of
servicing Western hard-currency debt once Western lenders stopped new credit in 1980-82; it costs performance,
``debt_performance``) and ``aid`` (the economic and
military aid the centre's host state has pledged it, 0..1: 0 none, 1 a regime whose economy and defence rest on it, as
Cuba's on Soviet oil, credits and sugar purchases in the 1980s; default 0; what is paid is the host's decision,
:mod:`sim.mechanisms.enforcement`). The centre's ``hegemony`` and ``tolerance`` are decided each year by the hegemon's
leadership (:mod:`sim.mechanisms.enforcement`); a schedule of them is a laboratory's lever. Aid is a cause, like
Soviet dependence v but without troops: it pulls the recipient's alignment toward the centre, weakens the pull of
ideological distance and gives the centre leverage over an admonished party
(:func:`sim.mechanisms.movement.soviet_reliance`), and it adds to the recipient's economic performance
(``aid_performance``); it never enables an intervention. Events are dated causes (a leader of a given kind, and
optionally its belief in the goal, takes over; an institution is founded or dissolved, a doctrine is proclaimed, a
policy or party rule is adopted, an army occupies, an elected coalition forms, a coup happens, a party is renamed, a
free election is held). What follows from them (status, features) is computed by the mechanisms. Kinds: ``leader``,
``institution``, ``doctrine``, ``policy``, ``party_rule``, ``occupation`` and ``withdrawal`` (of foreign troops:
Soviet dependence up or down), ``coalition``, ``coup`` (ends free elections and bans the party), ``ban`` (bans the
party, elections go on), ``rename``, ``election`` (restores free elections and legalises banned parties).
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sim.mechanisms import leadership, takeover
from sim.schema import DRIVER_DEFAULTS, EventSpec, ScenarioSpec
from sim.timeline import Schedule
from sim.vocab import INSTITUTIONS, Doctrine, EventKind, LeaderKind, Phase

if TYPE_CHECKING:
    from sim.model import CommunistWorld


GLOBAL_DRIVERS = ("hegemony", "tolerance", "reach")
"""Driver variables of the whole movement (the others are per state)."""


class Drivers:
    """All schedules and events of a scenario, applied to the model year by year."""

    def __init__(self, spec: ScenarioSpec):
        self.global_schedules: dict[str, Schedule] = {}
        self.state_schedules: dict[str, dict[str, Schedule]] = defaultdict(dict)
        for s in spec.drivers.schedules:
            schedule = Schedule.from_spec(s)
            if s.variable in GLOBAL_DRIVERS:
                self.global_schedules[s.variable] = schedule
            else:
                for code in s.states:
                    self.state_schedules[s.variable][code] = schedule
        self.population = {s.code: Schedule(list(s.population_points)) for s in spec.states if s.population_points}
        self.events: dict[int, list[EventSpec]] = defaultdict(list)
        for e in spec.drivers.events:
            self.events[e.year].append(e)

    def value(self, variable: str, year: int, state: str | None = None) -> float:
        """A driver's value in ``year`` (for ``state`` where the driver is per state)."""
        if variable in self.global_schedules:
            return self.global_schedules[variable](year)
        per_state = self.state_schedules.get(variable, {})
        schedule = per_state.get(state or "*") or per_state.get("*")
        return schedule(year) if schedule is not None else DRIVER_DEFAULTS[variable]

    def scheduled(self, variable: str) -> bool:
        """Whether the scenario schedules a movement-wide driver (``hegemony`` or ``tolerance`` as a laboratory's
        lever: :mod:`sim.mechanisms.enforcement` then leaves it to the schedule)."""
        return variable in self.global_schedules

    def apply_schedules(self, model: CommunistWorld, year: int) -> None:
        """Set this year's scheduled hegemony and tolerance (a laboratory's levers) on the (non-rival) centres, and
        the per-state drivers (commitment, monopoly pressure, emigration, the aid pledged, war, debt)."""
        for centre in model.centres:
            if not centre.rival:
                for variable in ("hegemony", "tolerance"):
                    if self.scheduled(variable):
                        setattr(centre, variable, self.value(variable, year))
        for state in model.states:
            if state.code in self.population:
                state.population = self.population[state.code](year)
            state.commitment = self.value("commitment", year, state.code)
            state.monopoly_pressure = self.value("monopoly_pressure", year, state.code)
            state.emigration = self.value("emigration", year, state.code)
            state.aid_pledged = self.value("aid", year, state.code)
            state.aid = state.aid_pledged  # the enforcement step sets what is paid
            state.war = self.value("war", year, state.code)
            state.debt = self.value("debt", year, state.code)

    def apply_events(self, model: CommunistWorld, year: int) -> None:
        """Fire this year's dated events, in file order."""
        for event in self.events.get(year, []):
            apply_event(model, event)


def init(world: CommunistWorld) -> None:
    """The start year's schedules and dated events."""
    world.drivers.apply_schedules(world, world.year)
    world.drivers.apply_events(world, world.year)


def step(world: CommunistWorld) -> None:
    """This year's schedules (hegemony, tolerance, per-state drivers), then its dated events in file order."""
    world.drivers.apply_schedules(world, world.year)
    world.drivers.apply_events(world, world.year)


def apply_event(model: CommunistWorld, event: EventSpec) -> None:
    """Apply one dated cause to the model (see the module docstring for the kinds)."""
    year = model.year
    state = model.state_by_code[event.state] if event.state else None
    note = f" ({event.note})" if event.note else ""
    kind = event.kind
    if kind == "leader":
        party = state.communist
        if party is None:
            return
        leader = leadership.install_leader(
            party,
            LeaderKind(str(event.value)),
            year,
            name=event.name,
            until_replaced=True,
            belief=event.belief,
            born=event.born,
            health=event.health,
        )
        state.note(f"{leader.describe()} took over{note}")
        model.log.record(year, state.code, EventKind.LEADER, f"{party.name}: {leader.describe()} takes over{note}")
    elif kind == "institution":
        phase = INSTITUTIONS[str(event.value)]
        for centre in model.centres:
            if not centre.rival:
                centre.phase = Phase(phase)
        model.log.record(year, "", EventKind.INSTITUTION, f"{str(event.value).replace('_', ' ')}{note}")
    elif kind == "doctrine":
        for centre in model.centres:
            if not centre.rival:
                centre.doctrine = Doctrine(str(event.value))
        model.log.record(year, "", EventKind.DOCTRINE, f"doctrine: {str(event.value).replace('_', ' ')}{note}")
    elif kind == "policy":
        party = state.party_in_office
        if party is None:
            return
        if event.value == "market_opening":  # private trade and small enterprise legalised (NEP)
            party.market = max(party.market, model.params.market_opening_market)
            party.private = max(party.private, model.params.market_opening_private)
        else:  # command_drive: collectivisation and the plan
            party.market = 0.0
            party.private = 0.0
        state.note(f"{str(event.value).replace('_', ' ')} policy{note}")
        model.log.record(
            year, state.code, EventKind.POLICY, f"{state.name}: {str(event.value).replace('_', ' ')}{note}"
        )
    elif kind == "party_rule":
        party = state.communist
        if party is None:
            return
        party.centralism = min(1.0, party.centralism + model.params.party_rule_centralism)
        state.note(f"{str(event.value).replace('_', ' ')}{note}")
        model.log.record(
            year, state.code, EventKind.PARTY_RULE, f"{party.name}: {str(event.value).replace('_', ' ')}{note}"
        )
    elif kind == "occupation":
        for code in event.states:
            occupied = model.state_by_code[code]
            occupied.soviet_dependence = max(occupied.soviet_dependence, float(event.value))
        model.log.record(year, "", EventKind.OCCUPATION, f"occupation of {', '.join(event.states)}{note}")
    elif kind == "withdrawal":
        for code in event.states:
            left = model.state_by_code[code]
            left.soviet_dependence = min(left.soviet_dependence, float(event.value))
        model.log.record(
            year, "", EventKind.WITHDRAWAL, f"foreign troops withdraw from {', '.join(event.states)}{note}"
        )
    elif kind == "coalition":
        takeover.join_coalition(state, note)
    elif kind == "coup":
        takeover.coup(state, note)
    elif kind == "ban":
        takeover.ban(state, note)
    elif kind == "rename":
        party = model.party_by_code[event.party]
        party.rename(year, str(event.value))
        model.log.record(year, party.state.code, EventKind.RENAME, f"{party.names[-2][1]} renamed {party.name}{note}")
    elif kind == "election":
        takeover.restore_elections(state, note)
