"""Borders: the state-level endings (a federation's break-up, a unification) and the borders reformers open.

Three rules, each read from last year's state of the world at the start of the year, after the drivers have set
the year's population trends and emigration (MODEL.md section 3: break-ups, unifications and emigration through
borders the model opens are outcomes; only the natural population trend is dated):

- **Break-up** (:func:`break_up_cause`, :func:`break_up`). A federation (scenario ``federation_core``: the core
  republic's share of its population) whose ruling Communist party has lost its monopoly (M below the F1
  threshold) or office breaks up with yearly probability ``breakup_rate``, drawn from the stream
  ``breakup/<code>``; from then on the state is its core republic: population = core share x the federation's
  population trend. It breaks up at most once (Russia, Serbia-Montenegro and the Czech Republic continued the
  Soviet, Yugoslav and Czechoslovak states: Brown 2009, ch. 2, on the Union as a federation held together by the
  party's monopoly).
- **Unification** (:func:`left_communism`, :func:`unify`). A state that has left communism (once Communist-ruled,
  now non_communist, and either no longer ruled by its Communist party or past free elections) unifies with its
  named non-communist neighbour (``unify_with``) with yearly probability ``unification_rate`` (stream
  ``unification/<code>``). Its population then adds to the neighbour's, its parties end with it and the state
  ends (``merged_into``): it stays in the tables as non_communist with population 0 and leaves the counts of
  states.
- **Opened borders** (:func:`border_open`, :func:`emigration_level`). A neighbour listed in ``exit_through``
  opens its border when its regime, once Communist-ruled, has lost the monopoly or office, is no longer
  communist or hybrid, or is led by a political reformer whose centralism D has fallen below
  ``border_centralism``; then the yearly share of privately opposed citizens able to leave is
  emigration = max(scheduled emigration, ``border_emigration``) (exit, Hirschman 1970; applied by
  :func:`sim.mechanisms.dissent.emigrate`).

Populations each year: own(s) = trend(s) x core_share(s); population(s) = own(s) + sum of own(m) over the states m
merged into s (through any chain of unifications), and 0 for a state that has ended.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.features import Status
from sim.vocab import EventKind, Role

if TYPE_CHECKING:
    from sim.agents import StateAgent
    from sim.model import CommunistWorld


def break_up_cause(state: StateAgent, monopoly_threshold: float) -> str | None:
    """Why a federation can break up this year, in words, or None: its ruling Communist party has lost the
    monopoly (M < the F1 threshold) or office. Only a federation that exists, has not broken up and was
    Communist-ruled can."""
    if state.federation_core is None or state.broke_up is not None or not state.exists:
        return None
    party = state.communist
    if party is None or not state.was_communist_ruled:
        return None
    if not party.in_office:
        return f"the {party.name} lost office"
    if party.monopoly < monopoly_threshold:
        return f"the {party.name} lost its monopoly of power (M {party.monopoly:.2f})"
    return None


def break_up(state: StateAgent, cause: str) -> None:
    """The federation breaks up: from now on the state is its core republic (core_share = ``federation_core``)."""
    model = state.model
    state.broke_up = model.year
    state.core_share = float(state.federation_core)
    text = (
        f"{state.name} breaks up after {cause}; the core republic continues the state with "
        f"{state.core_share:.0%} of its population"
    )
    state.note(f"the break-up of the federation after {cause}")
    model.log.record(model.year, state.code, EventKind.BREAKUP, text)


def left_communism(state: StateAgent) -> bool:
    """Whether a state has left communism: once Communist-ruled, now non_communist, and no longer ruled by its
    Communist party as a single party or past a free election held since its regime began."""
    if not state.exists or not state.was_communist_ruled or state.status != Status.NON_COMMUNIST:
        return False
    if state.ruling_party is None:
        return True
    return state.last_election is not None and state.last_election >= state.regime_start


def unification_partner(state: StateAgent) -> StateAgent | None:
    """The neighbour a state that has left communism can unify with this year: its ``unify_with`` state, if that
    still exists and is non_communist (it absorbs the state: West Germany under its Basic Law, art. 23)."""
    if state.unify_with is None or not left_communism(state):
        return None
    partner = state.model.state_by_code[state.unify_with]
    if not partner.exists or partner.status != Status.NON_COMMUNIST:
        return None
    return partner


def unify(state: StateAgent, partner: StateAgent) -> None:
    """The state unifies with ``partner`` and ends: its parties end with it, it holds no more elections, and from
    now on its population is counted in the partner's (:func:`populations`)."""
    model = state.model
    state.merged_into = partner.code
    state.merged_year = model.year
    for party in (state.communist, state.social_democratic):
        if party is not None and party.exists:
            party.role = Role.DISSOLVED
            party.monopoly = 0.0
    state.free_elections = False
    model.elections_due.discard(state.code)
    model.elections_called.discard(state.code)
    since = f" (Communist-ruled from {state.regime_start})" if state.regime_start is not None else ""
    state.note(f"unification with {partner.name}")
    partner.note(f"unification with {state.name}")
    model.log.record(
        model.year, state.code, EventKind.UNIFICATION,
        f"{state.name} unifies with {partner.name} after leaving communism{since}: the state ends and its "
        f"{state.population:.1f} million people join {partner.name}",
    )  # fmt: skip


