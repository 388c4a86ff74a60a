"""Settlements: a regime at war that rested on its patron negotiates when the patron's support goes.

A Communist-ruled state fighting a war against an insurgency backed by outside powers (the ``war`` driver: the
Contras in Nicaragua, the Khmer Rouge coalition in Cambodia, UNITA in Angola, RENAMO in Mozambique, the mujahideen in
Afghanistan, the Eritrean and Tigrayan fronts in Ethiopia) and pledged the centre's aid (the ``aid`` driver, at least
``leverage_min``) holds on while the aid is paid. When the share of the pledge the centre's host actually pays
(:mod:`sim.mechanisms.enforcement`) falls below ``settle_support`` (the donor no longer wants to pay, or no longer
can: nothing once its party has lost power), the regime negotiates each year with probability
``settle_probability`` (stream ``settlement/<state>``): the war ends and free elections are held (the Esquipulas
accords and Nicaragua's 1990 election, the Paris accords and Cambodia's 1993 election, Bicesse and Angola's 1992
election, Rome and Mozambique's 1994 election). Whether the regime then keeps office is the election's outcome
(:mod:`sim.mechanisms.elections`), not an input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.mechanisms import takeover
from sim.vocab import EventKind, Role

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import CommunistWorld


def support(state: StateAgent) -> float:
    """Share of its aid pledge the regime is paid this year (1 with no pledge)."""
    return state.aid / state.aid_pledged if state.aid_pledged > 0 else 1.0


def settles(world: CommunistWorld, state: StateAgent) -> bool:
    """Whether the regime at war negotiates this year (see the module docstring)."""
    params = world.params
    party = state.communist
    if party is None or party.role != Role.RULING or state.war <= 0 or state.settled:
        return False
    if state.aid_pledged < params.leverage_min - 1e-9:  # 1e-9: a schedule's 0.2 may read 0.1999...
        return False
    if support(state) >= params.settle_support:
        return False
    return world.streams(f"settlement/{state.code}").random() < params.settle_probability


def step(world: CommunistWorld) -> None:
    """Every regime at war whose patron's support has gone may negotiate: the war ends, free elections follow."""
    for state in world.states:
        if state.settled:
            state.war = 0.0
        elif settles(world, state):
            state.settled = True
            state.war = 0.0
            state.note("a negotiated settlement after its patron's support ended")
            world.log.record(
                world.year,
                state.code,
                EventKind.SETTLEMENT,
                f"{state.name}: a negotiated settlement ends the war after the patron's support fell to "
                f"{support(state):.0%} of its pledge; free elections follow",
            )
            takeover.restore_elections(state, " (the settlement)")
