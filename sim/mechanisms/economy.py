"""Kornai's causal chain: ownership and coordination set by the party, softness, shortage, performance, hardship.

Kornai (1992, *The Socialist System*) derives the classical system's regularities from its political core: the
party's monopoly and ideology fix state ownership (O) and bureaucratic coordination (C); these soften budget
constraints (S); soft budgets and command allocation produce chronic shortage (Z); shortage and the mismatch
between ownership and coordination (reform socialism, |C - O|) cost performance. Extensive growth gives a young
command economy a bonus that fades (Kornai ch. 9).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.vocab import Role

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters


def clip01(x: float) -> float:
    """Clamp to [0, 1]."""
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


def capacity_cap(capacity: float, params: Parameters) -> float:
    """Highest O or C a state can sustain: floor + (1 - floor) * capacity (weak states cannot plan everything)."""
    return params.capacity_floor + (1.0 - params.capacity_floor) * capacity


def kornai_targets(
    monopoly: float,
    goal: float,
    centralism: float,
    market: float,
    private: float,
    capacity: float,
    params: Parameters,
) -> tuple[float, float]:
    """Ownership and command targets set by a ruling party.

    O* = cap * M * G * (1 - private);  C* = M * D * (1 - market)
    (MODEL.md: "O* ~ M*G, C* ~ M*D"). ``market`` is the reform of coordination (plan replaced by market) and
    ``private`` the reform of ownership (a non-state sector allowed); state capacity caps ownership here and
    centralism (hence the plan) through :func:`sim.mechanisms.leadership.organisation_ceiling`.
    """
    cap = capacity_cap(capacity, params)
    ownership = cap * monopoly * goal * (1.0 - private)
    command = monopoly * centralism * (1.0 - market)
    return clip01(ownership), clip01(command)


def approach(value: float, target: float, rate: float) -> float:
    """Move a share of the way to a target: x + rate * (target - x) (inertia)."""
    return value + rate * (target - value)


def softness(ownership: float, command: float, monopoly: float) -> float:
    """Budget softness S = O * C * M (Kornai ch. 8: the state bails out the firms it owns and directs)."""
    return ownership * command * monopoly


def shortage_level(soft: float, command: float, params: Parameters) -> float:
    """Shortage the economy tends to: Z* = clip(a * S + b * C) (Kornai ch. 11-12: soft budgets + plan = shortage)."""
    return clip01(params.shortage_softness * soft + params.shortage_command * command)


def performance_level(
    ownership: float, command: float, shortage: float, regime_age: int | None, params: Parameters
) -> float:
    """Performance (growth index, 0..1) before noise.

    P = base + extensive * C * exp(-age / years) + market * (1 - C) * (1 - I) - shortage_cost * Z - incoherence_cost * I
    with incoherence I = max(0, |C - O| - tolerance).

    The extensive-growth bonus of a young command economy fades (none without Communist rule: ``regime_age``
    None); markets help only where ownership matches them;
    incoherence |C - O| is the cost of reform socialism (Kornai ch. 9, 21).
    """
    incoherence = max(0.0, abs(command - ownership) - params.incoherence_tolerance)
    extensive = 0.0
    if regime_age is not None:
        extensive = params.performance_extensive * command * math.exp(-regime_age / params.extensive_years)
    market = params.performance_market * (1.0 - command) * (1.0 - incoherence)
    return (
        params.performance_base
        + extensive
        + market
        - params.performance_shortage * shortage
        - params.performance_incoherence * incoherence
    )


def aid_bonus(state: StateAgent, params: Parameters) -> float:
    """Performance a state gains from the Soviet aid it receives: ``aid_performance`` * aid, under Communist rule
    only (subsidised oil, credits and guaranteed purchases prop up the plan; when the aid ends the bonus goes,
    as in Cuba's "special period" after 1991)."""
    return params.aid_performance * state.aid if state.ruling_party is not None else 0.0


def hardship_level(shortage: float, performance: float, params: Parameters) -> float:
    """Hardship H = clip(a * Z + b * max(0, base - P)): queues plus falling living standards."""
    return clip01(
        params.hardship_shortage * shortage
        + params.hardship_performance * max(0.0, params.performance_base - performance)
    )


def update_economy(state: StateAgent, params: Parameters, rng: np.random.Generator) -> None:
    """One year of the chain for one state.

    With a Communist party in office the targets come from :func:`kornai_targets`; otherwise they are the
    state's own mixed-economy levels, or the transition levels once Communist rule has ended (privatisation).
    O and C approach their targets with inertia, or at ``sovietisation_rate`` in the first ``sovietisation_years``
    of Communist rule (the new regime's nationalisation decrees and first plan); S, Z, P and H follow; Soviet aid
    adds :func:`aid_bonus` to P and the service of Western debt takes ``debt_performance`` * debt from it, whoever
    rules (the ``debt`` driver).
    """
    party = state.party_in_office
    if party is not None and party.role == Role.RULING:
        o_target, c_target = kornai_targets(
            party.monopoly, party.goal, party.centralism, party.market, party.private, state.capacity, params
        )
        monopoly = party.monopoly
    elif state.was_communist_ruled:
        o_target = min(state.ownership, params.transition_ownership)
        c_target = min(state.command, params.transition_command)
        monopoly = party.monopoly if party is not None else 0.0
    else:
        o_target, c_target = state.base_ownership, state.base_command
        monopoly = party.monopoly if party is not None else 0.0
    o_rate, c_rate = params.ownership_inertia, params.command_inertia
    if party is not None and party.role == Role.RULING and state.regime_age < params.sovietisation_years:
        o_rate = c_rate = max(o_rate, c_rate, params.sovietisation_rate)  # the new regime's decrees and first plan
    state.ownership = clip01(approach(state.ownership, o_target, o_rate))
    state.command = clip01(approach(state.command, c_target, c_rate))
    state.softness = softness(state.ownership, state.command, monopoly)
    target_shortage = shortage_level(state.softness, state.command, params)
    state.shortage = clip01(approach(state.shortage, target_shortage, params.shortage_inertia))
    age = state.regime_age if party is not None and party.role == Role.RULING else None
    level = performance_level(state.ownership, state.command, state.shortage, age, params)
    level += aid_bonus(state, params)
    level -= params.debt_performance * state.debt
    state.performance = clip01(level + params.performance_noise * rng.standard_normal())
    state.hardship = hardship_level(state.shortage, state.performance, params)


def init(world: CommunistWorld) -> None:
    """Start every state's economy at the levels its configuration implies: softness, shortage at its level Z*,
    performance without noise or aid, hardship (the same equations as :func:`update_economy`)."""
    params = world.params
    for state in world.states:
        party = state.ruling_party
        state.softness = softness(state.ownership, state.command, party.monopoly if party else 0.0)
        state.shortage = shortage_level(state.softness, state.command, params)
        age = state.regime_age if party else None
        state.performance = clip01(performance_level(state.ownership, state.command, state.shortage, age, params))
        state.hardship = hardship_level(state.shortage, state.performance, params)


def step(world: CommunistWorld) -> None:
    """One year of Kornai's chain in every state (:func:`update_economy`, stream ``economy/<state>``)."""
    for state in world.states:
        update_economy(state, world.params, world.streams(f"economy/{state.code}"))
