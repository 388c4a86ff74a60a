"""Settlements: a regime at war that rested on its patron negotiates when the patron's support goes.

A Communist-ruled state fighting a war against an insurgency backed by outside powers (the ``war`` driver: the
Contras in Nicaragua, the Khmer Rouge coalition in Cambodia, UNITA in Angola, RENAMO in Mozambique, the mujahideen
in Afghanistan, the Eritrean and Tigrayan fronts in Ethiopia) holds on while its patron backs it. Its reliance on
outside backing is r = 1 - (1 - v)(1 - aid paid) (:func:`sim.mechanisms.movement.soviet_reliance`: foreign troops or
the aid the centre's host actually pays, :mod:`sim.mechanisms.enforcement`); a regime whose peak reliance during the
war was at least ``leverage_min`` negotiates, once r has fallen below ``settle_support`` times that peak (the troops
leave, the donor no longer wants to pay or no longer can: nothing once its party has lost power), each year with
probability ``settle_probability`` (stream ``settlement/<state>``): the war ends and free elections are held (the
Esquipulas accords and Nicaragua's 1990 election, the Paris accords and Cambodia's 1993 election, Bicesse and
Angola's 1992 election, Rome and Mozambique's 1994 election). Whether the regime then keeps office is the election's
outcome (:mod:`sim.mechanisms.elections`), not an input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.mechanisms import takeover
from sim.mechanisms.movement import has_leverage, soviet_reliance
from sim.vocab import EventKind, Role

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import CommunistWorld


def support(state: StateAgent) -> float:
    """The regime's reliance on outside backing now, as a share of its peak during the war (1 without a peak)."""
    return soviet_reliance(state) / state.peak_reliance if state.peak_reliance > 0 else 1.0


def settles(world: CommunistWorld, state: StateAgent) -> bool:
    """Whether the regime at war negotiates this year (see the module docstring); keeps the peak reliance."""
    params = world.params
    party = state.communist
    if party is None or party.role != Role.RULING or state.war <= 0 or state.settled:
        return False
    state.peak_reliance = max(state.peak_reliance, soviet_reliance(state))
    if not has_leverage(state.peak_reliance, params):
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
                f"{state.name}: a negotiated settlement ends the war after its outside backing fell to "
                f"{support(state):.0%} of its peak (troops {state.soviet_dependence:.2f}, aid paid {state.aid:.2f} of "
                f"{state.aid_pledged:.2f} pledged); free elections follow",
            )
            takeover.restore_elections(state, " (the settlement)")
