"""The four agent kinds (all Mesa agents): the movement's centre, states, parties and party members.

Agents hold state; the rules that change it are the mechanism functions in :mod:`sim.mechanisms`, each with its
equation and source in its docstring. Member state lives in the model's :class:`~sim.population.MemberTable`;
a :class:`MemberAgent` is a thin view of one row of it.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.features import Classification, Indicators, Status
from sim.population import MEMBER_TYPES, PartyMembers, member_opposition
from sim.schema import DRIVER_DEFAULTS
from sim.vocab import Doctrine, Family, FamilyLabel, MemberType, Origin, Phase, Role, Route

if TYPE_CHECKING:
    from sim.mechanisms.leadership import Leader
    from sim.model import CommunistWorld


class InternationalAgent(mesa.Agent):
    """A centre of the international Communist movement (Comintern, Cominform, International Department; or a rival).

    Each year it funds, admonishes, expels and readmits parties, may intervene militarily in a deviating bloc state,
    and recognises the parties of its camp (the recognition graph is the movement network and feature F6).

    Attributes:
        code: e.g. ``"MOSCOW"``; parties in its camp have ``party.camp == code``.
        host: the state whose ruling party leads it.
        phase: comintern, cominform, international_department, none, or dissolved (drivers set it; a centre whose
            host party loses office dissolves).
        hegemony: h, credibility of the centre's enforcement (the host leadership's decision,
            :mod:`sim.mechanisms.enforcement`, or a laboratory's schedule; a rival centre has no military reach).
        tolerance: deviation from orthodoxy allowed before it acts (decided with h).
        resolve: R, the host leadership's will to enforce orthodoxy abroad this year (0..1).
        budget: yearly funding for non-ruling parties (0..1).
        doctrine: limited_sovereignty, freedom_of_choice or none.
        rival: whether it emerged from a split (a second centre).
    """

    def __init__(self, model: CommunistWorld, code: str, name: str, host: StateAgent, phase: str, budget: float):
        super().__init__(model)
        self.code = code
        self.name = name
        self.host = host
        self.phase = Phase(phase)
        self.hegemony = 0.0
        self.tolerance = 0.0  # decided each year with h (a rival centre tolerates nothing: it does not police)
        self.resolve = 1.0
        self.credibility = 0.0  # the publics' belief in the centre's backing, learnt from tests (enforcement.learn)
        self.known_interventions = 0  # interventions and doctrine the publics have already seen (enforcement.learn)
        self.known_doctrine = Doctrine.NONE
        self.known_dependence: dict[str, float] = {}  # each state's Soviet dependence v as the publics last saw it
        self.budget = budget
        self.doctrine = Doctrine.NONE
        self.rival = False
        self.interventions = 0

    @property
    def party(self) -> PartyAgent | None:
        """The host state's Communist party (the centre's own party)."""
        return self.host.communist

    @property
    def active(self) -> bool:
        """Whether the centre still acts: not dissolved, and its host party still in office."""
        return self.phase != Phase.DISSOLVED and self.party is not None and self.party.in_office


class StateAgent(mesa.Agent):
    """A state: its route to power, Kornai economy, legitimacy, repression and its citizens.

    Attributes:
        code, name, region, population (millions), bloc, route_to_power, entry_year: from the scenario.
        soviet_dependence: v, how far the regime rests on Soviet force.
        capacity: state capacity (caps how far ownership and command can be extended).
        ownership: O, non-agricultural state/social ownership share (F3).
        command: C, planned share of allocation (F4).
        softness: budget softness S = O*C*M; shortage: Z; performance: growth index; hardship.
        legitimacy: L.
        repression: domestic repression capacity (0..1).
        fear: threshold rise left by crackdowns and interventions (decays).
        public_dissent: share of citizens voicing opposition; private_opposition: share privately opposed.
        commitment, monopoly_pressure: the drivers of ideological commitment and monopoly pressure this year.
        emigration, aid: the drivers of exit (yearly share of the privately opposed able to leave) and of Soviet
            economic and military aid received (0..1) this year.
        federation_core, unify_with, exit_through: from the scenario (:mod:`sim.mechanisms.borders`): the core
            republic's share of a federation's population, the neighbour it can unify with, the neighbours its
            citizens can leave through.
        initial_population: the scenario's ``population`` (the trend of a state without ``population_points``).
        core_share: the share of its population schedule the state keeps (1; the core share after a break-up).
        broke_up, merged_year: the year the federation broke up, the year the state unified (None: not yet).
        merged_into: the code of the neighbour it unified with (None while it exists).
        open_exits: codes of the neighbours whose opened borders its citizens can leave through this year.
        communist, social_democratic: the state's parties (or None).
        classification: the six features and status this year (:mod:`sim.features`).
        causes: what happened to the state this year, in words (for the event log).
    """

    def __init__(self, model: CommunistWorld, index: int, spec) -> None:
        super().__init__(model)
        self.index = index
        self.code: str = spec.code
        self.name: str = spec.name
        self.region: str = spec.region
        self.population: float = spec.population
        self.bloc: str = spec.bloc
        self.route_to_power = Route(spec.route_to_power)
        self.entry_year: int | None = spec.entry_year
        self.soviet_dependence: float = spec.soviet_dependence
        self.capacity: float = spec.state_capacity
        self.civil_society: float = spec.civil_society
        self.free_elections: bool = spec.free_elections
        self.electoral_system: str = spec.electoral_system
        self.private_agriculture: bool = spec.private_agriculture
        self.base_ownership: float = spec.ownership
        self.base_command: float = spec.command
        self.map_position = spec.map
        self.case: str = spec.case
        self.ownership: float = spec.ownership
        self.command: float = spec.command
        self.softness = 0.0
        self.shortage = 0.0
        self.performance = 0.0  # set at initialisation (economy.init), as is legitimacy (legitimacy.init)
        self.hardship = 0.0
        self.legitimacy = 0.0
        self.repression = model.params.initial_repression * spec.state_capacity
        self.fear = 0.0
        self.public_dissent = 0.0
        self.private_opposition = 0.0
        self.protest_rounds = -1  # cascade round in which this year's protest reached the crisis level (-1: none)
        self.fallen_peers = 0.0  # share of the region's once-Communist population that has left communism
        self.protest_example = 0.0  # share of the region's population in peer states in mass protest this year
        self.sphere_weight = 0.0  # weight of the Soviet sphere in both examples this year (dissent.sphere)
        self.repression_level = 0.0  # this year's repression R in the dissent cascade (sim.mechanisms.dissent)
        self.commitment = DRIVER_DEFAULTS["commitment"]  # the drivers set these every year
        self.monopoly_pressure = DRIVER_DEFAULTS["monopoly_pressure"]
        self.emigration = 0.0  # driver: yearly share of privately opposed citizens who can leave (exit)
        self.aid = 0.0  # aid received from the centre's host state (0..1): the driver's pledge times what is paid
        self.aid_pledged = 0.0  # driver: the aid the centre's host has pledged this year
        self.settled = False  # a negotiated settlement has ended its war (sim.mechanisms.settlement)
        self.peak_reliance = 0.0  # highest reliance on outside backing during its war (sim.mechanisms.settlement)
        self.debt = 0.0  # driver: burden of servicing Western debt once new credit stopped (0..1)
        self.war = 0.0  # driver: burden of a war against outside forces or an outside-backed insurgency (0..1)
        self.federation_core: float | None = spec.federation_core
        self.unify_with: str | None = spec.unify_with
        self.exit_through: tuple[str, ...] = tuple(spec.exit_through)
        self.initial_population: float = spec.population
        self.core_share = 1.0  # borders: the share of the population schedule the state keeps
        self.broke_up: int | None = None
        self.merged_into: str | None = None
        self.merged_year: int | None = None
        self.open_exits: tuple[str, ...] = ()
        self.regime_start: int | None = None  # the year of the Communist takeover (set once, never reset)
        self.ever_communist = False  # classified communist or hybrid in some year so far
        self.crisis = False
        self.last_election: int | None = None
        self.communist: PartyAgent | None = None
        self.social_democratic: PartyAgent | None = None
        self.indicators: Indicators | None = None
        self.classification: Classification | None = None
        self.causes: list[str] = []

    # -- derived -------------------------------------------------------------------------------------------------
    @cached_property
    def main_region(self) -> str:
        """The first part of ``region`` ("Europe/Asia" counts as Europe): the region whose states are each other's
        neighbours for the demonstration effect, the wave of protest and the example of reform (``region`` is set
        once, from the scenario)."""
        return self.region.split("/")[0]

    @cached_property
    def short_name(self) -> str:
        """The name without its parenthesis: "Soviet Union" for "Soviet Union (Soviet Russia until 1922)"."""
        return self.name.split(" (")[0]

    @property
    def party_in_office(self) -> PartyAgent | None:
        """The Communist party holding office (ruling, elected or in a coalition), if any."""
        p = self.communist
        return p if p is not None and p.role.in_office else None

    @property
    def ruling_party(self) -> PartyAgent | None:
        """The Communist party if it rules as a single party (role ``ruling``), else None."""
        p = self.communist
        return p if p is not None and p.role == Role.RULING else None

    @property
    def status(self) -> Status:
        """This year's status (communist / hybrid / non_communist)."""
        return self.classification.status if self.classification else Status.NON_COMMUNIST

    @property
    def exists(self) -> bool:
        """Whether the state still exists (it ends when it unifies with a neighbour: :mod:`sim.mechanisms.borders`)."""
        return self.merged_into is None

    @property
    def entered(self) -> bool:
        """Whether the state's Communist entry year (if any) has been reached."""
        return self.entry_year is not None and self.model.year >= self.entry_year

    @property
    def was_communist_ruled(self) -> bool:
        """Whether a Communist party has taken power here at some time (it stays true after the party falls)."""
        return self.regime_start is not None

    @property
    def regime_age(self) -> int:
        """Years since Communist rule began (0 when there is none)."""
        return 0 if self.regime_start is None else self.model.year - self.regime_start

    @property
    def citizen_rows(self) -> slice:
        """This state's rows in the model's citizen table."""
        return self.model.citizens.rows(self.index)

    def note(self, cause: str) -> None:
        """Record a cause of this year's changes (read by the event log)."""
        if cause not in self.causes:
            self.causes.append(cause)

    def __repr__(self) -> str:
        return f"StateAgent({self.code}, {self.status.value})"