def trend_population(world: CommunistWorld, state: StateAgent) -> float:
    """The state's natural population trend this year: its ``population_points`` schedule, else its ``population``."""
    schedule = world.drivers.population.get(state.code)
    return schedule(world.year) if schedule is not None else state.initial_population


def absorber(world: CommunistWorld, state: StateAgent) -> StateAgent:
    """The existing state whose population a state's people are counted in (itself while it exists; the end of
    its chain of unifications otherwise)."""
    seen = {state.code}
    while state.merged_into is not None and state.merged_into not in seen:
        seen.add(state.merged_into)
        state = world.state_by_code[state.merged_into]
    return state


def populations(world: CommunistWorld) -> dict[str, float]:
    """This year's population of every state: own(s) = trend(s) x core_share(s), added to the state that absorbed
    it (0 for a state that has ended)."""
    totals = dict.fromkeys(world.state_by_code, 0.0)
    for state in world.states:
        totals[absorber(world, state).code] += trend_population(world, state) * state.core_share
    return totals


def border_open(state: StateAgent, centralism_max: float) -> str | None:
    """Why a (once Communist-ruled) regime's border is open this year, in words, or None: its Communist party
    has lost office or the monopoly, the state is no longer communist or hybrid, or a political reformer leads
    the party and its centralism D < ``centralism_max``."""
    if not state.was_communist_ruled:
        return None
    if not state.exists:
        return f"{state.name} has ended"
    party = state.communist
    threshold = state.model.thresholds.monopoly
    if party is None or not party.in_office:
        return f"the {party.name if party is not None else 'Communist party'} is out of office"
    if party.monopoly < threshold:
        return f"the {party.name} lost its monopoly of power"
    if state.status == Status.NON_COMMUNIST:
        return f"{state.name} is no longer communist"
    leader = party.leader
    if leader is not None and leader.kind.reforming and party.centralism < centralism_max:
        return f"the {party.name} is led by {leader.describe()} (centralism {party.centralism:.2f})"
    return None


def emigration_level(scheduled: float, opened: bool, border_emigration: float) -> float:
    """emigration = max(scheduled emigration, ``border_emigration`` if a neighbour's border is open)."""
    return max(scheduled, border_emigration) if opened else scheduled


def open_exits(world: CommunistWorld, state: StateAgent) -> None:
    """The neighbours whose opened borders the state's citizens can leave through this year; its emigration
    (:func:`emigration_level`); the event log of each border that opens or closes again."""
    params = world.params
    causes = {code: border_open(world.state_by_code[code], params.border_centralism) for code in state.exit_through}
    now = tuple(code for code in state.exit_through if causes[code] is not None)
    if state.exists:
        for code in now:
            if code not in state.open_exits:
                neighbour = world.state_by_code[code]
                text = (
                    f"the border of {neighbour.name} opens: citizens of {state.name} leave through it after "
                    f"{causes[code]}"
                )
                state.note(f"emigration through {neighbour.name}'s opened border")
                world.log.record(world.year, state.code, EventKind.BORDER, text)
        for code in state.open_exits:
            if code not in now:
                neighbour = world.state_by_code[code]
                world.log.record(
                    world.year, state.code, EventKind.BORDER, f"the border of {neighbour.name} closes again"
                )
    state.open_exits = now
    state.emigration = emigration_level(state.emigration, bool(now) and state.exists, params.border_emigration)


def step(world: CommunistWorld) -> None:
    """Break-ups (stream ``breakup/<code>``), then unifications (stream ``unification/<code>``), then every state's
    population (:func:`populations`) and its emigration through opened borders (:func:`open_exits`)."""
    params = world.params
    for state in world.states:
        cause = break_up_cause(state, world.thresholds.monopoly)
        if cause is not None and world.streams(f"breakup/{state.code}").random() < params.breakup_rate:
            break_up(state, cause)
    for state in world.states:
        partner = unification_partner(state)
        if partner is not None and world.streams(f"unification/{state.code}").random() < params.unification_rate:
            unify(state, partner)
    for code, population in populations(world).items():
        world.state_by_code[code].population = population
    for state in world.states:
        if state.exit_through:
            open_exits(world, state)
