"""Party members: belief erosion and renewal, trait drift, exits, cohort recruitment and promotion.

Every function here acts on all member rows of all parties at once (the model's
:class:`~sim.population.MemberTable`); per-party quantities arrive as arrays indexed by party and are broadcast
to rows with ``values[table.party]``. No Python loop runs over members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import MemberTable, adults
from sim.vocab import Role, TypeRule

if TYPE_CHECKING:
    from sim.model import CommunistWorld
    from sim.params import Parameters

N_RANKS = 5  # primary organisation, district, regional, central committee, politburo


def performance_shortfall(goal: np.ndarray, performance: np.ndarray, params: Parameters) -> np.ndarray:
    """Performance below what the goal promises: max(0, G * promise - P) (MODEL.md section 2)."""
    return np.maximum(0.0, goal * params.promise_level - performance)


def performance_gap(goal: np.ndarray, performance: np.ndarray, market: np.ndarray, params: Parameters) -> np.ndarray:
    """Gap between what the goal promises and what the party delivers, as members' belief feels it.

    gap = shortfall + disillusion * market * G: performance below the promise, plus a practice (market reform)
    that contradicts the declared goal of building communism. Reformism learns from the shortfall alone.
    """
    return performance_shortfall(goal, performance, params) + params.market_disillusion * market * goal


def update_belief(
    table: MemberTable, gap: np.ndarray, centralism: np.ndarray, commitment: np.ndarray, params: Parameters
) -> None:
    """Belief erodes with the performance gap and is renewed by party education in proportion to D.

    b += -erosion * gap * b + renewal * D * commitment * (1 - b)      (MODEL.md section 2)
    """
    b = table.belief
    # the per-party factors are formed per party and then spread to rows (the same products, on 32 numbers
    # instead of every row); the row terms are built in place
    erosion = table.spread(-params.belief_erosion * gap)
    erosion *= b
    renewal = table.spread(params.belief_renewal * centralism * commitment)
    renewal *= 1.0 - b
    erosion += renewal
    b += erosion
    np.clip(b, 0.0, 1.0, out=b)


def drift_traits(table: MemberTable, gap: np.ndarray, centralism: np.ndarray, params: Parameters) -> None:
    """Reformism grows with the performance gap; disbelievers drift toward social democracy where D is low.

    r += learning * gap * (1 - r);   s += openness * (1 - D) * (1 - b) * (1 - s)
    (Brown 2009: reformers and closet social democrats inside the ruling parties.)
    """
    r, s = table.reformism, table.sd_affinity
    learning = table.spread(params.reformism_learning * gap)
    learning *= 1.0 - r
    r += learning
    openness = table.spread(params.sd_openness * (1.0 - centralism))
    openness *= 1.0 - table.belief
    openness *= 1.0 - s
    s += openness
    np.clip(r, 0.0, 1.0, out=r)
    np.clip(s, 0.0, 1.0, out=s)


def member_exits(table: MemberTable, monopoly: np.ndarray, personalism: np.ndarray, params: Parameters) -> None:
    """Members leave: attrition, careerists without belief when the monopoly falls, and purges.

    exit = exit_monopoly * (1 - M)^2 * c * (1 - b)     (MODEL.md: "when M falls, careerists without belief leave")
    purge = purge_rate * personalism * ((1 - b) + r) / 2   (doubters and reformers purged under personal rule)
    weight *= (1 - attrition) * (1 - exit) * (1 - purge)
    """
    b, c, r = table.belief, table.careerism, table.reformism
    disbelief = 1.0 - b
    exit_share = table.spread(params.exit_monopoly * (1.0 - monopoly) ** 2)
    exit_share *= c
    exit_share *= disbelief
    np.minimum(1.0, exit_share, out=exit_share)
    purge_share = table.spread(params.purge_rate * personalism * 0.5)
    disbelief += r
    purge_share *= disbelief
    np.minimum(1.0, purge_share, out=purge_share)
    stay = np.subtract(1.0, exit_share, out=exit_share)
    stay *= 1.0 - params.attrition
    stay *= np.subtract(1.0, purge_share, out=purge_share)
    table.weight *= stay


def target_membership(
    adults: np.ndarray,
    monopoly: np.ndarray,
    maturity: np.ndarray,
    ruling: np.ndarray,
    vote_share: np.ndarray,
    active: np.ndarray,
    params: Parameters,
) -> np.ndarray:
    """Membership a party draws toward.

    ruling: max(ceiling * adults * M * maturity, the non-ruling target), maturity = 1 - exp(-age / apparatus_years):
    the party of a monopoly becomes the road to every post as its apparatus grows (party_stats.csv: the CPSU held
    about 9% of Soviet adults in 1971); otherwise: nonruling_membership * adults * vote share (before a first
    election, the share its initial membership implies); zero for a banned, dissolved or unfounded party.
    """
    other_target = params.nonruling_membership * adults * vote_share
    ruling_target = np.maximum(params.membership_ceiling * adults * monopoly * maturity, other_target)
    return np.where(active, np.where(ruling, ruling_target, other_target), 0.0)


def beta_draws(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Traits drawn from Beta distributions with these means and concentration a + b (means kept inside (0, 1))."""
    m = np.clip(mean, 0.01, 0.99)
    return rng.beta(m * concentration, (1.0 - m) * concentration)


