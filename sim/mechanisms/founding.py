"""The founding of parties: a dated cause (a party's ``founded`` year in the scenario), never an outcome.

Before its founding year a party is ``unfounded``: it neither contests elections, recruits nor takes office. In
its founding year it becomes legal opposition; a Communist party joins the first centre's camp and its founders
are seated with the year's cohort (``founding_belief``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.vocab import EventKind, Family, Role

if TYPE_CHECKING:
    from sim.agents import PartyAgent
    from sim.model import CommunistWorld


def init(world: CommunistWorld) -> None:
    """Mark every party whose founding year is after the start year ``unfounded``."""
    for party in world.parties:
        if party.founded is not None and party.founded > world.year:
            party.role = Role.UNFOUNDED


def found(world: CommunistWorld, party: PartyAgent) -> None:
    """A party founded during the run: legal opposition, its founders seated with this year's cohort."""
    party.role = Role.OPPOSITION
    primary = world.primary_centre
    if party.family == Family.COMMUNIST:
        party.camp = primary.code if primary is not None else None
        belief = world.params.founding_belief
        party.pending_recruits.append((party.initial_members, belief, world.params.sd_affinity_base))
    world.log.record(world.year, party.state.code, EventKind.FOUNDING, f"{party.name} is founded")


def step(world: CommunistWorld) -> None:
    """Found every party whose founding year has come."""
    for party in world.parties:
        if party.role == Role.UNFOUNDED and party.founded == world.year:
            found(world, party)
