"""Legitimacy: the goal persuades while members believe; after that the regime is judged on what it delivers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.mechanisms.economy import approach, clip01

if TYPE_CHECKING:
    from sim.agents import StateAgent
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


def update_legitimacy(state: StateAgent, mean_belief: float, params: Parameters) -> None:
    """Move the state's legitimacy toward :func:`legitimacy_level` with inertia.

    Without a ruling Communist party the goal term is absent and imposition no longer counts.
    """
    party = state.ruling_party
    if party is None:
        target = clip01(params.legitimacy_performance * state.performance + 0.2)
    else:
        target = legitimacy_level(party.goal, mean_belief, state.performance, state.soviet_dependence, params)
    state.legitimacy = approach(state.legitimacy, target, params.legitimacy_inertia)