class PartyAgent(mesa.Agent):
    """A party: ruling Communist, non-ruling Communist, or social democratic.

    Attributes:
        code, name, family: from the scenario (``communist`` or ``social_democratic``).
        state: the state it belongs to.
        role: ruling, elected, coalition, opposition, banned or dissolved.
        origin: own_revolution, installed, other or nonruling (how it came to power, if it did).
        monopoly: M (F1); centralism: D (F2); goal: G (F5).
        alignment: A, alignment with Moscow.
        personalism: power of the top leader over the oligarchy.
        market: depth of market reform of coordination pursued (0 classical, up to ~0.75).
        private: depth of ownership reform pursued (a non-state sector; 0 classical).
        camp: code of the centre whose camp it belongs to, or None (independent).
        hostility: per centre code, hostility left by an expulsion or split (decays).
        movement_member: whether the movement counts it as a Communist party.
        vote_share: share in the last free election (None if it never contested one).
        leader: the current :class:`~sim.mechanisms.leadership.Leader` (Communist parties).
        names: history of (year, name).
        members: its rows of the member table (Communist parties), or None.
    """

    def __init__(self, model: CommunistWorld, spec, state: StateAgent, members: PartyMembers | None):
        super().__init__(model)
        self.code: str = spec.code
        self.family = Family(spec.family)
        self.state = state
        self.role = Role.OPPOSITION
        self.origin = Origin.NONRULING
        self.monopoly = 0.0
        self.centralism: float = spec.centralism
        self.goal: float = spec.goal if self.family == Family.COMMUNIST else 0.0
        self.alignment: float = spec.alignment if self.family == Family.COMMUNIST else 0.0
        self.personalism = 0.0
        self.market = 0.0  # reform of coordination: plan replaced by market (0 classical)
        self.private = 0.0  # reform of ownership: a non-state sector allowed (0 classical)
        self.camp: str | None = None
        self.hostility: dict[str, float] = {}
        self.movement_member = self.family == Family.COMMUNIST
        self.vote_share: float | None = None
        self.leader: Leader | None = None
        self.names: list[tuple[int, str]] = [(model.start_year, spec.name)]
        self.members = members
        self.initial_members: float = spec.members
        self.founded: int | None = spec.founded
        self.initial_share = 0.0  # vote share implied by the initial membership (until a first election)
        self.plain_members: float = spec.members  # membership of a party without member rows
        self.member_dissent = 0.0
        self.member_opposition = 0.0
        self.funding = 0.0
        self.admonished = 0
        self.reforming = False  # whether this year's programme reformed (glasnost, market, contested elections)
        self.pragmatic: int | None = None  # the year an orthodox leadership turned to market reform (emulation)
        self.consolidated_years = 0
        self.leaders_so_far = 0
        self.election_contested = False
        self.pending_recruits: list[tuple[float, float, float]] = []  # (members, belief, sd affinity) to seat
        self.recruits = 0.0  # real members recruited this year
        self.recruit_belief = float("nan")  # mean belief of this year's cohort at entry
        self.recruit_careerism = float("nan")  # mean careerism of this year's cohort at entry

    @property
    def name(self) -> str:
        """The party's current name."""
        return self.names[-1][1]

    @property
    def family_label(self) -> FamilyLabel:
        """ruling_communist, nonruling_communist or social_democratic."""
        if self.family == Family.SOCIAL_DEMOCRATIC:
            return FamilyLabel.SOCIAL_DEMOCRATIC
        return FamilyLabel.RULING_COMMUNIST if self.role == Role.RULING else FamilyLabel.NONRULING_COMMUNIST

    @property
    def in_office(self) -> bool:
        """Whether the party holds office (alone or in a coalition)."""
        return self.role.in_office

    @property
    def active(self) -> bool:
        """Whether the party exists and is legal (not banned, dissolved or yet to be founded)."""
        return self.role.active

    @property
    def exists(self) -> bool:
        """Whether the party has been founded and not dissolved (a banned party still exists underground)."""
        return self.role.exists

    @property
    def membership(self) -> float:
        """Real members: the sum of its member rows' weights (MODEL.md: weights sum to membership)."""
        return self.members.total if self.members is not None else self.plain_members

    @property
    def authoritarianism(self) -> float:
        """How authoritarian the model the party defends is (MODEL.md section 2: M*D of the model it defends).

        max(D*G, M*D if it rules, A * M_c*D_c of the centre's party): a disciplined vanguard with the goal
        defends the dictatorship it would build; a ruling party its own M*D; an aligned party Moscow's.
        """
        own = self.centralism * self.goal
        if self.role == Role.RULING:
            own = max(own, self.monopoly * self.centralism)
        centre = self.model.primary_centre.party if self.model.primary_centre else None
        if centre is None or centre is self or self.camp is None or centre.role != Role.RULING:
            return own
        return max(own, self.alignment * centre.monopoly * centre.centralism)

    def rename(self, year: int, name: str) -> None:
        """Record a new name (renaming never changes F6: recognition does)."""
        if name != self.name:
            self.names.append((year, name))

    def __repr__(self) -> str:
        return f"PartyAgent({self.code}, {self.role})"