def previous_cohort_belief(table: MemberTable, year: int, fallback: np.ndarray, crowding: float) -> np.ndarray:
    """Belief the previous cohort (joined ``year - 1``) passes on: its current mean belief with careerism's
    crowding-out undone, mean b / (1 - crowding * mean c), so that careerists lower their own cohort's belief but
    do not compound from cohort to cohort (``fallback`` where the cohort is empty).
    """
    rows = table.cohort_rows(year - 1)
    party = table.party[rows]
    w = np.where(table.cohort[rows] == year - 1, table.weight[rows], 0.0)
    den = np.bincount(party, weights=w, minlength=table.n_parties)
    safe = np.where(den > 0, den, 1.0)
    belief = np.bincount(party, weights=w * table.belief[rows], minlength=table.n_parties) / safe
    careerism = np.bincount(party, weights=w * table.careerism[rows], minlength=table.n_parties) / safe
    return np.where(den > 0, np.minimum(1.0, belief / (1.0 - crowding * careerism)), fallback)


def recruit_cohort(
    table: MemberTable,
    year: int,
    recruits: np.ndarray,
    belief_mean: np.ndarray,
    careerism_mean: np.ndarray,
    reformism_mean: np.ndarray,
    sd_mean: np.ndarray,
    rng: np.random.Generator,
    params: Parameters,
) -> None:
    """Retire the cohort that joined ``career_years`` ago and seat the year's recruits in its rows.

    Recruits' traits are Beta-distributed around per-party means: careerism c first, then belief around
    ``belief_mean * (1 - crowding * c)`` (careerists believe less), reformism and social-democratic affinity.
    Each row gets weight ``recruits / K`` (K rows per cohort), rank 0 and a personal dissent threshold.
    The draw count is fixed by the table's shape, so common random numbers hold across scenarios.
    """
    rows = table.cohort_rows(year)
    party = table.party[rows]
    per_cohort = np.array([b.rows_per_cohort for b in table.blocks], dtype=float)
    kappa = params.trait_concentration
    careerism = beta_draws(rng, careerism_mean[party], kappa)
    belief = beta_draws(rng, belief_mean[party] * (1.0 - params.careerism_crowds_belief * careerism), kappa)
    reformism = beta_draws(rng, reformism_mean[party], kappa)
    sd = beta_draws(rng, sd_mean[party], kappa)
    threshold = rng.normal(params.threshold_mean, params.threshold_sd, rows.size)
    weight = recruits[party] / per_cohort[party]
    joined = weight > 0
    table.weight[rows] = weight
    table.cohort[rows] = np.where(joined, year, -1)
    table.careerism[rows] = careerism
    table.belief[rows] = belief
    table.reformism[rows] = reformism
    table.sd_affinity[rows] = sd
    table.threshold[rows] = threshold
    table.rank[rows] = 0
    table.dissent[rows] = False


