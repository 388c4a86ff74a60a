"""How Communist parties come to office, and leave it by force: takeovers, coalitions, coups.

In at least half the cases Communist rule came with foreign (usually Soviet) armed backing; elsewhere by an own
revolution; almost never through the ballot (Brown 2009, ch. 2). A takeover's year and route are inputs (a
state's ``entry_year`` and ``route_to_power``); how the new regime starts depends on the route:

- ``soviet_backed``: succeeds only with Soviet backing h*v of at least ``takeover_backing_min``; the party is
  installed aligned with Moscow and absorbs part of the social-democratic party (forced merger).
- ``own_revolution``: the party wins its civil war with a high monopoly and centralism and its own alignment.
- ``other``: a coup or army regime proclaiming Marxism-Leninism: a weak vanguard party outside the movement,
  admitted only once it consolidates (see :func:`sim.mechanisms.movement.admit_new_members`).

An elected coalition including Communists (Chile 1970-73) puts the party in office without a monopoly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.mechanisms.economy import capacity_cap, kornai_targets
from sim.mechanisms.leadership import draw_successor, install_leader
from sim.vocab import EventKind, LeaderKind, Origin, Role, Route

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import CommunistWorld


def primary_centre_hegemony(state: StateAgent) -> float:
    """Hegemony of the movement's first centre (0 when there is none)."""
    primary = state.model.primary_centre
    return primary.hegemony if primary is not None else 0.0


def takeover(state: StateAgent, established: bool = False) -> bool:
    """A Communist takeover in ``state`` by its route to power. Returns whether it succeeded.

    With ``established=True`` (a regime that already ruled before the scenario starts) the regime starts
    consolidated: M at the monopoly-pressure driver and O, C at the targets the party sets.
    """
    model = state.model
    params = model.params
    party = state.communist
    route = state.route_to_power
    year = model.year
    hegemony = primary_centre_hegemony(state)
    if route == Route.SOVIET_BACKED:
        backing = hegemony * state.soviet_dependence
        if backing < params.takeover_backing_min and not established:
            model.log.record(
                year,
                state.code,
                EventKind.TAKEOVER,
                f"no takeover in {state.name}: Soviet backing too weak ({backing:.2f})",
            )
            return False
        party.monopoly, party.centralism = params.installed_monopoly, max(party.centralism, params.installed_centralism)
        party.goal = 1.0
        party.alignment = max(party.alignment, params.installed_alignment)
        party.origin = Origin.INSTALLED
        how = f"with foreign armed backing (Soviet backing {backing:.2f})"
        sd = state.social_democratic
        if sd is not None and sd.active and not established:
            party.pending_recruits.append(
                (params.merger_absorption * sd.membership, params.merger_belief, params.merger_sd_affinity)
            )
            sd.plain_members *= 1.0 - params.merger_absorption  # banned below, with every takeover's rival
            how += f"; forced merger with {sd.name}"
    elif route == Route.OWN_REVOLUTION:
        party.monopoly, party.centralism = (
            params.revolution_monopoly,
            max(party.centralism, params.revolution_centralism),
        )
        party.goal = 1.0
        party.origin = Origin.OWN_REVOLUTION
        if not established:  # a party that won by its own forces owes the centre less (Brown 2009)
            party.alignment *= 1.0 - params.revolution_autonomy
        how = "by its own revolution"
    else:
        party.monopoly, party.centralism = params.other_monopoly, params.other_centralism
        party.goal = params.other_goal
        party.origin = Origin.OTHER
        party.movement_member = False
        how = "by a coup or army regime proclaiming Marxism-Leninism"
    party.role = Role.RULING
    party.centralism = min(party.centralism, capacity_cap(state.capacity, params))
    # outside pressure for pluralism bounds the monopoly from the first day (the Sandinistas kept opposition
    # parties from 1979: monopoly_pressure 0.7), so a regime held to pluralism is never read as a monopoly
    party.monopoly = min(party.monopoly, state.monopoly_pressure)
    if route != Route.OTHER:
        # the movement counts a revolutionary party as one of its own only if it looks to the centre
        party.movement_member = party.alignment >= params.readmit_threshold
    primary = model.primary_centre
    if primary is not None:
        party.camp = primary.code  # a coup regime too: aligned, but not (yet) recognised as a Communist party
    state.regime_start = state.entry_year if established else year
    state.free_elections = False
    if state.social_democratic is not None and state.social_democratic.active:
        state.social_democratic.role = Role.BANNED
    if established:
        party.monopoly = max(party.monopoly, state.monopoly_pressure)
        state.ownership, state.command = kornai_targets(
            party.monopoly, party.goal, party.centralism, party.market, party.private, state.capacity, params
        )
        state.repression = state.capacity
    else:
        state.fear = max(state.fear, params.fear_crackdown)
        state.repression = max(state.repression, params.takeover_repression * state.capacity)
    if party.leader is not None and party.leader.since >= year:
        pass  # a driver installed this year's leader (e.g. the revolution's founder): keep it
    elif party.members is not None and party.members.total > 0:
        rng = model.streams(f"succession/{party.code}")
        draw_successor(party, year, hegemony, rng, params)
    else:
        install_leader(party, LeaderKind.BELIEVER, year)
    if not established:
        state.note(f"a Communist takeover {how}")
        model.log.record(year, state.code, EventKind.TAKEOVER, f"{party.name} takes power in {state.name} {how}")
    return True


