"""Public dissent by thresholds (Kuran 1991; Granovetter 1978), among citizens and party members.

Each citizen and member holds a private opposition x and voices it only when the dissent it perceives reaches its
personal threshold, which rises with repression: centralism D, domestic repression capacity, Soviet backing
(credibility*v, the backing the camp's citizens believe in: :func:`sim.mechanisms.enforcement.learn`) and the fear left
by crackdowns. Members perceive their own party organisation and the organisations linked to it; democratic centralism
forbids horizontal links, which exist with probability 1 - D (Brown 2009), so centralism also blinds members to each
other. The cascade is iterated to its fixed point within the year: when repression weakens, a society in which most
oppose privately can switch in one year from silence to open revolt (Kuran's "now out of never").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.features import Status
from sim.mechanisms.economy import approach
from sim.params import Parameters
from sim.population import CitizenTable, MemberTable
from sim.vocab import Role

if TYPE_CHECKING:
    from sim.model import CommunistWorld


def citizen_opposition(
    legitimacy: np.ndarray, hardship: np.ndarray, fallen: np.ndarray, disposition: np.ndarray, params: Parameters
) -> np.ndarray:
    """Private opposition of citizens: x = clip(base - L + k_H * H + k_f * fallen + d).

    d is the citizen's fixed disposition; ``fallen`` the share of peer regimes that have fallen: seeing neighbours
    free themselves shows that the regime is not the only possible order (Kuran 1991).
    """
    x = (
        params.opposition_base
        - legitimacy
        + params.opposition_hardship * hardship
        + params.contagion_opposition * fallen
        + disposition
    )
    return np.clip(x, 0, 1)


def emigrate(
    citizens: CitizenTable,
    rows: slice,
    opposition: np.ndarray,
    rate: float,
    rng: np.random.Generator,
    params: Parameters,
) -> int:
    """Exit instead of voice (Hirschman 1970): privately opposed citizens leave with probability ``rate``.

    Each emigrant's place in the sample is taken by a new citizen drawn from the initial distributions, so the
    sample keeps its size while losing the opposed. Returns the number who left.
    """
    leave = (opposition > params.opposition_cutoff) & (rng.random(opposition.size) < rate)
    n = int(leave.sum())
    if n:
        idx = np.arange(rows.start, rows.stop)[leave]
        citizens.disposition[idx] = rng.normal(0.0, params.opposition_spread, n)
        citizens.threshold[idx] = rng.normal(params.threshold_mean, params.threshold_sd, n)
        citizens.dissent[idx] = False
    return n


def repression_level(
    centralism: np.ndarray,
    capacity: np.ndarray,
    backing: np.ndarray,
    personalism: np.ndarray,
    fear: np.ndarray,
    params: Parameters,
) -> np.ndarray:
    """R = clip(a D + b K + c backing + d personalism + fear), backing = h*v (h in the centre's host state).

    MODEL.md: thresholds rise with D, domestic capacity and Soviet backing h*v; personal dictatorship adds terror
    and a cult that isolates citizens (Brown 2009 on Stalin, Mao and the Kims).
    """
    return np.clip(
        params.repression_centralism * centralism
        + params.repression_capacity * capacity
        + params.repression_backing * backing
        + params.repression_personalism * personalism
        + fear,
        0.0,
        params.repression_max,
    )


def thresholds(
    base: np.ndarray, repression: np.ndarray, opposition: np.ndarray, fallen: np.ndarray, params: Parameters
) -> np.ndarray:
    """tau = theta + k_R * R - k_x * (x - 1/2) - contagion * fallen.

    theta is the personal threshold (risk aversion); fervent opponents need less company (Kuran 1991); every
    peer regime of the bloc that has already fallen shows that dissent can win (demonstration effect).
    """
    return (
        base
        + params.threshold_repression * repression
        - params.threshold_opposition * (opposition - params.opposition_cutoff)
        - params.contagion * fallen
    )


def horizontal_links(centralism: np.ndarray, n_orgs: int, rng: np.random.Generator) -> np.ndarray:
    """Adjacency between the organisations of each party, shape (parties, orgs, orgs).

    Each pair of organisations of a party is linked this year with probability 1 - D; every organisation sees
    itself. Drawn for all parties at once (a fixed number of draws, for common random numbers).
    """
    n_parties = centralism.size
    draws = rng.random((n_parties, n_orgs, n_orgs))
    linked = draws < (1.0 - centralism)[:, None, None]
    upper = np.triu(linked, k=1)
    adjacency = upper | upper.transpose(0, 2, 1)
    adjacency |= np.eye(n_orgs, dtype=bool)[None, :, :]
    return adjacency.astype(float)


@dataclass
class DissentInputs:
    """Per-state and per-party quantities the cascade needs (arrays indexed by state or by party)."""

    active_state: np.ndarray  # state has a ruling Communist party
    civil_society: np.ndarray  # independent institutions per state
    legitimacy: np.ndarray
    hardship: np.ndarray
    repression: np.ndarray  # R per state
    fallen: np.ndarray  # share of fallen peer regimes per state
    party_state: np.ndarray  # state index of each party
    active_party: np.ndarray  # party rules its state
    centralism: np.ndarray  # D per party
    state_party: np.ndarray  # ruling party index per state, -1 if none
    peers: np.ndarray | None = None  # (states, states): weight of j's example for i (:func:`wave_peers`); None: none


@dataclass
class DissentResult:
    """Outcome of one year's cascade."""

    public_dissent: np.ndarray  # share of citizens voicing dissent, per state
    private_opposition: np.ndarray  # share of citizens privately opposed, per state
    member_dissent: np.ndarray  # weighted share of members voicing dissent, per party
    member_opposition: np.ndarray  # weighted share of members privately opposed, per party
    rounds: int
    mass_round: np.ndarray  # per state: the cascade round in which public dissent reached the crisis level (-1: not)
    example: np.ndarray  # per state: the population share of regional peers in mass protest this year (wave_peers)


def threshold_cascade(
    citizens: CitizenTable,
    members: MemberTable,
    inputs: DissentInputs,
    links: np.ndarray,
    params: Parameters,
) -> DissentResult:
    """Iterate public dissent to its fixed point (at most ``cascade_iterations`` rounds).

    Citizens perceive the share of citizens dissenting in their state plus ``elite_signal`` times the dissent
    voiced inside the ruling party. Members perceive ``(1 - street) * (their organisation and its linked
    organisations) + street * (citizens' dissent)``. A citizen or member dissents when privately opposed
    (x > 1/2) and its perception reaches its threshold. The previous year's dissent is the starting point. The
    rounds are the cascade's own clock within the year: ``mass_round`` records, per state, the round in which
    dissent reached the crisis level, so that fast and slow revolutions can be told apart (pattern 3).
    """
    n_states = citizens.n_states
    n_parties = members.n_parties
    n_orgs = members.orgs_per_party
    n_per_state = citizens.n_per_state
    # citizens sit in one block per state: as (states, citizens per state), per-state inputs broadcast over their
    # row and per-state counts are row counts (the same numbers as gathering by each citizen's state, and cheaper)
    by_state = (n_states, n_per_state)
    column = lambda per_state: per_state[:, None]  # noqa: E731
    x_c = citizen_opposition(
        column(inputs.legitimacy), column(inputs.hardship), column(inputs.fallen),
        citizens.disposition.reshape(by_state), params,
    )  # fmt: skip
    opposed_c = (x_c > params.opposition_cutoff) & column(inputs.active_state)
    tau_c = thresholds(
        citizens.threshold.reshape(by_state), column(inputs.repression), x_c, column(inputs.fallen), params
    )
    tau_c = tau_c - params.civil_society_weight * column(inputs.civil_society)  # they can see each other

    def state_share(flags: np.ndarray) -> np.ndarray:
        return np.count_nonzero(flags, axis=1) / n_per_state

    x_m = members.opposition(params)
    opposed_m = (x_m > params.opposition_cutoff) & members.spread(inputs.active_party) & (members.weight > 0)
    y_c = citizens.dissent.reshape(by_state) & opposed_c
    w_m = members.weight
    org_weight = np.bincount(members.org, weights=w_m, minlength=n_parties * n_orgs).reshape(n_parties, n_orgs)
    linked_weight = np.einsum("pgh,ph->pg", links, org_weight)
    party_weight = org_weight.sum(axis=1)
    # only privately opposed members can dissent: the rounds work on those rows alone (the others add zeros), and
    # their thresholds are all that is needed (each row's the same as over the whole table)
    rows = np.flatnonzero(opposed_m)
    ms_o = inputs.party_state[members.party[rows]]
    tau_o = thresholds(members.threshold[rows], inputs.repression[ms_o], x_m[rows], inputs.fallen[ms_o], params)
    tau_o = tau_o + params.career_risk * members.careerism[rows]  # members risk their careers
    org_o, w_o = members.org[rows], w_m[rows]
    y_o = members.dissent[rows]
    has_ruling = inputs.state_party >= 0
    ruling_idx = np.where(has_ruling, inputs.state_party, 0)
    rounds = 0
    mass_round = np.where(state_share(y_c) >= params.crisis_dissent, 0, -1)
    wave = params.wave_contagion if inputs.peers is not None else 0.0
    tau_c0, tau_o0 = tau_c, tau_o
    example = np.zeros(n_states)
    while rounds < params.cascade_iterations:
        rounds += 1
        share_c = state_share(y_c)
        if wave > 0:  # a neighbour's mass protest earlier this year shows that dissent can win (Lohmann 1994)
            example = inputs.peers @ (mass_round >= 0)
            tau_c, tau_o = tau_c0 - wave * column(example), tau_o0 - wave * example[ms_o]
        org_dissent = np.bincount(org_o, weights=w_o * y_o, minlength=n_parties * n_orgs).reshape(n_parties, n_orgs)
        party_dissent = np.divide(
            org_dissent.sum(axis=1), party_weight, out=np.zeros(n_parties), where=party_weight > 0
        )
        seen = np.einsum("pgh,ph->pg", links, org_dissent)
        seen_share = np.divide(seen, linked_weight, out=np.zeros_like(seen), where=linked_weight > 0)
        elite = np.where(has_ruling, party_dissent[ruling_idx], 0.0)
        perceived_c = share_c + params.elite_signal * elite
        perceived_o = (1 - params.street_visibility) * seen_share.ravel()[org_o] + params.street_visibility * (
            share_c[ms_o]
        )
        new_c = opposed_c & (column(perceived_c) >= tau_c)
        new_o = perceived_o >= tau_o
        reached = state_share(new_c) >= params.crisis_dissent
        mass_round = np.where((mass_round < 0) & reached, rounds, mass_round)
        if np.array_equal(new_c, y_c) and np.array_equal(new_o, y_o):
            break
        y_c, y_o = new_c, new_o
    y_m = np.zeros(members.size, dtype=bool)
    y_m[rows] = y_o
    citizens.dissent[:] = y_c.ravel()
    members.dissent[:] = y_m
    public = state_share(y_c)
    private = state_share(opposed_c)
    # weighted shares per party, summed over the rows that count (skipping rows that would add zero)
    total = members.per_party_sum()
    voiced = rows[y_o]
    opposing = np.flatnonzero(x_m > params.opposition_cutoff)
    member_dissent = _party_share(members, voiced, total)
    member_opposition = _party_share(members, opposing, total)
    return DissentResult(public, private, member_dissent, member_opposition, rounds, mass_round, example)


def _party_share(members: MemberTable, rows: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Per party: the weight of ``rows`` over the party's total weight (0 for a party with no weight)."""
    weight = np.bincount(members.party[rows], weights=members.weight[rows], minlength=members.n_parties)
    return np.divide(weight, total, out=np.zeros(members.n_parties), where=total > 0)


def centralism_erosion(centralism: float, member_dissent: float, params: Parameters) -> float:
    """Open dissent inside the party breaks its discipline: D -= k * (member dissent share)."""
    return max(0.0, centralism - params.dissent_erodes_centralism * member_dissent)


def fallen_peers(world: CommunistWorld, soviet_sphere: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The demonstration effect: the share of its reference group's once-Communist population that has left
    communism.

    For each state, the population of the states of its region (``Europe/Asia`` counts as Europe) that have
    been communist or hybrid and are now non_communist, over the population of all such states including its
    own (last year's status). A neighbour's fall counts in proportion to its size: the Soviet Union's fall
    weighs on Albania; Mongolia's barely on China. The sums of each region are taken once (in scenario order);
    a state that has itself fallen sums its fallen peers without itself. A state whose rule rests on Soviet force
    takes the same share over the Soviet sphere in a weight w (:func:`sphere`; ``soviet_sphere`` when already
    computed): (1 - w) its region's + w the sphere's.
    """

    peers_in: dict[str, list] = {}
    for s in world.states:
        if s.ever_communist:
            peers_in.setdefault(s.main_region, []).append(s)
    total_in = {r: sum(s.population for s in peers) for r, peers in peers_in.items()}
    gone_in = {r: sum(s.population for s in peers if s.status == Status.NON_COMMUNIST) for r, peers in peers_in.items()}
    size, w = sphere(world) if soviet_sphere is None else soviet_sphere
    counted = np.array([s.ever_communist for s in world.states])
    gone = np.array([s.ever_communist and s.status == Status.NON_COMMUNIST for s in world.states])
    sphere_total, sphere_gone = float(size[counted].sum()), float(size[gone].sum())
    fallen = np.zeros(len(world.states))
    for state in world.states:
        if state.ruling_party is None:
            continue
        i, r = state.index, state.main_region
        peers = peers_in.get(r, [])
        total = total_in.get(r, 0) + (0.0 if state.ever_communist else state.population)
        if gone[i]:
            own = sum(s.population for s in peers if s is not state and s.status == Status.NON_COMMUNIST)
        else:
            own = gone_in.get(r, 0)
        fallen[i] = own / total if total > 0 else 0.0
        if w[i] > 0:
            denominator = sphere_total + (0.0 if counted[i] else size[i])
            share = (sphere_gone - (size[i] if gone[i] else 0.0)) / denominator if denominator > 0 else 0.0
            fallen[i] = (1.0 - w[i]) * fallen[i] + w[i] * share
    return fallen


def sphere(world: CommunistWorld) -> tuple[np.ndarray, np.ndarray]:
    """The Soviet sphere, as two arrays over the states: each state's weight in the sphere's example (its population
    times its Soviet dependence v; the primary centre's host counts whole) and the weight w = min(1,
    ``sphere_example`` * v) the sphere has in the state's own demonstration effects (:func:`fallen_peers`,
    :func:`wave_peers`). A regime that rests on Soviet force looks where its elites trained and its army comes
    from, wherever it lies: Mongolia's democrats of 1989-90 took the East European revolutions as their example.
    A world without a centre has no sphere (all zeros)."""
    n = len(world.states)
    centre = world.primary_centre
    if centre is None:
        return np.zeros(n), np.zeros(n)
    v = np.array([s.soviet_dependence for s in world.states], dtype=float)
    population = np.array([s.population for s in world.states], dtype=float)
    size = population * v
    size[centre.host.index] = centre.host.population
    return size, np.minimum(1.0, world.params.sphere_example * v)


def wave_peers(world: CommunistWorld, soviet_sphere: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The weights of a neighbour's example within the year: ``W[i, j]`` is the share of the population of state
    ``i``'s region (as in :func:`fallen_peers`) that lives in Communist-ruled state ``j`` of the same region, for
    ``j != i``. The threshold cascade lowers state ``i``'s thresholds by ``wave_contagion * W @ m``, where ``m`` marks
    the states whose protest has already become a mass protest this year: a protest next door shows that dissent
    can be voiced (Lohmann 1994 on Leipzig; Kuran 1991), before any regime has fallen. A state whose rule rests on
    Soviet force mixes in the same weights over the Soviet sphere (:func:`sphere`; ``soviet_sphere`` when already
    computed): (1 - w) its region's + w the sphere's, ``j``'s weight there its share of the sphere.
    """

    total: dict[str, float] = {}
    for s in world.states:
        if s.ever_communist or s.ruling_party is not None:
            total[s.main_region] = total.get(s.main_region, 0.0) + s.population
    region = np.array([s.main_region for s in world.states])
    ruled = np.array([s.ruling_party is not None for s in world.states])
    population = np.array([s.population for s in world.states], dtype=float)
    denominator = np.array([total.get(r, 0.0) for r in region])
    links = (region[:, None] == region[None, :]) & ruled[:, None] & ruled[None, :] & (denominator > 0)[:, None]
    np.fill_diagonal(links, False)
    safe = np.where(denominator > 0, denominator, 1.0)
    peers = np.where(links, population[None, :] / safe[:, None], 0.0)
    size, w = sphere(world) if soviet_sphere is None else soviet_sphere
    counted = np.array([s.ever_communist or s.ruling_party is not None for s in world.states])
    sphere_total = float(size[counted].sum())
    mixed = (w > 0) & ruled
    if sphere_total > 0 and mixed.any():
        outside = np.where(ruled & (size > 0), size / sphere_total, 0.0)
        peers[mixed] = (1.0 - w[mixed, None]) * peers[mixed] + w[mixed, None] * outside[None, :]
        rows = np.flatnonzero(mixed)
        peers[rows, rows] = 0.0  # not its own example
    return peers


def step(world: CommunistWorld) -> None:
    """The Kuran cascade in every Communist-ruled state at once.

    Fear decays; where an emigration driver is set, privately opposed citizens leave (:func:`emigrate`); the
    cascade runs (:func:`threshold_cascade`) with repression from D, domestic capacity, the centre's backing
    (h in its host state; credibility*v in a state of its camp, the backing its citizens believe in:
    :func:`sim.mechanisms.enforcement.learn`), personalism and fear; then open dissent inside each ruling
    party erodes its centralism (:func:`centralism_erosion`), and the state's repression capacity approaches
    the share of its apparatus that stays loyal.
    """
    params = world.params
    n_states = len(world.states)
    index_of = {p.code: i for i, p in enumerate(world.communist_parties)}
    state_party = np.full(n_states, -1)
    centralism_s = np.zeros(n_states)
    backing = np.zeros(n_states)
    primary = world.primary_centre
    for state in world.states:
        state.fear *= 1.0 - params.fear_decay
        party = state.ruling_party
        if party is None:
            continue
        state_party[state.index] = index_of[party.code]
        centralism_s[state.index] = party.centralism
        if primary is not None and primary.active and state is primary.host:
            backing[state.index] = primary.hegemony  # the centre's own coercive apparatus
        elif primary is not None and primary.active and party.camp == primary.code:
            backing[state.index] = primary.credibility * state.soviet_dependence  # as its citizens believe it
    fear = np.array([s.fear for s in world.states])
    capacity = np.array([s.repression for s in world.states])
    personalism = np.array([s.ruling_party.personalism if s.ruling_party else 0.0 for s in world.states])
    soviet_sphere = sphere(world)
    fallen = fallen_peers(world, soviet_sphere)
    for state in world.states:
        if state.emigration > 0 and state_party[state.index] >= 0:
            rows = state.citizen_rows
            n = rows.stop - rows.start
            x = citizen_opposition(
                np.full(n, state.legitimacy), np.full(n, state.hardship), np.full(n, fallen[state.index]),
                world.citizens.disposition[rows], params,
            )  # fmt: skip
            emigrate(world.citizens, rows, x, state.emigration, world.streams(f"emigration/{state.code}"), params)
    inputs = DissentInputs(
        active_state=state_party >= 0,
        civil_society=np.array([s.civil_society for s in world.states]),
        legitimacy=np.array([s.legitimacy for s in world.states]),
        hardship=np.array([s.hardship for s in world.states]),
        repression=repression_level(centralism_s, capacity, backing, personalism, fear, params),
        fallen=fallen,
        party_state=np.array([p.state.index for p in world.communist_parties]),
        active_party=np.array([p.role == Role.RULING for p in world.communist_parties]),
        centralism=np.array([p.centralism for p in world.communist_parties]),
        state_party=state_party,
        peers=wave_peers(world, soviet_sphere),
    )
    links = horizontal_links(inputs.centralism, world.members.orgs_per_party, world.streams("dissent/links"))
    result = threshold_cascade(world.citizens, world.members, inputs, links, params)
    for state in world.states:
        state.fallen_peers = float(fallen[state.index])
        state.sphere_weight = float(soviet_sphere[1][state.index])
        state.protest_example = float(result.example[state.index])
        state.repression_level = float(inputs.repression[state.index])
        state.protest_rounds = int(result.mass_round[state.index])
        state.public_dissent = float(result.public_dissent[state.index])
        state.private_opposition = float(result.private_opposition[state.index])
    for i, party in enumerate(world.communist_parties):
        party.member_dissent = float(result.member_dissent[i])
        party.member_opposition = float(result.member_opposition[i])
        if party.role == Role.RULING:
            state = party.state
            party.centralism = centralism_erosion(party.centralism, party.member_dissent, params)
            loyal = state.capacity * (1.0 - party.member_dissent)
            state.repression = approach(state.repression, loyal, params.repression_recovery)