def rank_targets(params: Parameters) -> np.ndarray:
    """Target share of a party's rows at rank >= r: pyramid ** r (r = 0..4)."""
    return params.rank_pyramid ** np.arange(N_RANKS)


def promote(
    table: MemberTable,
    year: int,
    centralism: np.ndarray,
    hegemony: np.ndarray,
    rng: np.random.Generator,
    params: Parameters,
) -> None:
    """Promote members one rank where the rank above has vacancies; the apparatus screens out reformers.

    p = promotion_rate * vacancy(party, rank + 1) * (promotion_base + promotion_careerism * c) * (1 - screen),
    screen = reformer_screen * D * h for reformers and closet social democrats, else 0.
    Eligible: rows with members, below the top rank, with tenure >= promotion_years * (rank + 1) years.
    (MODEL.md: reformers reach the top only when D is low or h is low.)
    """
    occupied = table.weight > 0
    rank = table.rank.astype(np.intp)
    party_rank = table.party * N_RANKS + rank  # flat index into (party, rank) tables
    counts = np.bincount(party_rank, weights=occupied, minlength=table.n_parties * N_RANKS).reshape(
        table.n_parties, N_RANKS
    )
    total = counts.sum(axis=1, keepdims=True)
    at_or_above = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]
    share = np.divide(at_or_above, total, out=np.zeros_like(at_or_above), where=total > 0)
    vacancy = np.clip(1.0 - share / rank_targets(params), 0.0, 1.0)
    vacancy = np.concatenate([vacancy[:, 1:], np.zeros((table.n_parties, 1))], axis=1)  # vacancy at rank + 1
    tenure = year - table.cohort
    reformist = TypeRule.from_params(params).reformist(table.belief, table.reformism, table.sd_affinity)
    screen = np.where(reformist, table.spread(params.reformer_screen * centralism * hegemony), 0.0)  # per party
    prob = (
        params.promotion_rate
        * vacancy.ravel()[party_rank]
        * (params.promotion_base + params.promotion_careerism * table.careerism)
        * (1.0 - screen)
    )
    eligible = occupied & (rank < N_RANKS - 1) & (tenure >= int(params.promotion_years) * (rank + 1))
    draws = rng.random(table.size)
    table.rank += (eligible & (draws < prob)).astype(np.int8)


def party_arrays(world: CommunistWorld) -> dict[str, np.ndarray]:
    """The per-party inputs of the members' year, one array entry per Communist party (scenario order)."""
    cps = world.communist_parties
    return {
        "monopoly": np.array([p.monopoly for p in cps]),
        "centralism": np.array([p.centralism for p in cps]),
        "goal": np.array([p.goal for p in cps]),
        "alignment": np.array([p.alignment for p in cps]),
        "personalism": np.array([p.personalism for p in cps]),
        "market": np.array([p.market for p in cps]),
        "ruling": np.array([p.role == Role.RULING for p in cps]),
        "in_office": np.array([p.in_office for p in cps]),
        "ever_ruled": np.array([p.state.was_communist_ruled for p in cps]),
        "active": np.array([p.active for p in cps]),
        "performance": np.array([p.state.performance for p in cps]),
        "ownership": np.array([p.state.ownership for p in cps]),
        "commitment": np.array([p.state.commitment for p in cps]),
        "hegemony": np.array([world.hegemony_for(p) for p in cps]),
        "adults": np.array([adults(p.state.population, world.params) for p in cps]),
        "share": np.array([p.vote_share if p.vote_share is not None else p.initial_share for p in cps]),
        "age": np.array([p.state.regime_age if p.role == Role.RULING else 0 for p in cps]),
    }


