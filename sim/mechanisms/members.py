"""Party members: belief erosion and renewal, trait drift, exits, cohort recruitment and promotion.

Every function here acts on all member rows of all parties at once (the model's
:class:`~sim.population.MemberTable`); per-party quantities arrive as arrays indexed by party and are broadcast
to rows with ``values[table.party]``. No Python loop runs over members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import MemberTable, PartyBlock

if TYPE_CHECKING:
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
    p = table.party
    b = table.belief
    b += -params.belief_erosion * gap[p] * b + params.belief_renewal * centralism[p] * commitment[p] * (1.0 - b)
    np.clip(b, 0.0, 1.0, out=b)


def drift_traits(table: MemberTable, gap: np.ndarray, centralism: np.ndarray, params: Parameters) -> None:
    """Reformism grows with the performance gap; disbelievers drift toward social democracy where D is low.

    r += learning * gap * (1 - r);   s += openness * (1 - D) * (1 - b) * (1 - s)
    (Brown 2009: reformers and closet social democrats inside the ruling parties.)
    """
    p = table.party
    r, s = table.reformism, table.sd_affinity
    r += params.reformism_learning * gap[p] * (1.0 - r)
    s += params.sd_openness * (1.0 - centralism[p]) * (1.0 - table.belief) * (1.0 - s)
    np.clip(r, 0.0, 1.0, out=r)
    np.clip(s, 0.0, 1.0, out=s)


def member_exits(table: MemberTable, monopoly: np.ndarray, personalism: np.ndarray, params: Parameters) -> None:
    """Members leave: attrition, careerists without belief when the monopoly falls, and purges.

    exit = exit_monopoly * (1 - M)^2 * c * (1 - b)     (MODEL.md: "when M falls, careerists without belief leave")
    purge = purge_rate * personalism * ((1 - b) + r) / 2   (doubters and reformers purged under personal rule)
    weight *= (1 - attrition) * (1 - exit) * (1 - purge)
    """
    p = table.party
    b, c, r = table.belief, table.careerism, table.reformism
    exit_share = np.minimum(1.0, params.exit_monopoly * (1.0 - monopoly[p]) ** 2 * c * (1.0 - b))
    purge_share = np.minimum(1.0, params.purge_rate * personalism[p] * 0.5 * ((1.0 - b) + r))
    table.weight *= (1.0 - params.attrition) * (1.0 - exit_share) * (1.0 - purge_share)


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


def _beta(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
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
    careerism = _beta(rng, careerism_mean[party], kappa)
    belief = _beta(rng, belief_mean[party] * (1.0 - params.careerism_crowds_belief * careerism), kappa)
    reformism = _beta(rng, reformism_mean[party], kappa)
    sd = _beta(rng, sd_mean[party], kappa)
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

    p = promotion_rate * vacancy(party, rank + 1) * (0.3 + 0.7 c) * (1 - screen),
    screen = reformer_screen * D * h for reformers and closet social democrats, else 0.
    Eligible: rows with members, below the top rank, with tenure >= 2 * (rank + 1) years.
    (MODEL.md: reformers reach the top only when D is low or h is low.)
    """
    occupied = table.weight > 0
    rank = table.rank.astype(np.int64)
    counts = np.bincount(table.party * N_RANKS + rank, weights=occupied, minlength=table.n_parties * N_RANKS).reshape(
        table.n_parties, N_RANKS
    )
    total = counts.sum(axis=1, keepdims=True)
    at_or_above = np.cumsum(counts[:, ::-1], axis=1)[:, ::-1]
    share = np.divide(at_or_above, total, out=np.zeros_like(at_or_above), where=total > 0)
    vacancy = np.clip(1.0 - share / rank_targets(params), 0.0, 1.0)
    vacancy = np.concatenate([vacancy[:, 1:], np.zeros((table.n_parties, 1))], axis=1)  # vacancy at rank + 1
    p = table.party
    tenure = year - table.cohort
    reformist = (table.reformism >= 0.6) | ((table.sd_affinity >= 0.6) & (table.belief < 0.4))
    screen = np.where(reformist, params.reformer_screen * centralism[p] * hegemony[p], 0.0)
    prob = params.promotion_rate * vacancy[p, rank] * (0.3 + 0.7 * table.careerism) * (1.0 - screen)
    eligible = occupied & (rank < N_RANKS - 1) & (tenure >= 2 * (rank + 1))
    draws = rng.random(table.size)
    table.rank += (eligible & (draws < prob)).astype(np.int8)


def seed_members(
    table: MemberTable,
    block: PartyBlock,
    year: int,
    membership: float,
    founded: int,
    ruling_since: int | None,
    founding_belief: float,
    career_control: float,
    rng: np.random.Generator,
    params: Parameters,
) -> None:
    """Initialise one party's cohorts at the scenario's start year.

    Cohorts joined in every year from ``max(founded, year - career_years + 1)`` to ``year``, sharing the
    membership equally. Cohort ``y`` believes ``founding_belief * discount ** (y - ruling_since)`` (the fire dies
    away under the system; cohorts of the underground party keep it); cohorts that
    joined while the party ruled carry careerism ``base + control * M*O``. Ranks go by tenure, with noise, to
    fill the rank pyramid.
    """
    ring = table.career_years
    first = max(founded, year - ring + 1)
    years = np.arange(first, year + 1)
    rows_by_year = [block.start + (y % ring) * block.rows_per_cohort + np.arange(block.rows_per_cohort) for y in years]
    rows = np.concatenate(rows_by_year)
    joined = np.repeat(years, block.rows_per_cohort)
    n = rows.size
    kappa = params.trait_concentration
    since = ruling_since if ruling_since is not None else year
    belief_mean = founding_belief * params.cohort_belief_discount ** np.maximum(0, joined - since)
    ruling = (ruling_since is not None) & (joined >= (ruling_since if ruling_since is not None else 0))
    careerism_mean = params.careerism_base + np.where(ruling, params.careerism_control * career_control, 0.0)
    careerism = _beta(rng, careerism_mean, kappa)
    belief = _beta(rng, belief_mean * (1.0 - params.careerism_crowds_belief * careerism), kappa)
    table.cohort[rows] = joined
    table.weight[rows] = membership / n if membership > 0 else 0.0
    table.careerism[rows] = careerism
    table.belief[rows] = belief
    table.reformism[rows] = _beta(rng, np.full(n, params.reformism_base), kappa)
    table.sd_affinity[rows] = _beta(
        rng, params.sd_affinity_base + params.sd_affinity_disbelief * (1 - belief_mean), kappa
    )
    table.threshold[rows] = rng.normal(params.threshold_mean, params.threshold_sd, n)
    seniority = (year - joined) + rng.normal(0.0, 3.0, n)
    order = np.argsort(-seniority, kind="stable")
    targets = rank_targets(params)
    rank = np.zeros(n, dtype=np.int8)
    for r in range(1, N_RANKS):
        rank[order[: round(targets[r] * n)]] = r
    table.rank[rows] = rank
    if membership <= 0:
        table.cohort[rows] = -1
