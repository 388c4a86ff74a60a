"""The model: :class:`CommunistWorld`, one step per year.

Each year, after the year's causes and crisis flags are cleared, the steps of :data:`sim.year.SCHEDULE` run in this
order (generated from it by ``sim docs``; ODD section 3 describes each step):

1. drivers (drivers.step)
2. enforcement (enforcement.step)
3. settlements (settlement.step)
4. borders (borders.step)
5. founding (founding.step)
6. takeovers (takeover.step)
7. economy (economy.step)
8. members (members.step)
9. legitimacy (legitimacy.step)
10. dissent (dissent.step)
11. crisis responses (crisis.step)
12. ruling parties (leadership.step)
13. centres (movement.step)
14. credibility (enforcement.learn)
15. free elections (elections.step)
16. recognition graph (recognition.step)
17. status (events.step)
18. data collection (year.collect)
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mesa
import numpy as np
from mesa.agent import AgentSet
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim import drivers, events, observe, year
from sim.agents import InternationalAgent, MemberAgent, PartyAgent, StateAgent
from sim.drivers import Drivers
from sim.events import EVENT_COLUMNS, EventLog
from sim.features import Status, Thresholds
from sim.lifecycle import Lifecycle
from sim.mechanisms import (
    economy,
    enforcement,
    founding,
    leadership,
    legitimacy,
    movement,
    recognition,
    seeding,
    takeover,
)
from sim.params import Parameters
from sim.population import CitizenTable, MemberTable, PartyMembers
from sim.scenario import Scenario, load
from sim.streams import Streams
from sim.vocab import EventKind, Family, Phase, TypeRule

COLLECTED_TABLES = ("states", "parties")
"""The yearly tables a model can collect (events and elections are recorded as they happen)."""


class CommunistWorld(Lifecycle, mesa.Model):
    """An agent-based model of Communist political systems (Brown's six features, recomputed every year).

    Args:
        world: the world to simulate: a scenario name in ``sim/scenarios/`` (``"stylized"``, the default), a path to a
            TOML file, or a loaded :class:`~sim.scenario.Scenario` (also the first positional argument).
        rng: seed or generator for ``model.rng`` (all randomness derives from it).
        scenario: Mesa's own keyword, a :class:`mesa.experimental.scenarios.Scenario` (what Mesa's SolaraViz passes
            on Reset): its ``rng`` seeds the model when ``rng`` is not given, and its other values are overrides
            (below). Anything else is a TypeError: the world goes in ``world``.
        collect: which yearly tables to collect (``"states"``, ``"parties"``; both by default): a sweep that needs only
            statuses can skip the parties table, the costliest to collect. Model series, events and elections are
            always collected.
        collect_every: collect the yearly tables and series every this many years (and always the first and the
            last year); 1 by default.
        **overrides: any parameter (``belief_erosion=0.3``), world key (``end_year``, ``convention``,
            ``member_slots``, ``citizens``) or driver (``hegemony=0.9`` or ``hegemony=[(1945, .9), (1989, .1)]``).

    Attributes:
        year: the current year (the start year before the first step).
        states, parties, communist_parties, centres: the agents, in scenario order.
        members: the member table (all member rows); citizens: the citizen table.
        member_agents: the :class:`~sim.agents.MemberAgent` views of the member rows (Mesa agents, made on first
            use).
        movement: the recognition graph (:class:`~sim.mechanisms.recognition.Movement`).
        log: the event log; datacollector: Mesa's DataCollector (model series; tables states, parties, events).
    """

    def __init__(
        self,
        world: str | Path | Scenario | None = None,
        *,
        rng: Any = None,
        scenario: MesaScenario | None = None,
        collect: Sequence[str] = COLLECTED_TABLES,
        collect_every: int = 1,
        **overrides: Any,
    ):
        if scenario is not None and not isinstance(scenario, MesaScenario):
            raise TypeError(
                f"CommunistWorld(scenario=...): expected Mesa's mesa.experimental.scenarios.Scenario, got "
                f"{type(scenario).__name__} {scenario!r}; give the scenario name, file or loaded Scenario as the "
                "first argument or as world=..."
            )
        if not set(collect) <= set(COLLECTED_TABLES):
            raise ValueError(f"collect: expected a subset of {COLLECTED_TABLES} (got {tuple(collect)})")
        if collect_every < 1:
            raise ValueError(f"collect_every: expected a whole number of years >= 1 (got {collect_every})")
        if scenario is not None:
            overrides = {**{k: v for k, v in scenario if k != "rng"}, **overrides}
            if scenario.rng is None:
                scenario.rng = rng
            elif rng is None:
                rng = scenario.rng
        loaded = load(world).with_overrides(overrides)
        super().__init__(rng=rng, scenario=scenario)
        self.collect_tables = frozenset(collect)
        self.collect_every = int(collect_every)
        self.scenario_file = loaded
        self.spec = loaded.spec
        info = self.spec.scenario
        self.params = Parameters(self.spec.parameter_values())
        self.thresholds = Thresholds.from_params(self.params)
        self.type_rule = TypeRule.from_params(self.params)
        self.convention = info.convention
        self.start_year, self.end_year = info.start_year, info.end_year
        self.year = info.start_year
        self.streams = Streams(self.rng)
        self.drivers = Drivers(self.spec)
        self.elections_due: set[str] = set()  # states holding a free election this year
        self.elections_called: set[str] = set()  # founding elections called this year, held next year
        self.crisis_removals: dict[str, tuple] = {}  # ruling party -> (its leader, how this year's crisis removes it)
        self.datacollector = mesa.DataCollector(
            model_reporters=observe.model_reporters(),
            tables={
                "states": observe.columns(observe.STATE_REPORTERS),
                "parties": observe.columns(observe.PARTY_REPORTERS),
                "events": list(EVENT_COLUMNS),
                "elections": list(observe.ELECTION_COLUMNS),
            },
        )
        self.log = EventLog(self.datacollector)
        self.movement = recognition.Movement()
        self._build_agents()
        self._initialise()

    # -- construction -----------------------------------------------------------------------------------------
    def _build_agents(self) -> None:
        spec, params = self.spec, self.params
        self.states = [StateAgent(self, i, s) for i, s in enumerate(spec.states)]
        self.state_by_code = {s.code: s for s in self.states}
        communist_specs = [p for p in spec.parties if p.family == Family.COMMUNIST]
        slots = [p.slots or spec.resolution.member_slots for p in communist_specs]
        self.members = MemberTable(slots, int(params.career_years), int(params.member_orgs), self.type_rule)
        self.parties: list[PartyAgent] = []
        self.communist_parties: list[PartyAgent] = []
        blocks = iter(self.members.blocks)
        for p in spec.parties:
            state = self.state_by_code[p.state]
            view = PartyMembers(self.members, next(blocks)) if p.family == Family.COMMUNIST else None
            party = PartyAgent(self, p, state, view)
            self.parties.append(party)
            if p.family == Family.COMMUNIST:
                self.communist_parties.append(party)
                state.communist = party
            else:
                state.social_democratic = party
        self.party_by_code = {p.code: p for p in self.parties}
        self._member_agents: AgentSet | None = None  # the MemberAgent views, made on first use
        self.citizens = CitizenTable(
            spec.resolution.citizens,
            len(self.states),
            self.streams("citizens"),
            params.opposition_spread,
            np.array(
                [s.voter_pluralism if s.voter_pluralism is not None else params.voter_pluralism for s in spec.states]
            ),
            params.voter_pluralism_spread,
            params.threshold_mean,
            params.threshold_sd,
            np.array([s.voter_economy for s in spec.states]),
            params.voter_economy_spread,
        )
        self.centres: list[InternationalAgent] = [
            InternationalAgent(self, c.code, c.name, self.state_by_code[c.state], c.phase, c.budget)
            for c in spec.centres
        ]
        self.last_recruit_belief = np.full(len(self.communist_parties), params.founding_belief)
        self.last_merger_mix = np.zeros(len(self.communist_parties))

    def _initialise(self) -> None:
        """The start year: drivers, camps, unfounded parties, cohorts, established regimes, leaders, economy and
        legitimacy at their levels, the recognition graph and the first classification (ODD section 5)."""
        drivers.init(self)
        movement.init(self)
        founding.init(self)
        seeding.init(self)
        takeover.init(self)
        leadership.init(self)
        economy.init(self)
        legitimacy.init(self)
        enforcement.init(self)
        recognition.step(self)
        events.classify_states(self, record_events=False)
        self._collect()

    def add_rival_centre(self, party: PartyAgent) -> InternationalAgent:
        """A ruling party that broke with Moscow founds a second centre of the movement (Beijing after 1960)."""
        code = f"{party.state.code}_CENTRE"
        centre = InternationalAgent(self, code, f"{party.state.name} centre", party.state, Phase.NONE, 0.0)
        centre.rival = True
        centre.hegemony = self.params.rival_hegemony
        self.centres.append(centre)
        party.camp = code
        self.log.record(
            self.year, party.state.code, EventKind.RIVAL_CENTRE, f"{party.name} becomes a rival centre of the movement"
        )
        return centre

    @property
    def member_agents(self) -> AgentSet:
        """The :class:`~sim.agents.MemberAgent` of every member row (Mesa agents), in party and row order.

        Made on first use, in one pass, and registered with the model like any agent (after that they are in
        ``model.agents`` and ``model.agents_by_type[MemberAgent]``): the mechanisms work on the member table, so a
        run that never looks at a single member does not pay for a million agent objects. Each is a view of its
        row, so creating them late reads the same state as creating them at the start.
        """
        if self._member_agents is None:
            views = [
                MemberAgent(self, party, row)
                for party in self.communist_parties
                for row in range(party.members.block.start, party.members.block.stop)
            ]
            self._member_agents = AgentSet(views, random=self.random)
        return self._member_agents

    # -- lookups ----------------------------------------------------------------------------------------------
    @property
    def primary_centre(self) -> InternationalAgent | None:
        """The first centre of the scenario (Moscow)."""
        return next((c for c in self.centres if not c.rival), None)

    def camp_centre(self, party: PartyAgent) -> InternationalAgent | None:
        """The active centre of the party's camp, if it has one."""
        return next((c for c in self.centres if c.code == party.camp and c.active), None)

    def patron_hegemony(self, party: PartyAgent) -> float:
        """Hegemony of the active centre of the party's camp, 0 when it has none (its patron is gone)."""
        centre = self.camp_centre(party)
        return centre.hegemony if centre is not None else 0.0

    def hegemony_for(self, party: PartyAgent) -> float:
        """Hegemony of the active centre of the party's camp; ``rival_hegemony`` for a party outside any camp.

        An independent ruling party enforces orthodoxy on itself as a rival centre does on its camp, with no army
        abroad: its reformers are screened, and concede elections, as under that level of hegemony.
        """
        centre = self.camp_centre(party)
        return centre.hegemony if centre is not None else self.params.rival_hegemony

    def status_count(self, status: Status) -> int:
        """Number of existing states with ``status`` this year (a state that unified with a neighbour has ended)."""
        return sum(s.status == status for s in self.states if s.exists)

    # -- the year ---------------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one year: clear the year's causes and crisis flags, make last year's called founding elections
        this year's elections due, then run every step of :data:`sim.year.SCHEDULE` in order."""
        self.year += 1
        self.elections_due, self.elections_called = self.elections_called, set()
        for state in self.states:
            state.causes = []
            state.crisis = False
        for step in year.SCHEDULE:
            step.run(self)
        if self.year >= self.end_year:
            self.running = False

    # -- data ---------------------------------------------------------------------------------------------------
    def _collect(self) -> None:
        """Model series, and the ``states`` and ``parties`` tables that ``collect`` asks for, every
        ``collect_every`` years (always the start and the end year)."""
        if (self.year - self.start_year) % self.collect_every and self.year < self.end_year:
            return
        self.datacollector.collect(self)
        if "states" in self.collect_tables:
            self._collect_states()
        if "parties" in self.collect_tables:
            self._collect_parties()

    def _collect_states(self) -> None:
        observe.collect_states(self)

    def _collect_parties(self) -> None:
        observe.collect_parties(self)

    # -- convenience ------------------------------------------------------------------------------------------
    def run(self, until: int | None = None) -> CommunistWorld:
        """Step until ``until`` (a year) or the scenario's end year; returns the model."""
        stop = min(until or self.end_year, self.end_year)
        while self.running and self.year < stop:
            self.step()
        return self

    def table(self, name: str):
        """A collected table (``"states"``, ``"parties"``, ``"events"``, ``"elections"``) as a pandas DataFrame."""
        return self.datacollector.get_table_dataframe(name)
