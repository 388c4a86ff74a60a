"""Legitimacy: the goal persuades while members believe; after that the regime is judged on what it delivers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.mechanisms.economy import approach, clip01

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters


def legitimacy_level(goal: float, belief: float, performance: float, dependence: float, params: Parameters) -> float:
    """L* = clip(w_goal * G * b + w_perf * P - w_imposed * v).

    ``b`` is the mean belief of the ruling party's members: the declared goal legitimises rule only while it is
    believed (Brown 2009: once the goal is abandoned a regime is judged on immediate results); imposed regimes
    (Soviet dependence v) start less legitimate (MODEL.md section 2).
    """
    return clip01(
        params.legitimacy_goal * goal * belief
        + params.legitimacy_performance * performance
        - params.legitimacy_imposed * dependence
    )


def target_legitimacy(state: StateAgent, params: Parameters) -> float:
    """The legitimacy a state tends to this year: :func:`legitimacy_level` under a ruling Communist party (with
    its members' mean belief); without one the goal term is absent and imposition no longer counts:
    L* = clip(w_perf * P + ``legitimacy_intercept``)."""
    party = state.ruling_party
    if party is None:
        return clip01(params.legitimacy_performance * state.performance + params.legitimacy_intercept)
    belief = party.members.mean(party.members.belief)
    return legitimacy_level(party.goal, belief, state.performance, state.soviet_dependence, params)


def update_legitimacy(state: StateAgent, params: Parameters) -> None:
    """Move the state's legitimacy toward :func:`target_legitimacy` with inertia."""
    state.legitimacy = approach(state.legitimacy, target_legitimacy(state, params), params.legitimacy_inertia)


def init(world: CommunistWorld) -> None:
    """Start every state's legitimacy at its level (:func:`target_legitimacy`)."""
    for state in world.states:
        state.legitimacy = target_legitimacy(state, world.params)


def step(world: CommunistWorld) -> None:
    """Legitimacy moves toward its level in every state."""
    for state in world.states:
        update_legitimacy(state, world.params)