class MemberAgent(mesa.Agent):
    """A cohort of real members (a super-individual): a thin view of one row of the model's member table.

    Reading or writing an attribute reads or writes the shared numpy arrays, so the vectorised mechanisms and
    this view always agree. The row is a slot: when its cohort retires after ``career_years``, the year's recruits
    take it over and ``cohort`` changes.
    """

    def __init__(self, model: CommunistWorld, party: PartyAgent, row: int):
        super().__init__(model)
        self.party = party
        self.row = row

    def _get(self, column: str):
        return getattr(self.model.members, column)[self.row]

    def _set(self, column: str, value) -> None:
        getattr(self.model.members, column)[self.row] = value

    weight = property(lambda self: float(self._get("weight")), lambda self, v: self._set("weight", v))
    belief = property(lambda self: float(self._get("belief")), lambda self, v: self._set("belief", v))
    careerism = property(lambda self: float(self._get("careerism")), lambda self, v: self._set("careerism", v))
    reformism = property(lambda self: float(self._get("reformism")), lambda self, v: self._set("reformism", v))
    sd_affinity = property(lambda self: float(self._get("sd_affinity")), lambda self, v: self._set("sd_affinity", v))
    risk_aversion = property(lambda self: float(self._get("threshold")), lambda self, v: self._set("threshold", v))
    rank = property(lambda self: int(self._get("rank")), lambda self, v: self._set("rank", v))
    public_dissent = property(lambda self: bool(self._get("dissent")))

    @property
    def cohort(self) -> int | None:
        """Year the cohort joined (None for an empty slot)."""
        c = int(self._get("cohort"))
        return None if c < 0 else c

    @property
    def tenure(self) -> int:
        """Years in the party."""
        c = self.cohort
        return 0 if c is None else self.model.year - c

    @property
    def generation(self) -> int | None:
        """Decade of joining relative to the regime's start (0 = joined in the first decade), or None."""
        start = self.party.state.regime_start
        c = self.cohort
        if c is None:
            return None
        return max(0, (c - start) // 10) if start is not None else None

    @property
    def private_opposition(self) -> float:
        """x = (w_s s + w_r r + w_b (1 - b)) (1 - loyalty c) (:func:`sim.population.member_opposition`)."""
        return float(
            member_opposition(self.belief, self.careerism, self.reformism, self.sd_affinity, self.model.params)
        )

    @property
    def kind(self) -> MemberType:
        """Derived type: believer, reformer, closet_social_democrat, conservative, careerist or other
        (:meth:`sim.vocab.TypeRule.member_types`)."""
        t, r = self.model.members, self.row
        rows = slice(r, r + 1)
        index = self.model.type_rule.member_types(
            t.belief[rows], t.careerism[rows], t.reformism[rows], t.sd_affinity[rows], np.array([self.tenure])
        )[0]
        return MEMBER_TYPES[index]

    def __repr__(self) -> str:
        return f"MemberAgent({self.party.code}#{self.row}, cohort={self.cohort}, weight={self.weight:.0f})"
