"""The model: :class:`CommunistWorld`, one step per year.

Each year, in this order (the ODD document's process overview):

1. drivers: schedules (hegemony, tolerance, commitment, monopoly pressure, emigration) and dated events;
2. the founding of parties whose founding year has come, then takeovers of states whose entry year has come;
3. economy (Kornai's chain) in every state;
4. members: belief, traits, exits, the year's cohort, promotions (vectorised over all members);
5. legitimacy;
6. dissent: the Kuran threshold cascade among citizens and members;
7. ruling parties meet mass protest: crackdown, standoff or concession;
8. the movement's centre(s): alignment, intervention or admonition, splits, readmission, funding;
9. ruling parties: succession, the leader's programme, the sticky goal, transition;
10. free elections;
11. the recognition graph (F6), then every state's six features and status, and the event log;
12. data collection.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import mesa
import numpy as np

from sim import observe
from sim.agents import InternationalAgent, MemberAgent, PartyAgent, StateAgent
from sim.drivers import Drivers
from sim.events import EVENT_COLUMNS, EventLog, feature_change_text
from sim.features import Status, Thresholds, classify, indicators_of
from sim.lifecycle import Lifecycle
from sim.mechanisms import dissent, economy, elections, leadership, members, movement, takeover
from sim.mechanisms.legitimacy import legitimacy_level, update_legitimacy
from sim.params import Parameters
from sim.population import CitizenTable, MemberTable, PartyMembers
from sim.scenario import Scenario, load
from sim.streams import Streams

COLLECTED_TABLES = ("states", "parties")
"""The yearly tables a model can collect (events and elections are recorded as they happen)."""


class CommunistWorld(Lifecycle, mesa.Model):
    """An agent-based model of Communist political systems (Brown's six features, recomputed every year).

    Args:
        scenario: a scenario name in ``scenarios/`` (``"stylized"``, the default), a path to a TOML file, or a
            loaded :class:`~sim.scenario.Scenario`.
        rng: seed or generator for ``model.rng`` (all randomness derives from it).
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
        movement: the recognition graph (:class:`~sim.mechanisms.movement.Movement`).
        log: the event log; datacollector: Mesa's DataCollector (model series; tables states, parties, events).
    """

    def __init__(
        self,
        scenario: str | Path | Scenario | None = None,
        *,
        rng: Any = None,
        collect: Sequence[str] = COLLECTED_TABLES,
        collect_every: int = 1,
        **overrides: Any,
    ):
        if not set(collect) <= set(COLLECTED_TABLES):
            raise ValueError(f"collect: expected a subset of {COLLECTED_TABLES} (got {tuple(collect)})")
        if collect_every < 1:
            raise ValueError(f"collect_every: expected a whole number of years >= 1 (got {collect_every})")
        loaded = load(scenario).with_overrides(overrides)
        super().__init__(rng=rng)
        self.collect_tables = frozenset(collect)
        self.collect_every = int(collect_every)
        self.scenario_file = loaded
        self.spec = loaded.spec
        info = self.spec.scenario
        self.params = Parameters(self.spec.parameter_values())
        self.thresholds = Thresholds.from_params(self.params)
        self.convention = info.convention
        self.start_year, self.end_year = info.start_year, info.end_year
        self.year = info.start_year
        self.streams = Streams(self.rng)
        self.drivers = Drivers(self.spec)
        self.elections_due: set[str] = set()  # states holding a free election this year
        self.elections_called: set[str] = set()  # founding elections called this year, held next year
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
        self.movement = movement.Movement()
        self._build_agents()
        self._initialise()

    # -- construction -----------------------------------------------------------------------------------------
    def _build_agents(self) -> None:
        spec, params = self.spec, self.params
        self.states = [StateAgent(self, i, s) for i, s in enumerate(spec.states)]
        self.state_by_code = {s.code: s for s in self.states}
        communist_specs = [p for p in spec.parties if p.family == "communist"]
        slots = [p.slots or spec.resolution.member_slots for p in communist_specs]
        self.members = MemberTable(slots, int(params.career_years), int(params.member_orgs))
        self.parties: list[PartyAgent] = []
        self.communist_parties: list[PartyAgent] = []
        blocks = iter(self.members.blocks)
        for p in spec.parties:
            state = self.state_by_code[p.state]
            view = PartyMembers(self.members, next(blocks)) if p.family == "communist" else None
            party = PartyAgent(self, p, state, view)
            self.parties.append(party)
            if p.family == "communist":
                self.communist_parties.append(party)
                state.communist = party
            else:
                state.social_democratic = party
        self.party_by_code = {p.code: p for p in self.parties}
        for party in self.communist_parties:
            for row in range(party.members.block.start, party.members.block.stop):
                MemberAgent(self, party, row)
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
        )
        self.centres: list[InternationalAgent] = [
            InternationalAgent(self, c.code, c.name, self.state_by_code[c.state], c.phase, c.budget)
            for c in spec.centres
        ]
        self.last_recruit_belief = np.full(len(self.communist_parties), params.founding_belief)
        self.last_merger_mix = np.zeros(len(self.communist_parties))

    def _initialise(self) -> None:
        params, year = self.params, self.year
        self.drivers.apply_schedules(self, year)
        primary = self.primary_centre
        for party in self.communist_parties:
            party.camp = primary.code if primary is not None else None
        self.drivers.apply_events(self, year)
        rng = self.streams("members/seed")
        for party in self.parties:
            if party.founded is not None and party.founded > year:
                party.role = "unfounded"
        for party, block in zip(self.communist_parties, self.members.blocks, strict=True):
            spec = next(p for p in self.spec.parties if p.code == party.code)
            state = party.state
            if party.role == "unfounded":
                continue
            established = state.entry_year is not None and state.entry_year < year
            founded = spec.founded or min(state.entry_year or year, year) - 15
            belief = params.founding_belief * (0.7 if state.route_to_power == "other" else 1.0)
            control = state.monopoly_pressure * economy.capacity_cap(state.capacity, params) if established else 0.0
            members.seed_members(
                self.members, block, year, spec.members, founded, state.entry_year if established else None,
                belief, control, rng, params,
            )  # fmt: skip
        for state in self.states:
            if state.entry_year is not None and state.entry_year < year:
                takeover.takeover(state, established=True)
            elif state.entry_year == year:
                takeover.takeover(state)  # a revolution in the first year of the scenario
        for party in self.communist_parties:
            adults = party.state.population * 1e6 * params.adult_share
            party.initial_share = party.initial_members / max(1.0, params.nonruling_membership * adults)
            if party.leader is None:
                leadership.install_leader(party, "believer", year)
        for state in self.states:
            party = state.ruling_party
            state.softness = economy.softness(state.ownership, state.command, party.monopoly if party else 0.0)
            state.shortage = economy.shortage_level(state.softness, state.command, params)
            age = state.regime_age if party else None
            state.performance = economy.clip01(
                economy.performance_level(state.ownership, state.command, state.shortage, age, params)
            )
            state.hardship = economy.hardship_level(state.shortage, state.performance, params)
            belief = party.members.mean(party.members.belief) if party else 0.0
            state.legitimacy = (
                legitimacy_level(party.goal, belief, state.performance, state.soviet_dependence, params)
                if party
                else economy.clip01(params.legitimacy_performance * state.performance + 0.2)
            )
        self.movement.rebuild(self)
        self._classify(record_events=False)
        self._collect()

    def _found(self, party: PartyAgent) -> None:
        """A party founded during the run: legal opposition, its founders seated with this year's cohort."""
        party.role = "opposition"
        primary = self.primary_centre
        if party.family == "communist":
            party.camp = primary.code if primary is not None else None
            belief = self.params.founding_belief
            party.pending_recruits.append((party.initial_members, belief, self.params.sd_affinity_base))
        self.log.record(self.year, party.state.code, "founding", f"{party.name} is founded")

    def add_rival_centre(self, party: PartyAgent) -> InternationalAgent:
        """A ruling party that broke with Moscow founds a second centre of the movement (Beijing after 1960)."""
        code = f"{party.state.code}_CENTRE"
        centre = InternationalAgent(self, code, f"{party.state.name} centre", party.state, "none", 0.0)
        centre.rival = True
        centre.hegemony = self.params.rival_hegemony
        self.centres.append(centre)
        party.camp = code
        self.log.record(
            self.year, party.state.code, "rival_centre", f"{party.name} becomes a rival centre of the movement"
        )
        return centre

    # -- lookups ----------------------------------------------------------------------------------------------
    @property
    def primary_centre(self) -> InternationalAgent | None:
        """The first centre of the scenario (Moscow)."""
        return next((c for c in self.centres if not c.rival), None)

    def hegemony_for(self, party: PartyAgent) -> float:
        """Hegemony of the active centre of the party's camp; ``rival_hegemony`` for a party outside any camp.

        An independent ruling party enforces orthodoxy on itself as a rival centre does on its camp, with no army
        abroad: its reformers are screened, and concede elections, as under that level of hegemony.
        """
        for centre in self.centres:
            if centre.code == party.camp and centre.active:
                return centre.hegemony
        return self.params.rival_hegemony

    def status_count(self, status: Status) -> int:
        """Number of states with ``status`` this year."""
        return sum(s.status == status for s in self.states)

    # -- the year ---------------------------------------------------------------------------------------------
    def step(self) -> None:
        """Advance one year (see the module docstring for the order of mechanisms)."""
        self.year += 1
        year, params = self.year, self.params
        self.elections_due, self.elections_called = self.elections_called, set()
        for state in self.states:
            state.causes = []
            state.crisis = False
        self.drivers.apply_schedules(self, year)
        self.drivers.apply_events(self, year)
        for party in self.parties:
            if party.role == "unfounded" and party.founded == year:
                self._found(party)
        for state in self.states:
            party = state.communist
            if state.entry_year == year and party is not None and party.role not in ("ruling", "dissolved"):
                takeover.takeover(state)
        for state in self.states:
            economy.update_economy(state, params, self.streams(f"economy/{state.code}"))
        self._members_year()
        for state in self.states:
            party = state.ruling_party
            update_legitimacy(state, party.members.mean(party.members.belief) if party else 0.0, params)
        self._dissent_year()
        replace: dict[str, bool] = {}
        for party in self.communist_parties:  # a regime meets its own crisis first ...
            if party.role == "ruling":
                hegemony = self.hegemony_for(party)
                rng = self.streams(f"crisis/{party.state.code}")
                replace[party.code] = leadership.crisis_response(party.state, party, hegemony, rng, params)
        for centre in list(self.centres):  # ... and the centre acts on what is left
            centre.step()
        for party in self.communist_parties:
            if party.role == "ruling":
                self._ruling_party_year(party, replace.get(party.code, False))
        for state in self.states:
            if elections.election_due(state, year, params):
                elections.hold_election(state, params)
        self.elections_due.clear()
        self.movement.rebuild(self)
        self._classify(record_events=True)
        self._collect()
        if year >= self.end_year:
            self.running = False

    def _party_arrays(self) -> dict[str, np.ndarray]:
        cps = self.communist_parties
        return {
            "monopoly": np.array([p.monopoly for p in cps]),
            "centralism": np.array([p.centralism for p in cps]),
            "goal": np.array([p.goal for p in cps]),
            "alignment": np.array([p.alignment for p in cps]),
            "personalism": np.array([p.personalism for p in cps]),
            "market": np.array([p.market for p in cps]),
            "ruling": np.array([p.role == "ruling" for p in cps]),
            "in_office": np.array([p.in_office for p in cps]),
            "ever_ruled": np.array([p.state.was_communist_ruled for p in cps]),
            "active": np.array([p.active for p in cps]),
            "performance": np.array([p.state.performance for p in cps]),
            "ownership": np.array([p.state.ownership for p in cps]),
            "commitment": np.array([p.state.commitment for p in cps]),
            "hegemony": np.array([self.hegemony_for(p) for p in cps]),
            "adults": np.array([p.state.population * 1e6 * self.params.adult_share for p in cps]),
            "share": np.array([p.vote_share if p.vote_share is not None else p.initial_share for p in cps]),
            "age": np.array([p.state.regime_age if p.role == "ruling" else 0 for p in cps]),
        }

    def _members_year(self) -> None:
        """Belief, traits, exits, the year's cohort and promotions for every member row at once."""
        params, year, table = self.params, self.year, self.members
        a = self._party_arrays()
        centre = self.primary_centre
        host = centre.party if centre is not None else None
        own_gap = members.performance_gap(a["goal"], a["performance"], a["market"], params)
        own_shortfall = members.performance_shortfall(a["goal"], a["performance"], params)
        model_gap = model_shortfall = 0.0
        if host is not None and host.role == "ruling":
            goal, perf = np.array([host.goal]), np.array([host.state.performance])
            model_gap = float(members.performance_gap(goal, perf, np.array([host.market]), params)[0])
            model_shortfall = float(members.performance_shortfall(goal, perf, params)[0])
        elif host is not None and host.state.was_communist_ruled:
            model_gap = model_shortfall = params.promise_level  # the model collapsed: nothing of its promise is left
        # a party out of office measures the promise by the model it defends (Moscow's, as far as it is aligned),
        # and sees only part of that model's shortfall
        seen = params.distance_discount * a["alignment"]  # from afar, through its own press
        gap = np.where(a["ruling"], own_gap, seen * model_gap)
        shortfall = np.where(a["ruling"], own_shortfall, seen * model_shortfall)
        members.update_belief(table, gap, a["centralism"], a["commitment"], params)
        members.drift_traits(table, shortfall, a["centralism"], params)
        exit_monopoly = np.where(a["ever_ruled"] & a["active"], a["monopoly"], 1.0)
        members.member_exits(table, exit_monopoly, a["personalism"], params)
        retiring = table.cohort_rows(year)
        current = table.per_party_sum() - np.bincount(
            table.party[retiring], weights=table.weight[retiring], minlength=table.n_parties
        )
        control = np.where(a["ruling"], a["monopoly"] * a["ownership"], 0.0)
        maturity = 1.0 - np.exp(-a["age"] / params.apparatus_years)
        target = members.target_membership(
            a["adults"], a["monopoly"], maturity, a["ruling"], a["share"], a["active"], params
        )
        normal = np.maximum(0.0, params.recruit_speed * (target - current))
        # members joining outside normal recruitment: a forced merger's social democrats, a new party's founders
        pending = [p.pending_recruits for p in self.communist_parties]
        extra = np.array([sum(n for n, _, _ in batch) for batch in pending])
        extra_belief = np.array([sum(n * b for n, b, _ in batch) for batch in pending]) / np.maximum(extra, 1e-12)
        extra_sd = np.array([sum(n * s for n, _, s in batch) for batch in pending]) / np.maximum(extra, 1e-12)
        recruits = normal + extra
        mix = np.divide(extra, recruits, out=np.zeros_like(recruits), where=recruits > 0)
        prev = members.previous_cohort_belief(table, year, self.last_recruit_belief, params.careerism_crowds_belief)
        # a cohort diluted by extra members does not pass their belief on: the transmitted level carries over
        prev = np.where(self.last_merger_mix > 0, self.last_recruit_belief, prev)
        # the fire dies away under the system: a ruling party's cohorts inherit discounted belief
        level = np.where(a["ruling"], params.cohort_belief_discount, 1.0) * prev
        belief_mean = (1 - mix) * level + mix * extra_belief
        careerism_mean = params.careerism_base + (1 - mix) * params.careerism_control * control
        reformism_mean = params.reformism_base + params.reformism_gap * shortfall
        sd_normal = params.sd_affinity_base + params.sd_affinity_disbelief * (1 - belief_mean)
        sd_mean = (1 - mix) * sd_normal + mix * extra_sd
        members.recruit_cohort(
            table, year, recruits, belief_mean, careerism_mean, reformism_mean, sd_mean,
            self.streams("members/recruit"), params,
        )  # fmt: skip
        self.last_recruit_belief = np.where(recruits > 0, level, self.last_recruit_belief)
        self.last_merger_mix = mix
        entry_belief = table.cohort_mean(year, table.belief)
        entry_careerism = table.cohort_mean(year, table.careerism)
        for i, party in enumerate(self.communist_parties):
            party.pending_recruits = []
            party.recruits = float(recruits[i])
            party.recruit_belief = float(entry_belief[i]) if recruits[i] > 0 else float("nan")
            party.recruit_careerism = float(entry_careerism[i]) if recruits[i] > 0 else float("nan")
        members.promote(table, year, a["centralism"], a["hegemony"], self.streams("members/promotion"), params)

    def _dissent_year(self) -> None:
        """The Kuran cascade in every Communist-ruled state at once."""
        params = self.params
        n_states = len(self.states)
        index_of = {p.code: i for i, p in enumerate(self.communist_parties)}
        state_party = np.full(n_states, -1)
        centralism_s = np.zeros(n_states)
        backing = np.zeros(n_states)
        primary = self.primary_centre
        for state in self.states:
            state.fear *= 1.0 - params.fear_decay
            party = state.ruling_party
            if party is None:
                continue
            state_party[state.index] = index_of[party.code]
            centralism_s[state.index] = party.centralism
            if primary is not None and primary.active and state is primary.host:
                backing[state.index] = primary.hegemony  # the centre's own coercive apparatus
            elif primary is not None and primary.active and party.camp == primary.code:
                backing[state.index] = primary.hegemony * state.soviet_dependence
        fear = np.array([s.fear for s in self.states])
        capacity = np.array([s.repression for s in self.states])
        personalism = np.array([s.ruling_party.personalism if s.ruling_party else 0.0 for s in self.states])
        fallen = self._fallen_peers()
        for state in self.states:
            if state.emigration > 0 and state_party[state.index] >= 0:
                rows = state.citizen_rows
                x = dissent.citizen_opposition(
                    np.full(rows.stop - rows.start, state.legitimacy), np.full(rows.stop - rows.start, state.hardship),
                    np.full(rows.stop - rows.start, fallen[state.index]), self.citizens.disposition[rows], params,
                )  # fmt: skip
                dissent.emigrate(
                    self.citizens, rows, x, state.emigration, self.streams(f"emigration/{state.code}"), params
                )
        inputs = dissent.DissentInputs(
            active_state=state_party >= 0,
            civil_society=np.array([s.civil_society for s in self.states]),
            legitimacy=np.array([s.legitimacy for s in self.states]),
            hardship=np.array([s.hardship for s in self.states]),
            repression=dissent.repression_level(centralism_s, capacity, backing, personalism, fear, params),
            fallen=fallen,
            party_state=np.array([p.state.index for p in self.communist_parties]),
            active_party=np.array([p.role == "ruling" for p in self.communist_parties]),
            centralism=np.array([p.centralism for p in self.communist_parties]),
            state_party=state_party,
        )
        links = dissent.horizontal_links(inputs.centralism, self.members.orgs_per_party, self.streams("dissent/links"))
        result = dissent.threshold_cascade(self.citizens, self.members, inputs, links, params)
        for state in self.states:
            state.fallen_peers = float(fallen[state.index])
            state.protest_rounds = int(result.mass_round[state.index])
            state.public_dissent = float(result.public_dissent[state.index])
            state.private_opposition = float(result.private_opposition[state.index])
        for i, party in enumerate(self.communist_parties):
            party.member_dissent = float(result.member_dissent[i])
            party.member_opposition = float(result.member_opposition[i])
            if party.role == "ruling":
                state = party.state
                party.centralism = dissent.centralism_erosion(party.centralism, party.member_dissent, params)
                loyal = state.capacity * (1.0 - party.member_dissent)
                state.repression = economy.approach(state.repression, loyal, 0.2)

    def _fallen_peers(self) -> np.ndarray:
        """The demonstration effect: the share of its region's once-Communist population that has left communism.

        For each state, the population of the states of its region (``Europe/Asia`` counts as Europe) that have
        been communist or hybrid and are now non_communist, over the population of all such states including its
        own (last year's status). A neighbour's fall counts in proportion to its size: the Soviet Union's fall
        weighs on Albania; Mongolia's barely on China.
        """

        def region(state: StateAgent) -> str:
            return state.region.split("/")[0]

        pool = [s for s in self.states if s.ever_communist]
        fallen = np.zeros(len(self.states))
        for state in self.states:
            if state.ruling_party is None:
                continue
            peers = [s for s in pool if region(s) == region(state)]
            total = sum(s.population for s in peers) + (0.0 if state in peers else state.population)
            gone = sum(s.population for s in peers if s is not state and s.status == Status.NON_COMMUNIST)
            fallen[state.index] = gone / total if total > 0 else 0.0
        return fallen

    def _ruling_party_year(self, party: PartyAgent, replace: bool) -> None:
        """Succession (at a term's end, or after a crisis), the leader's programme, the sticky goal, transition."""
        params, state, year = self.params, party.state, self.year
        hegemony = self.hegemony_for(party)
        leadership.follow_cohort(party)
        if replace or year >= party.leader.term_end:
            old = party.leader
            new = leadership.draw_successor(party, year, hegemony, self.streams(f"succession/{party.code}"), params)
            why = "in a crisis" if replace else "at the end of a term"
            if new.kind != old.kind:
                state.note(f"{new.describe()} took over {why}")
            self.log.record(
                year,
                state.code,
                "leader",
                f"{party.name}: {new.describe()} succeeds {old.kind.replace('_', ' ')} leader {why}",
            )
        leadership.reform_program(party, state, hegemony, params)
        leadership.sticky_goal(party, hegemony, state, params)
        if party.monopoly < params.transition_monopoly and state.code not in self.elections_called:
            state.free_elections = True
            self.elections_called.add(state.code)
            state.note("founding free elections called")

    # -- classification and data --------------------------------------------------------------------------------
    def _classify(self, record_events: bool) -> None:
        """Recompute every state's indicators, features and status; log every change."""
        hegemony = self.primary_centre.hegemony if self.primary_centre else 0.0
        for state in self.states:
            ind = indicators_of(state)
            cls = classify(ind, self.thresholds, self.convention)
            before = state.classification
            if record_events and before is not None and cls != before:
                text, lost, gained = feature_change_text(state, before, cls, state.indicators, ind, hegemony)
                kind = "status" if before.status != cls.status else "feature"
                self.log.record(self.year, state.code, kind, text, before.status.value, cls.status.value, lost, gained)
            state.indicators, state.classification = ind, cls
            state.ever_communist = state.ever_communist or cls.status != Status.NON_COMMUNIST

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
