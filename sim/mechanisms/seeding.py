"""The members at the start year: each party's cohorts seeded since its founding, as a ruling party's or an
underground party's, and the vote share its membership implies until a first election."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.economy import capacity_cap
from sim.mechanisms.members import N_RANKS, beta_draws, rank_targets
from sim.population import MemberTable, PartyBlock, adults
from sim.vocab import Role, Route

if TYPE_CHECKING:
    from sim.model import CommunistWorld
    from sim.params import Parameters


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
    careerism = beta_draws(rng, careerism_mean, kappa)
    belief = beta_draws(rng, belief_mean * (1.0 - params.careerism_crowds_belief * careerism), kappa)
    table.cohort[rows] = joined
    table.weight[rows] = membership / n if membership > 0 else 0.0
    table.careerism[rows] = careerism
    table.belief[rows] = belief
    table.reformism[rows] = beta_draws(rng, np.full(n, params.reformism_base), kappa)
    table.sd_affinity[rows] = beta_draws(
        rng, params.sd_affinity_base + params.sd_affinity_disbelief * (1 - belief_mean), kappa
    )
    table.threshold[rows] = rng.normal(params.threshold_mean, params.threshold_sd, n)
    seniority = (year - joined) + rng.normal(0.0, params.seniority_noise, n)
    order = np.argsort(-seniority, kind="stable")
    targets = rank_targets(params)
    rank = np.zeros(n, dtype=np.int8)
    for r in range(1, N_RANKS):
        rank[order[: round(targets[r] * n)]] = r
    table.rank[rows] = rank
    if membership <= 0:
        table.cohort[rows] = -1


def init(world: CommunistWorld) -> None:
    """Seed the cohorts of every founded Communist party (:func:`seed_members`, stream ``members/seed``) and set
    each party's ``initial_share``, the vote share its initial membership implies (until a first election).

    A party's founding year defaults to 15 years before its state's entry (or the start) year; a regime that
    ruled before the start year seeds its cohorts since its entry year as ruling cohorts, with career control =
    the monopoly-pressure driver times the state's capacity cap; the ``other`` route's vanguard believes less.
    """
    params, year = world.params, world.year
    rng = world.streams("members/seed")
    specs = {p.code: p for p in world.spec.parties}
    for party, block in zip(world.communist_parties, world.members.blocks, strict=True):
        spec = specs[party.code]
        state = party.state
        if party.role == Role.UNFOUNDED:
            continue
        established = state.entry_year is not None and state.entry_year < year
        founded = spec.founded or min(state.entry_year or year, year) - int(params.founding_lead_years)
        belief = params.founding_belief * (params.other_route_belief if state.route_to_power == Route.OTHER else 1.0)
        control = state.monopoly_pressure * capacity_cap(state.capacity, params) if established else 0.0
        seed_members(
            world.members, block, year, spec.members, founded, state.entry_year if established else None,
            belief, control, rng, params,
        )  # fmt: skip
    for party in world.communist_parties:
        party.initial_share = party.initial_members / max(
            1.0, params.nonruling_membership * adults(party.state.population, params)
        )
