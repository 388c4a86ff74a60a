"""Regimes meet mass protest: crackdown, standoff or concession (Kuran 1991; Brown 2009 on 1956, 1968, 1989).

A regime is in crisis when public dissent reaches ``crisis_dissent``. It meets its own crisis before the centre
acts on what is left (the schedule puts this step before the centres'). Crackdowns and interventions silence the
streets and leave fear (:func:`silence`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import leadership, tenure
from sim.mechanisms.economy import clip01
from sim.vocab import EventKind, LeaderExit, Role

if TYPE_CHECKING:
    from sim.agents import PartyAgent, StateAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters


def crackdown_probability(state: StateAgent, party: PartyAgent, hegemony: float, params: Parameters) -> float:
    """Chance a crackdown succeeds: base * (1 + K)/2 * (1 - member dissent) * ((1 - v) + v h) * (1 - c * fallen).

    K is the domestic repression capacity; a regime that rests on Soviet force (v) cannot crack down once that
    force is withdrawn (low h); a regime of its own revolution relies on its own apparatus; an apparatus whose
    members dissent does not obey; one that has watched the regimes next door fall (``fallen``, weighted by
    ``contagion``) hedges its bets (Romania's army, December 1989).
    """
    capacity = 0.5 * (1.0 + state.repression)
    hedging = 1.0 - params.contagion * state.fallen_peers
    return params.crackdown_success * capacity * (1.0 - party.member_dissent) * force(state, hegemony) * hedging


def force(state: StateAgent, hegemony: float) -> float:
    """The force a regime can count on against its crowds: (1 - v) + v h, its own apparatus for the share of its
    rule that does not rest on Soviet force (v), the centre's backing h for the rest."""
    v = state.soviet_dependence
    return (1.0 - v) + v * hegemony


def protest_causes(state: StateAgent, reforming: bool) -> str:
    """What the year's protest came from, in words: the privately opposed share, hardship and repression (the
    cascade's inputs), the example of peers in mass protest this year and of fallen ones (of its region, or of its
    region and the Soviet sphere for a state that rests on Soviet force: :func:`sim.mechanisms.dissent.sphere`),
    and a reformer's relaxation."""
    causes = [
        f"privately opposed {state.private_opposition:.2f}",
        f"hardship {state.hardship:.2f}",
        f"repression {state.repression_level:.2f}",
    ]
    sphere = state.sphere_weight > 0  # its examples mix the sphere's (the dissent step's weight)
    if state.protest_example > 0:
        where = "in the region or the Soviet sphere" if sphere else "next door"
        causes.append(f"protests {where} {state.protest_example:.2f}")
    if state.fallen_peers > 0:
        causes.append(f"{'fallen regimes of the region or the sphere' if sphere else 'fallen neighbours'} "
                      f"{state.fallen_peers:.2f}")  # fmt: skip
    if reforming:
        causes.append("a reformer leads")
    return ", ".join(causes)


NEGOTIATED = "negotiates with the opposition: a round table and free elections"
"""The words of a negotiated concession in the event log (:func:`crisis_response`; read by the history report)."""
CONCEDED = "concedes to the crowds after a failed crackdown"
"""The words of a concession to the crowds in the event log."""
PACT = "removes its leader and opens talks with the opposition: a round table and free elections"
"""The words of a palace coup whose makers negotiate, in the event log."""


def talks_chance(state: StateAgent, hegemony: float, params: Parameters) -> float:
    """How far a leadership facing mass protest is pushed to talks by the force it has lost:
    clip(1 - :func:`force` / ``negotiation_force``). A regime that can still count on Soviet force (Poland 1981)
    or on its own army (Vietnam, China) does not negotiate."""
    return clip01(1.0 - force(state, hegemony) / params.negotiation_force)


def negotiation_chance(state: StateAgent, hegemony: float, params: Parameters) -> float:
    """Chance an orthodox leadership facing mass protest negotiates instead of ordering a crackdown: c times
    :func:`talks_chance`, c the state's civil society (an organised opposition to negotiate with: the Church and
    Solidarity in Poland)."""
    return state.civil_society * talks_chance(state, hegemony, params)


def crisis_response(
    state: StateAgent, party: PartyAgent, hegemony: float, rng: np.random.Generator, params: Parameters
) -> LeaderExit | None:
    """A regime facing mass protest negotiates, is taken over by its Politburo, cracks down, holds on or concedes.
    Returns how the leader is removed, if it is.

    Crisis: public dissent >= ``crisis_dissent``. Four uniforms are drawn in every crisis (negotiation, palace
    coup, talks after it, crackdown), a fifth after a concession to the crowds, whatever happens, so that a
    what-if's draws stay aligned with the baseline's. In order:

    1. A reforming leader negotiates (a round table); so does an orthodox one with :func:`negotiation_chance`. A
       negotiated concession lowers M by ``concession_monopoly`` and calls founding free elections for the next
       year. A reformer is then removed only by a palace coup (below) that its top ranks do not back.
    2. Otherwise the Politburo may remove the leader before any order to fire (a palace coup,
       :func:`sim.mechanisms.tenure.palace_coup`). Its makers open talks at once with :func:`talks_chance`, the
       same concession (Bulgaria 1989); otherwise the coup-makers go on to 3 (Poland 1981: Jaruzelski replaced
       Kania, then declared martial law).
    3. Otherwise the leader tries a crackdown (:func:`crackdown_probability`): success silences the streets and
       leaves fear. After a failed crackdown the regime concedes only if the protest is overwhelming (public
       dissent >= ``overwhelming_dissent``) or its apparatus is split (member dissent >= ``apparatus_split``),
       otherwise it holds on and the crisis goes into the next year. The concession to the crowds costs the same
       monopoly and calls the same elections, and the leader goes (:func:`sim.mechanisms.tenure.fall_after_concession`:
       the Politburo, or the army's defection).

    A leader the scenario holds in office until a dated succession is not removed.
    """
    state.crisis = state.public_dissent >= params.crisis_dissent
    if not state.crisis:
        return None
    model = state.model
    reforming = party.leader is not None and party.leader.kind.reforming
    model.log.record(
        model.year,
        state.code,
        EventKind.CRISIS,
        f"mass protest in {state.name} (public dissent {state.public_dissent:.2f}; {protest_causes(state, reforming)})",
    )
    negotiate_draw, palace_draw, pact_draw, crackdown_draw = rng.random(4)
    if reforming or negotiate_draw < negotiation_chance(state, hegemony, params):
        concede(state, party, NEGOTIATED, params)
        if not reforming:
            return None
        return tenure.palace_coup(party, palace_draw, params, leadership.reform_support(party, params))
    coup = tenure.palace_coup(party, palace_draw, params)
    if coup is not None:
        state.note("a palace coup in the crisis")
        if pact_draw < talks_chance(state, hegemony, params):
            concede(state, party, PACT, params)  # the soft-liners who removed him open talks (Bulgaria 1989)
            return coup
    if crackdown_draw < crackdown_probability(state, party, hegemony, params):  # the coup-makers' order, if any
        silence(state, party, params)
        state.note("a crackdown on mass protest")
        model.log.record(model.year, state.code, EventKind.CRACKDOWN, f"crackdown in {state.name} silences the protest")
        return coup
    overwhelmed = state.public_dissent >= params.overwhelming_dissent or party.member_dissent >= params.apparatus_split
    if not overwhelmed:
        state.note("a failed crackdown: the regime holds on")
        model.log.record(
            model.year, state.code, EventKind.STANDOFF, f"a crackdown in {state.name} fails; the regime holds on"
        )
        return coup
    concede(state, party, CONCEDED, params)
    fall = tenure.fall_after_concession(party, float(rng.random()), params)
    return coup or fall


def concede(state: StateAgent, party: PartyAgent, how: str, params: Parameters) -> None:
    """The regime gives up its monopoly: M falls by ``concession_monopoly`` and founding free elections are called
    for the next year (unless this year's election is already the founding one); logged with ``how``."""
    model = state.model
    party.monopoly = clip01(party.monopoly - params.concession_monopoly)
    state.free_elections = True
    if state.code not in model.elections_due:
        model.elections_called.add(state.code)
    state.note(f"a concession to mass protest (public dissent {state.public_dissent:.2f})")
    model.log.record(
        model.year, state.code, EventKind.CONCESSION, f"{party.name} {how} (monopoly now {party.monopoly:.2f})"
    )


def silence(state: StateAgent, party: PartyAgent | None, params: Parameters) -> None:
    """Repression clears the streets and leaves fear (used by crackdowns and interventions)."""
    model = state.model
    model.citizens.dissent[state.citizen_rows] = False
    if party is not None and party.members is not None:
        model.members.dissent[party.members.rows] = False
        party.member_dissent = 0.0
    state.public_dissent = 0.0
    state.fear = min(1.0, state.fear + params.fear_crackdown)
    state.legitimacy = max(0.0, state.legitimacy - params.crackdown_legitimacy)


def step(world: CommunistWorld) -> None:
    """Every ruling party facing mass protest responds (stream ``crisis/<state>``); the leaders to remove, and how,
    are kept in ``world.crisis_removals`` (party code -> (leader, exit)) for the leadership step."""
    world.crisis_removals = {}
    for party in world.communist_parties:
        if party.role == Role.RULING:
            rng = world.streams(f"crisis/{party.state.code}")
            hegemony = world.hegemony_for(party)
            removal = crisis_response(party.state, party, hegemony, rng, world.params)
            if removal is not None:
                world.crisis_removals[party.code] = (party.leader, removal)
