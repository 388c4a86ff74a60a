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
    v = state.soviet_dependence
    capacity = 0.5 * (1.0 + state.repression)
    hedging = 1.0 - params.contagion * state.fallen_peers
    return params.crackdown_success * capacity * (1.0 - party.member_dissent) * ((1.0 - v) + v * hegemony) * hedging


def protest_causes(state: StateAgent, reforming: bool) -> str:
    """What the year's protest came from, in words: the privately opposed share, hardship and repression (the
    cascade's inputs), the example of peers in mass protest this year and of fallen ones, and a reformer's
    relaxation."""
    causes = [
        f"privately opposed {state.private_opposition:.2f}",
        f"hardship {state.hardship:.2f}",
        f"repression {state.repression_level:.2f}",
    ]
    if state.protest_example > 0:
        causes.append(f"protests next door {state.protest_example:.2f}")
    if state.fallen_peers > 0:
        causes.append(f"fallen neighbours {state.fallen_peers:.2f}")
    if reforming:
        causes.append("a reformer leads")
    return ", ".join(causes)


def crisis_response(
    state: StateAgent, party: PartyAgent, hegemony: float, rng: np.random.Generator, params: Parameters
) -> LeaderExit | None:
    """A regime facing mass protest cracks down, holds on or concedes. Returns how the leader is removed, if it is.

    Crisis: public dissent >= ``crisis_dissent``. A reforming leader concedes; another tries a crackdown
    (:func:`crackdown_probability`): success silences the streets and leaves fear. After a failed crackdown the regime
    concedes only if the protest is overwhelming (public dissent >= ``overwhelming_dissent``) or its apparatus is split
    (member dissent >= ``apparatus_split``); otherwise it holds on and the crisis goes into the next year. A concession
    lowers M by ``concession_monopoly`` and calls founding free elections for the next year (a round table). The
    leader's removal (:func:`sim.mechanisms.tenure.removal_in_crisis`): by the Politburo with probability
    ``crisis_removal`` (1 - ``personalism_shield`` P) (1 - support) in any crisis year, support being a reformer's
    backing in its top ranks (:func:`sim.mechanisms.leadership.reform_support`); after a concession it did not want, by
    the Politburo with probability 1 - ``personalism_shield`` P, else overthrown when the army defects (Romania 1989). A
    leader the scenario holds in office until a dated succession is not removed.
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
    support = leadership.reform_support(party, params) if reforming else 0.0
    if not reforming and rng.random() < crackdown_probability(state, party, hegemony, params):
        silence(state, party, params)
        state.note("a crackdown on mass protest")
        model.log.record(model.year, state.code, EventKind.CRACKDOWN, f"crackdown in {state.name} silences the protest")
        return tenure.removal_in_crisis(party, False, rng, params, support)
    overwhelmed = state.public_dissent >= params.overwhelming_dissent or party.member_dissent >= params.apparatus_split
    if not reforming and not overwhelmed:
        state.note("a failed crackdown: the regime holds on")
        model.log.record(
            model.year, state.code, EventKind.STANDOFF, f"a crackdown in {state.name} fails; the regime holds on"
        )
        return tenure.removal_in_crisis(party, False, rng, params, support)
    party.monopoly = clip01(party.monopoly - params.concession_monopoly)
    state.free_elections = True
    if state.code not in model.elections_due:  # unless this year's election is already the founding one
        model.elections_called.add(state.code)
    state.note(f"a concession to mass protest (public dissent {state.public_dissent:.2f})")
    model.log.record(
        model.year,
        state.code,
        EventKind.CONCESSION,
        f"{party.name} concedes to mass protest (monopoly now {party.monopoly:.2f})",
    )
    return tenure.removal_in_crisis(party, not reforming, rng, params, support)


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