def step(world: CommunistWorld) -> None:
    """Belief, traits, exits, the year's cohort and promotions for every member row at once.

    A party out of office measures the promise by the model it defends (Moscow's, as far as it is aligned) and
    sees only ``distance_discount`` of that model's shortfall; members joining outside normal recruitment (a
    forced merger's social democrats, a new party's founders: ``pending_recruits``) are seated with the cohort
    and do not pass their belief on to the next one.
    """
    params, year, table = world.params, world.year, world.members
    a = party_arrays(world)
    centre = world.primary_centre
    host = centre.party if centre is not None else None
    own_gap = performance_gap(a["goal"], a["performance"], a["market"], params)
    own_shortfall = performance_shortfall(a["goal"], a["performance"], params)
    model_gap = model_shortfall = 0.0
    if host is not None and host.role == Role.RULING:
        goal, perf = np.array([host.goal]), np.array([host.state.performance])
        model_gap = float(performance_gap(goal, perf, np.array([host.market]), params)[0])
        model_shortfall = float(performance_shortfall(goal, perf, params)[0])
    elif host is not None and host.state.was_communist_ruled:
        model_gap = model_shortfall = params.promise_level  # the model collapsed: nothing of its promise is left
    seen = params.distance_discount * a["alignment"]  # from afar, through its own press
    gap = np.where(a["ruling"], own_gap, seen * model_gap)
    shortfall = np.where(a["ruling"], own_shortfall, seen * model_shortfall)
    update_belief(table, gap, a["centralism"], a["commitment"], params)
    drift_traits(table, shortfall, a["centralism"], params)
    exit_monopoly = np.where(a["ever_ruled"] & a["active"], a["monopoly"], 1.0)
    member_exits(table, exit_monopoly, a["personalism"], params)
    retiring = table.cohort_rows(year)
    current = table.per_party_sum() - np.bincount(
        table.party[retiring], weights=table.weight[retiring], minlength=table.n_parties
    )
    control = np.where(a["ruling"], a["monopoly"] * a["ownership"], 0.0)
    maturity = 1.0 - np.exp(-a["age"] / params.apparatus_years)
    target = target_membership(a["adults"], a["monopoly"], maturity, a["ruling"], a["share"], a["active"], params)
    normal = np.maximum(0.0, params.recruit_speed * (target - current))
    pending = [p.pending_recruits for p in world.communist_parties]
    extra = np.array([sum(n for n, _, _ in batch) for batch in pending])
    extra_belief = np.array([sum(n * b for n, b, _ in batch) for batch in pending]) / np.maximum(extra, 1e-12)
    extra_sd = np.array([sum(n * s for n, _, s in batch) for batch in pending]) / np.maximum(extra, 1e-12)
    recruits = normal + extra
    mix = np.divide(extra, recruits, out=np.zeros_like(recruits), where=recruits > 0)
    prev = previous_cohort_belief(table, year, world.last_recruit_belief, params.careerism_crowds_belief)
    # a cohort diluted by extra members does not pass their belief on: the transmitted level carries over
    prev = np.where(world.last_merger_mix > 0, world.last_recruit_belief, prev)
    # the fire dies away under the system: a ruling party's cohorts inherit discounted belief
    level = np.where(a["ruling"], params.cohort_belief_discount, 1.0) * prev
    belief_mean = (1 - mix) * level + mix * extra_belief
    careerism_mean = params.careerism_base + (1 - mix) * params.careerism_control * control
    reformism_mean = params.reformism_base + params.reformism_gap * shortfall
    sd_normal = params.sd_affinity_base + params.sd_affinity_disbelief * (1 - belief_mean)
    sd_mean = (1 - mix) * sd_normal + mix * extra_sd
    recruit_cohort(
        table, year, recruits, belief_mean, careerism_mean, reformism_mean, sd_mean,
        world.streams("members/recruit"), params,
    )  # fmt: skip
    world.last_recruit_belief = np.where(recruits > 0, level, world.last_recruit_belief)
    world.last_merger_mix = mix
    entry_belief = table.cohort_mean(year, table.belief)
    entry_careerism = table.cohort_mean(year, table.careerism)
    for i, party in enumerate(world.communist_parties):
        party.pending_recruits = []
        party.recruits = float(recruits[i])
        party.recruit_belief = float(entry_belief[i]) if recruits[i] > 0 else float("nan")
        party.recruit_careerism = float(entry_careerism[i]) if recruits[i] > 0 else float("nan")
    promote(table, year, a["centralism"], a["hegemony"], world.streams("members/promotion"), params)