def init(world: CommunistWorld) -> None:
    """Establish the regimes that ruled before the start year; a state entering in the start year has an
    ordinary takeover (the Bolsheviks in 1917)."""
    for state in world.states:
        if state.entry_year is not None and state.entry_year < world.year:
            takeover(state, established=True)
        elif state.entry_year == world.year:
            takeover(state)


def step(world: CommunistWorld) -> None:
    """A takeover in every state whose entry year has come, unless its Communist party rules or is dissolved."""
    for state in world.states:
        party = state.communist
        if state.entry_year == world.year and party is not None and party.role not in (Role.RULING, Role.DISSOLVED):
            takeover(state)


def join_coalition(state: StateAgent, note: str = "") -> None:
    """An elected coalition including the Communist party takes office (it shares power: no monopoly)."""
    model = state.model
    party = state.communist
    if party is None or not party.active:
        return
    party.role = Role.COALITION
    party.monopoly = min(party.monopoly, model.params.coalition_monopoly)
    state.free_elections = True
    state.note(f"an elected coalition including {party.name}{note}")
    model.log.record(
        model.year, state.code, EventKind.COALITION, f"{party.name} joins an elected coalition government{note}"
    )


def ban(state: StateAgent, note: str = "") -> None:
    """The Communist party is banned; free elections go on without it (West Germany 1956)."""
    model = state.model
    party = state.communist
    if party is None or not party.active:
        return
    party.role = Role.BANNED
    party.monopoly = 0.0
    state.note(f"{party.name} banned{note}")
    model.log.record(model.year, state.code, EventKind.BAN, f"{party.name} is banned{note}")


def restore_elections(state: StateAgent, note: str = "") -> None:
    """Free elections are (re)introduced: banned parties are legal again and an election is held this year."""
    model = state.model
    state.free_elections = True
    for party in (state.communist, state.social_democratic):
        if party is not None and party.role == Role.BANNED:
            party.role = Role.OPPOSITION
    model.elections_due.add(state.code)
    model.log.record(model.year, state.code, EventKind.ELECTION_CALLED, f"free elections in {state.name}{note}")


def coup(state: StateAgent, note: str = "") -> None:
    """A military coup removes the Communist party from office (or from legality) and ends free elections."""
    model = state.model
    party = state.communist
    state.free_elections = False
    if party is not None and party.exists and party.role != Role.BANNED:
        party.role = Role.BANNED
        party.monopoly = 0.0
        if party.members is not None:
            model.members.weight[party.members.rows] *= model.params.coup_membership
    state.note(f"a military coup{note}")
    model.log.record(model.year, state.code, EventKind.COUP, f"military coup in {state.name}{note}")
