"""Free elections: Communists, social democrats and the rest compete on an economic and a pluralism axis.

A Communist party's pluralism position is one minus its authoritarianism, the M*D of the model it defends
(Moscow's when aligned): where a social-democratic party offers the left economy *and* pluralism, Communists
poll poorly (Brown 2009: Communists were far less successful electorally than socialists who accepted pluralist
democracy, and almost never came to power through the ballot). Voters choose by a multinomial logit over
utilities u = -w_e |e_i - e_p| - w_q |q_i - q_p| + valence_p.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.population import adults
from sim.vocab import EventKind, Role

if TYPE_CHECKING:
    from sim.agents import PartyAgent, StateAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters


def vote_shares(
    economy_pref: np.ndarray,
    pluralism_pref: np.ndarray,
    positions: np.ndarray,
    valence: np.ndarray,
    params: Parameters,
    plurality: bool = False,
) -> np.ndarray:
    """Expected vote shares of parties at ``positions`` (rows of (economy, pluralism)) for these voters.

    Under a plurality (first-past-the-post) system voters desert small lists: a second round adds
    ``plurality_penalty * log(share)`` to each list's utility (Duverger's wasted-vote effect).
    """
    shares = _logit_shares(economy_pref, pluralism_pref, positions, valence, params)
    if plurality:
        strategic = valence + params.plurality_penalty * np.log(np.maximum(shares, 1e-3))
        shares = _logit_shares(economy_pref, pluralism_pref, positions, strategic, params)
    return shares


def _logit_shares(
    economy_pref: np.ndarray, pluralism_pref: np.ndarray, positions: np.ndarray, valence: np.ndarray, params
) -> np.ndarray:
    utility = (
        -params.vote_economy_weight * np.abs(economy_pref[:, None] - positions[None, :, 0])
        - params.vote_pluralism_weight * np.abs(pluralism_pref[:, None] - positions[None, :, 1])
        + valence[None, :]
    ) / params.vote_temperature
    utility -= utility.max(axis=1, keepdims=True)
    prob = np.exp(utility)
    prob /= prob.sum(axis=1, keepdims=True)
    return prob.mean(axis=0)


def contestants(state: StateAgent, params: Parameters) -> list[tuple[PartyAgent | None, float, float, float]]:
    """(party, economic position, pluralism position, valence) of each list on the ballot; None = the others."""
    lists: list[tuple[PartyAgent | None, float, float, float]] = []
    cp = state.communist
    if cp is not None and cp.active:
        belief = cp.members.mean(cp.members.belief) if cp.members is not None else 0.5
        adult_count = adults(state.population, params)
        organisation = min(1.0, cp.membership / max(1.0, params.mass_party_share * adult_count))
        valence = params.organisation_valence * belief * organisation
        if cp.in_office:
            valence += params.vote_retrospective * (state.legitimacy - 0.5)
        economy = params.communist_economy * (1.0 - params.market_position_shift * cp.market)
        lists.append((cp, economy, 1.0 - cp.authoritarianism, valence))
    sd = state.social_democratic
    if sd is not None and sd.active:
        lists.append((sd, params.social_democratic_economy, params.pluralist_position, 0.0))
    lists.append((None, params.other_economy, params.pluralist_position, 0.0))
    return lists


def hold_election(state: StateAgent, params: Parameters) -> dict[str, float]:
    """Hold a free election in ``state``: set each party's vote share and log the result.

    Returns shares by party code (``"other"`` for the rest). A Communist party that held office keeps it only
    with a majority, and then without a monopoly (its M becomes its vote share).
    """
    model = state.model
    citizens = model.citizens
    rows = state.citizen_rows
    sd = state.social_democratic
    if (sd is not None and sd.role == Role.BANNED and state.ruling_party is None) or (
        sd is not None and sd.role == Role.BANNED and state.code in model.elections_due
    ):
        sd.role = Role.OPPOSITION  # free elections re-legalise the parties a Communist regime banned
    lists = contestants(state, params)
    positions = np.array([[e, q] for _, e, q, _ in lists])
    valence = np.array([v for *_, v in lists])
    plurality = state.electoral_system == "plurality"
    shares = vote_shares(citizens.economy[rows], citizens.pluralism[rows], positions, valence, params, plurality)
    result: dict[str, float] = {}
    for (party, *_), share in zip(lists, shares, strict=True):
        result[party.code if party is not None else "other"] = float(share)
        if party is not None:
            party.vote_share = float(share)
    state.last_election = model.year
    cp = state.communist
    sd_share = result.get(state.social_democratic.code, float("nan")) if state.social_democratic else float("nan")
    if cp is not None and cp.code in result:
        share = result[cp.code]
        founding = not cp.election_contested
        cp.election_contested = True
        model.datacollector.add_table_row(
            "elections",
            {
                "year": model.year, "code": state.code, "party": cp.code, "communist": share,
                "social_democratic": sd_share, "other": result["other"], "founding": founding,
                "communist_in_office": cp.in_office,
            },
        )  # fmt: skip
        if share >= 0.5 and cp.role in (Role.RULING, Role.ELECTED, Role.OPPOSITION):
            was_in_office = cp.in_office
            cp.role = Role.ELECTED
            cp.monopoly = min(cp.monopoly, share) if was_in_office else share
        elif cp.role in (Role.RULING, Role.ELECTED):
            cp.role = Role.OPPOSITION
            cp.monopoly = share
        summary = f"free election in {state.name}: {cp.name} {share:.0%}"
        if state.social_democratic is not None and state.social_democratic.code in result:
            summary += f", {state.social_democratic.name} {result[state.social_democratic.code]:.0%}"
        model.log.record(
            model.year, state.code, EventKind.ELECTION, summary + (" (founding election)" if founding else "")
        )
    return result


def election_due(state: StateAgent, year: int, params: Parameters) -> bool:
    """Free states vote every ``election_interval`` years (staggered by state), and whenever a driver calls one."""
    if state.code in state.model.elections_due:
        return True
    if not state.free_elections or state.ruling_party is not None:
        return False
    return (year + state.index) % params.election_interval == 0


def step(world: CommunistWorld) -> None:
    """A free election in every state where one is due (:func:`election_due`); then no election is due."""
    for state in world.states:
        if election_due(state, world.year, world.params):
            hold_election(state, world.params)
    world.elections_due.clear()
