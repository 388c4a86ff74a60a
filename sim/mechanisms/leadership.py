"""Leaders and what they do: succession, the reform sequence, the sticky goal, regime crises and transition.

A leader's kind follows from its traits (drawn from the party's top ranks, so the leadership's mix follows the
membership's) or from a driver. The kind sets the party's yearly programme:

- political reformer (``reformer``, ``closet_social_democrat``): glasnost lowers D; below ``market_start`` market
  reform begins (coordination first, ownership at half pace and only up to ``political_private_max``); below
  ``election_start`` contested elections lower M (MODEL.md: "a reformer leader lowers D, then C and O, and in the
  end M"; the USSR lost F2 before F1 in 1989, Brown 2009). How far the reformer goes is bounded by its own belief
  in the goal (glasnost stops at D = ``glasnost_belief`` * belief; no market reform while belief >=
  ``market_belief_max``: Khrushchev, who believed, kept the plan and the party's discipline), and, in a party of
  another centre's camp, by that centre's hegemony h: glasnost stops at D = ``glasnost_hegemony`` h, market reform
  waits until h < ``market_hegemony_max`` and contested elections until h < ``election_hegemony_max``. The
  hegemon's own party answers to no centre: its reform pace comes from its leader and its top ranks (in a
  laboratory that schedules hegemony as a lever, the lever binds the hegemon's reformer too).
- ``economic_reformer``: market and ownership reform together while keeping D and M (reform and opening with the
  monopoly kept).
- ``conservative``, ``believer``: restore D, consolidate M toward the monopoly-pressure driver, and re-centralise
  an economy that is incoherent (reform socialism) or performing below the base; a coherent, performing market
  economy is kept (China after Deng).
- ``autocrat``: as conservative but faster, and personalism grows (purges follow, see members).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.features import Status
from sim.mechanisms import tenure
from sim.mechanisms.economy import approach, capacity_cap, clip01
from sim.vocab import EventKind, LeaderExit, LeaderKind, Origin, Role, TypeRule

if TYPE_CHECKING:
    from sim.agents import PartyAgent, StateAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters

PROFILE_TRAITS = ("belief", "careerism", "reformism", "sd_affinity")


def leader_profile(kind: LeaderKind, params: Parameters) -> tuple[float, float, float, float]:
    """(belief, careerism, reformism, social-democratic affinity) of a leader of ``kind`` installed by a driver or a
    mechanism: the parameters ``<kind>_profile_<trait>``."""
    return tuple(params[f"{kind}_profile_{trait}"] for trait in PROFILE_TRAITS)


@dataclass(slots=True)
class Leader:
    """A party leader: traits drawn from the party's top ranks, or installed by a driver.

    Attributes:
        id: sequential number within the party (a new leader gets a new id).
        kind: reformer, economic_reformer, closet_social_democrat, believer, conservative or autocrat.
        belief, careerism, reformism, sd_affinity: the leader's traits (as for members).
        since: year the leader took office.
        term_end: year of the next regular succession (None: a named leader, who has no regular term).
        name: a name, when a driver gives one.
        named: whether a driver named it.
        row, cohort: for a leader drawn from the members, the member row and cohort it came from; its belief goes
            on following that cohort's (a leader is one of its generation: :func:`~sim.mechanisms.leadership.
            follow_cohort`), while its programme (kind, reformism, social-democratic affinity) is fixed at selection.
        born: birth year (given by a driver where the sources know it, else drawn: :mod:`sim.mechanisms.tenure`).
        health: multiplier of the leader's death hazard (1: the age's hazard).
        dated_until: for a named leader, the year of the scenario's next dated succession in its state, which
            holds it in office until then (None: no later dated succession, or not named).
    """

    id: int
    kind: LeaderKind
    belief: float
    careerism: float
    reformism: float
    sd_affinity: float
    since: int
    term_end: int | None
    name: str = ""
    named: bool = False  # named by a driver: held until its dated successor, else subject to death and removal
    row: int = -1  # the member row (party-local) a drawn leader came from; -1 for a driver-installed leader
    cohort: int = -1  # the cohort that row held when the leader was drawn
    born: int = 0
    health: float = 1.0
    dated_until: int | None = None

    @property
    def orthodoxy(self) -> float:
        """How orthodox the leader is: (belief + (1 - reformism)) / 2, the axis of ideological distance."""
        return 0.5 * (self.belief + 1.0 - self.reformism)

    def describe(self) -> str:
        """The leader in words, e.g. ``"a reformer leader (since 1985)"``."""
        kind = self.kind.replace("_", " ")
        article = "an" if kind[0] in "aeiou" else "a"
        who = f" {self.name}" if self.name else ""
        return f"{article} {kind} leader{who} (since {self.since})"


def _term_end(year: int, rng: np.random.Generator, params: Parameters) -> int:
    return year + int(rng.integers(params.term_min, max(params.term_min, params.term_max) + 1))


def install_leader(
    party: PartyAgent,
    kind: LeaderKind | str,
    year: int,
    name: str = "",
    until_replaced: bool = False,
    belief: float | None = None,
    term: int | None = None,
    born: int | None = None,
    health: float | None = None,
) -> Leader:
    """Put a leader of a given kind in office, with the profile traits of :data:`LEADER_PROFILES`.

    A leader named by a driver (``until_replaced=True``: e.g. a reformer General Secretary in 1985) serves until
    the scenario's next dated succession in its state; without one it has no regular term and serves until it
    dies, retires or is removed (:mod:`sim.mechanisms.tenure`). One installed by a mechanism serves ``term`` years
    if given (an intervention's leader: ``installed_term``), else a regular term. A driver may give the leader's
    ``belief`` in the goal where the sources set it apart from its kind's profile (Khrushchev, a reformer who still
    believed in the communist future: Brown 2009); the kind alone sets the programme. A driver may give its birth
    year ``born`` (else the age at taking office is drawn) and its ``health`` (default 1).
    """
    model = party.model
    rng = model.streams(f"succession/{party.code}")
    kind = LeaderKind(kind)
    profile_belief, careerism, reformism, sd = leader_profile(kind, model.params)
    belief = profile_belief if belief is None else belief
    party.leaders_so_far += 1
    dated_until = tenure.next_dated_succession(model, party.state.code, year) if until_replaced else None
    if until_replaced:
        term_end = None
    elif term is not None:
        term_end = year + term
    else:
        term_end = _term_end(year, rng, model.params)
    leader = Leader(party.leaders_so_far, kind, belief, careerism, reformism, sd, year, term_end, name, until_replaced)
    leader.born = tenure.draw_birth_year(party, year, model.params) if born is None else born
    leader.health = 1.0 if health is None else health
    leader.dated_until = dated_until
    party.leader = leader
    if kind == LeaderKind.AUTOCRAT:
        party.personalism = max(party.personalism, model.params.autocrat_personalism)
    return leader


def draw_successor(
    party: PartyAgent, year: int, hegemony: float, rng: np.random.Generator, params: Parameters
) -> Leader:
    """Draw the next leader from the top ranks of the party's members.

    A candidate is drawn uniformly from the occupied rows of the two highest ranks present; if it is a reformer, the
    selectorate vetoes it with probability ``reformer_veto * D * h`` and draws again among the others
    (MODEL.md: reformers reach the top only when D is low or h is low).
    """
    members = party.members
    top = _top_rows(members)
    if not top.any():
        return install_leader(party, LeaderKind.CONSERVATIVE, year)
    candidates = np.flatnonzero(top)
    pick = int(rng.choice(candidates))

    def traits(row: int) -> tuple[float, float, float, float]:
        return (
            float(members.belief[row]),
            float(members.careerism[row]),
            float(members.reformism[row]),
            float(members.sd_affinity[row]),
        )

    rule = TypeRule.from_params(params)
    kind = rule.leader_kind(*traits(pick))
    if kind.starts_reform and rng.random() < params.reformer_veto * party.centralism * hegemony:
        orthodox = candidates[[not rule.leader_kind(*traits(int(r))).starts_reform for r in candidates]]
        if orthodox.size:
            pick = int(rng.choice(orthodox))
            kind = rule.leader_kind(*traits(pick))
    party.leaders_so_far += 1
    term_end = _term_end(year, rng, params)
    cohort = int(members.cohort[pick])
    leader = Leader(party.leaders_so_far, kind, *traits(pick), year, term_end, row=pick, cohort=cohort)
    leader.born = tenure.draw_birth_year(party, year, params)
    party.leader = leader
    return leader


def follow_cohort(party: PartyAgent) -> None:
    """A drawn leader's belief follows its cohort's, which erodes with the performance gap like every member's
    (MODEL.md section 2: the leadership's mix follows the membership's mix); a driver-installed leader keeps its
    profile. Once the cohort has retired the leader's belief stays where it was."""
    leader = party.leader
    if leader is None or leader.row < 0:
        return
    members = party.members
    if int(members.cohort[leader.row]) == leader.cohort and members.weight[leader.row] > 0:
        leader.belief = float(members.belief[leader.row])


def organisation_ceiling(state: StateAgent, params: Parameters) -> float:
    """Highest centralism a ruling party can sustain: the state-capacity cap (a party cannot be more disciplined
    than its state can organise: cadres, communications, literacy)."""
    return capacity_cap(state.capacity, params)


def consolidate(party: PartyAgent, target: float, capacity: float, params: Parameters) -> None:
    """M approaches the monopoly-pressure target at a rate scaled by state capacity (weak states consolidate slowly).

    Upward not while the regime is in crisis or has called free elections; downward where the target is below the
    party's monopoly (a regime held to pluralism by outside pressure: the Sandinistas kept opposition parties and
    the 1984 election).
    """
    called = party.model.elections_called | party.model.elections_due
    rate = params.consolidation_rate * capacity_cap(capacity, params)
    rising = party.monopoly < target and not party.state.crisis and party.state.code not in called
    if rising or party.monopoly > target:
        party.monopoly = approach(party.monopoly, target, rate)


def _top_rows(members) -> np.ndarray:
    """The occupied rows of the two highest ranks present (all False when no row is occupied)."""
    occupied = members.weight > 0
    if not occupied.any():
        return occupied
    return occupied & (members.rank >= max(0, int(members.rank[occupied].max()) - 1))


def top_reformism(party: PartyAgent) -> float:
    """Mean reformism of the members in the party's two highest ranks (weighted by members)."""
    m = party.members
    if m is None:
        return 0.0
    top = _top_rows(m)
    if not top.any():
        return 0.0
    weight = m.weight[top]
    return float((weight * m.reformism[top]).sum() / weight.sum())


def reform_support(party: PartyAgent, params: Parameters) -> float:
    """The top ranks' backing for reform: clip((top reformism - reformism_base) / reform_support_full) in [0, 1]."""
    return min(1.0, max(0.0, top_reformism(party) - params.reformism_base) / params.reform_support_full)


def reform_pace(party: PartyAgent, params: Parameters) -> float:
    """How fast a political reformer can move: floor + (1 - floor) * :func:`reform_support`.

    A reformer at the head of a party whose top ranks do not want reform (the Presidium of 1953) moves slowly; one
    backed by a generation of reformers in the top ranks (1985) at full pace.
    """
    return params.reform_support_floor + (1.0 - params.reform_support_floor) * reform_support(party, params)


def reform_program(party: PartyAgent, state: StateAgent, hegemony: float, params: Parameters) -> None:
    """One year of the leader's programme (the reform sequence, or orthodox restoration and consolidation).

    ``hegemony`` is the hegemony of the centre whose camp the party is in (0 for the centre's own party). A reformer
    starts the year after it takes office. A political reformer moves at :func:`reform_pace`, cannot take centralism
    below ``glasnost_belief`` * its belief in the goal nor below ``glasnost_hegemony * h``, starts market reform
    only while its belief is below ``market_belief_max`` and ``hegemony < market_hegemony_max``, and concedes
    contested elections only once the movement's enforcement is no longer credible (``hegemony <
    election_hegemony_max``): a believing reformer, or one under a credible centre, keeps reform within the system
    (de-Stalinisation, not glasnost, perestroika or demokratizatsiya).
    ``party.reforming`` records whether the year's programme reformed (what the centre reads as deviation).
    """
    leader = party.leader
    kind = leader.kind if leader else LeaderKind.CONSERVATIVE
    party.reforming = False
    if leader is not None and leader.since == state.model.year and kind.starts_reform:
        pass  # a new reformer spends its first year taking hold of the party
    elif kind.reforming:
        pace = (params.closet_pace if kind == LeaderKind.CLOSET_SOCIAL_DEMOCRAT else 1.0) * reform_pace(party, params)
        pace *= float(np.exp(params.reform_pace_sd * party.model.streams(f"reform/{party.code}").standard_normal()))
        floor = max(params.glasnost_floor, params.glasnost_hegemony * hegemony, params.glasnost_belief * leader.belief)
        if party.centralism > floor:
            party.centralism = max(floor, party.centralism - params.glasnost_step * pace)
            party.reforming = True
        state.note("glasnost (open debate lowers centralism)")
        believes = leader.belief >= params.market_belief_max
        if party.centralism < params.market_start and hegemony < params.market_hegemony_max and not believes:
            party.market = min(params.political_market_max, party.market + params.market_step)
            party.private = min(
                params.political_private_max, party.private + params.political_private_pace * params.market_step
            )
            party.reforming = True
            state.note("market reform")
        if party.centralism < params.election_start and hegemony < params.election_hegemony_max:
            party.monopoly = clip01(party.monopoly - params.election_step * pace)
            party.reforming = True
            state.note("contested elections")
    elif kind == LeaderKind.ECONOMIC_REFORMER:
        if party.market < params.economic_market_max:
            state.note("market reform with the monopoly kept")
        party.market = min(params.economic_market_max, party.market + params.market_step)
        party.private = min(params.economic_market_max, party.private + params.market_step)
        if party.centralism < params.economic_centralism_max:
            party.centralism = min(params.economic_centralism_max, party.centralism + params.restore_step)
        consolidate(party, state.monopoly_pressure, state.capacity, params)
    elif party.pragmatic is not None and kind != LeaderKind.AUTOCRAT:
        # an orthodox leadership that has turned to market reform under a neighbour's example (:func:`emulate`)
        party.market = min(params.economic_market_max, party.market + params.market_step)
        party.private = min(params.economic_market_max, party.private + params.market_step)
        state.note("market reform with the monopoly kept, after a neighbour's example")
        ceiling = params.orthodox_centralism_max
        if party.centralism < ceiling:
            party.centralism = min(ceiling, party.centralism + params.restore_step)
        consolidate(party, state.monopoly_pressure, state.capacity, params)
    else:
        speed = params.autocrat_speed if kind == LeaderKind.AUTOCRAT else 1.0
        ceiling = 1.0 if kind == LeaderKind.AUTOCRAT else params.orthodox_centralism_max
        if party.centralism < ceiling:
            party.centralism = min(ceiling, party.centralism + params.restore_step * speed)
        incoherent = abs(state.command - state.ownership) > params.incoherence_tolerance
        reformed = party.market > 0 or party.private > 0
        if reformed and (incoherent or state.performance < params.performance_base or kind == LeaderKind.AUTOCRAT):
            party.market = max(0.0, party.market - params.recentralise_step * speed)
            party.private = max(0.0, party.private - params.recentralise_step * speed)
            state.note("re-centralisation")
        target = max(state.monopoly_pressure, 1.0 if kind == LeaderKind.AUTOCRAT else 0.0)
        consolidate(party, target, state.capacity, params)
    if kind == LeaderKind.AUTOCRAT:
        party.personalism = min(1.0, party.personalism + params.personalism_growth)
    else:
        party.personalism *= params.personalism_retention
    party.centralism = min(party.centralism, organisation_ceiling(state, params))


def reform_examples(world: CommunistWorld) -> dict[str, float]:
    """Per region (as in :func:`sim.mechanisms.dissent.fallen_peers`): the best performance of a Communist-ruled
    state of the region that is a hybrid after market reform (last year's status): the example a neighbour sets."""
    best: dict[str, float] = {}
    for s in world.states:
        party = s.ruling_party
        if party is not None and party.market > 0 and s.status == Status.HYBRID:
            best[s.main_region] = max(best.get(s.main_region, 0.0), s.performance)
    return best


def emulation_chance(
    party: PartyAgent, state: StateAgent, example: float, hegemony: float, params: Parameters
) -> float:
    """Chance that an orthodox leadership (a believer or a conservative) turns to market reform with the monopoly
    kept this year: 1 - exp(-``emulation_rate`` * support * max(0, example - P)), ``example`` the performance of the
    region's best reforming neighbour (:func:`reform_examples`), P the state's own and support the top ranks'
    backing for reform (:func:`reform_support`). None under a centre that still enforces the plan (``hegemony >=
    market_hegemony_max``), and none for an autocrat (a personal dictator shares no power with markets: Kim,
    Castro)."""
    leader = party.leader
    if leader is None or leader.kind not in (LeaderKind.BELIEVER, LeaderKind.CONSERVATIVE):
        return 0.0
    if hegemony >= params.market_hegemony_max:
        return 0.0
    gap = max(0.0, example - state.performance)
    return 1.0 - float(np.exp(-params.emulation_rate * reform_support(party, params) * gap))


def emulate(party: PartyAgent, state: StateAgent, example: float, hegemony: float, draw: float) -> None:
    """The pragmatic turn (Vietnam's Doi Moi and Laos's New Economic Mechanism of 1986, after China's reform): an
    orthodox leadership, without a change of leader, adopts market reform with the monopoly kept when a reforming
    neighbour does better (:func:`emulation_chance`; ``draw`` the year's uniform). Logged with its causes; the party
    keeps the line (``party.pragmatic``, the year of the turn) under its later orthodox leaders."""
    params = party.model.params
    if party.pragmatic is not None or draw >= emulation_chance(party, state, example, hegemony, params):
        return
    party.pragmatic = party.model.year
    party.model.log.record(
        party.model.year,
        state.code,
        EventKind.POLICY,
        f"{party.name} turns to market reform with the monopoly kept, after a reforming neighbour's example "
        f"(its performance {example:.2f} against {state.performance:.2f}; top ranks' support "
        f"{reform_support(party, params):.2f})",
    )


def patron_goal(party: PartyAgent, state: StateAgent, params: Parameters) -> None:
    """A party of the ``other`` route (an army regime that proclaimed Marxism-Leninism under a patron) declares the
    goal as far as its patron counts: G += ``goal_drop`` (``other_goal`` min(1, h / ``goal_hegemony_max``) - G), h
    the hegemony of its camp's centre while that centre is active and 0 once it has gone (not the hegemony an
    independent party imposes on itself). Whether it rules or governs after an election (the MPLA, the PDPA)."""
    patron = party.model.patron_hegemony(party)
    target = params.other_goal * min(1.0, patron / params.goal_hegemony_max)
    if target < party.goal - 0.05:
        state.note("the regime drops its Marxist-Leninist programme as its patron withdraws")
    party.goal = party.goal + params.goal_drop * (target - party.goal)


def sticky_goal(party: PartyAgent, hegemony: float, state: StateAgent, params: Parameters) -> None:
    """The declared goal falls only when the leader disbelieves, prefers social democracy and h is low.

    G -= goal_drop when leader belief < .4, leader s >= .6 and h < goal_hegemony_max (MODEL.md section 2: a
    leadership cannot renounce the goal without abandoning a source of legitimacy, Brown 2009); believers and
    autocrats restore it. A party brought to power by the ``other`` route (an army regime proclaiming
    Marxism-Leninism) declares the goal only as far as its patron counts: G -> other_goal * min(1, h /
    goal_hegemony_max), h the hegemony of its camp's centre while that centre is active, 0 once it has gone
    (:meth:`~sim.model.CommunistWorld.patron_hegemony`).
    """
    leader = party.leader
    if leader is None:
        return
    if party.origin == Origin.OTHER:
        patron_goal(party, state, params)
        return
    drops = TypeRule.from_params(params).closet_social_democrat(leader.belief, leader.sd_affinity)
    if drops and hegemony < params.goal_hegemony_max:
        if party.goal > 0:
            state.note("the leadership dropped the goal of communism")
        party.goal = max(0.0, party.goal - params.goal_drop)
    elif leader.kind.orthodox:
        party.goal = min(1.0, party.goal + params.goal_restore * params.goal_drop)


def init(world: CommunistWorld) -> None:
    """A believer leader (regular term) for every Communist party that has none after the takeovers."""
    for party in world.communist_parties:
        if party.leader is None:
            install_leader(party, LeaderKind.BELIEVER, world.year)


def leader_exit(world: CommunistWorld, party: PartyAgent, removal: LeaderExit | None) -> LeaderExit | None:
    """Why the ruling party's leader leaves office this year, if it does: the crisis step's ``removal``, else death
    or retirement (:func:`~sim.mechanisms.tenure.exit_by_age`, drawn every year), else the end of a regular term."""
    leader, year = party.leader, world.year
    aged = tenure.exit_by_age(leader, year, world.streams(f"leader_exit/{party.code}"), world.params)
    if removal is not None:
        return removal
    if aged is not None:
        return aged
    if leader.term_end is not None and year >= leader.term_end:
        return LeaderExit.TERM
    return None


def ruling_party_year(
    world: CommunistWorld,
    party: PartyAgent,
    removal: LeaderExit | None = None,
    examples: dict[str, float] | None = None,
) -> None:
    """Succession (at death, retirement, a term's end, or a removal in a crisis), the leader's programme, the
    sticky goal, transition."""
    params, state, year = world.params, party.state, world.year
    hegemony = world.hegemony_for(party)
    # the hegemon's own party answers to no centre, unless a laboratory schedules its hegemony as a lever
    host = any(c.party is party and not c.rival for c in world.centres)
    binding = 0.0 if host and not world.drivers.scheduled("hegemony") else hegemony
    follow_cohort(party)
    why = leader_exit(world, party, removal)
    if why is not None:
        old = party.leader
        new = draw_successor(party, year, hegemony, world.streams(f"succession/{party.code}"), params)
        if new.kind != old.kind:
            state.note(f"{new.describe()} took over after its predecessor {why.phrase}")
        world.log.record(
            year,
            state.code,
            EventKind.LEADER,
            f"{party.name}: {tenure.departure(old, why, year)}; {new.describe()} succeeds",
        )
    if examples is not None:
        draw = float(world.streams(f"emulation/{party.code}").random())
        emulate(party, state, examples.get(state.main_region, 0.0), binding, draw)
    reform_program(party, state, binding, params)
    sticky_goal(party, hegemony, state, params)
    if party.monopoly < params.transition_monopoly and state.code not in world.elections_called:
        state.free_elections = True
        world.elections_called.add(state.code)
        state.note("founding free elections called")


def step(world: CommunistWorld) -> None:
    """Every ruling party's year (:func:`ruling_party_year`); a leader the crisis step marked for removal goes (if
    it is still the leader who faced the crisis: a conservative the centre installed since is not the one
    removed)."""
    examples = reform_examples(world)
    for party in world.communist_parties:
        if party.role == Role.RULING:
            marked = world.crisis_removals.get(party.code)
            removal = marked[1] if marked is not None and marked[0] is party.leader else None
            ruling_party_year(world, party, removal, examples)
        elif party.role.in_office and party.origin == Origin.OTHER:
            patron_goal(party, party.state, world.params)  # a former army regime governing after elections
