"""The international movement: alignment, admonition, splits and expulsion, intervention, funding, recognition.

Each year every centre acts on the parties of the movement (:func:`centre_acts`); who then recognises whom, the
recognition graph that is feature F6, is :mod:`sim.mechanisms.recognition`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from sim.mechanisms.crisis import silence
from sim.mechanisms.economy import clip01
from sim.mechanisms.enforcement import proclaim_limited_sovereignty
from sim.mechanisms.leadership import install_leader
from sim.vocab import Doctrine, EventKind, LeaderKind, Origin, Phase, Role

if TYPE_CHECKING:
    from sim.agents import InternationalAgent, PartyAgent, StateAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters


def phase_budget(phase: Phase, params: Parameters) -> float:
    """Share of its budget a centre pays out to the non-ruling parties of its camp in ``phase`` (``budget_<phase>``;
    nothing once dissolved)."""
    return 0.0 if phase == Phase.DISSOLVED else params[f"budget_{phase}"]


def orthodoxy_deviation(
    party: PartyAgent, params: Parameters, with_dissent: bool = False, with_autonomy: bool = True
) -> float:
    """How far a party has drifted from the orthodoxy the centre enforces.

    dev = max(0, M_ref - M) + max(0, D_ref - D) + max(0, G_ref - G) + k_r * leader reformism [if reform is under
          way] [+ k_a * (1 - A)] [+ public dissent, when at least ``intervention_dissent``]
    The orthodox reference is each feature's threshold plus ``orthodoxy_margin`` (M .85, D .75, G .55 by default):
    the centre watches for drift toward the edge of the category, and for a reform programme once it has begun (the
    year's programme reformed: ``party.reforming``), never for a leader's label alone. ``with_autonomy=False``
    leaves out the party's independence from the centre (1 - A): the domestic deviation, the only one the centre
    sends troops against.
    """
    th = party.model.thresholds
    deviation = (
        max(0.0, th.monopoly + params.orthodoxy_margin - party.monopoly)
        + max(0.0, th.centralism + params.orthodoxy_margin - party.centralism)
        + max(0.0, th.goal + params.orthodoxy_margin - party.goal)
    )
    if party.leader is not None and party.reforming:
        deviation += params.reformer_deviation * party.leader.reformism
    if with_autonomy:
        deviation += params.autonomy_deviation * (1.0 - party.alignment)
    if with_dissent and party.state.public_dissent >= params.intervention_dissent:
        deviation += party.state.public_dissent
    return deviation


def ideological_distance(party: PartyAgent, centre_party: PartyAgent | None) -> float:
    """|orthodoxy of the party's leader - orthodoxy of the centre party's leader| (0 without leaders)."""
    if centre_party is None or party.leader is None or centre_party.leader is None:
        return 0.0
    return abs(party.leader.orthodoxy - centre_party.leader.orthodoxy)


def soviet_reliance(state: StateAgent) -> float:
    """How far a regime relies on the centre's host state, by force or by aid: r = 1 - (1 - v)(1 - aid).

    v is Soviet dependence (the regime rests on Soviet troops); ``aid`` the driver of Soviet economic and military
    aid it receives (Cuba 1960-91, Vietnam against the United States and later China, Laos under Vietnamese
    tutelage). Either is enough to make the regime need Moscow.
    """
    return 1.0 - (1.0 - state.soviet_dependence) * (1.0 - state.aid)


def has_leverage(value: float, params: Parameters) -> bool:
    """Whether a reliance or an aid level reaches ``leverage_min`` (1e-9: a schedule's 0.2 may read 0.1999...)."""
    return value >= params.leverage_min - 1e-9


def update_alignment(party: PartyAgent, centre: InternationalAgent, params: Parameters) -> None:
    """Alignment with the centre drifts.

    dA = - own_revolution * [own revolution] + k_d * autonomy * (neutral - distance) + k_v * r * (1 - A)
         + funding_effect * funding * (1 - A) + noise,
    r = :func:`soviet_reliance` (force or aid) and autonomy = 1 - r in office; r = 0 and autonomy
    ``out_of_office_autonomy`` out of it.
    Own-revolution parties resist hegemony; ruling parties that do not rest on Soviet force or aid (1 - r) drift
    apart when their leadership's orthodoxy differs from the centre's (China c.1960) and together when it matches;
    dependence keeps installed parties aligned, and aid keeps aided regimes aligned whatever their leaders think of
    the centre's (Vietnam and Cuba stayed with Moscow); a party out of office, with no state to lean on, drifts
    only a little and its funding pulls it back (Brown 2009; MODEL.md section 2).
    """
    rng = party.model.streams(f"alignment/{party.code}")
    reliance = soviet_reliance(party.state) if party.in_office else 0.0
    autonomy = 1.0 - reliance if party.in_office else params.out_of_office_autonomy
    distance = ideological_distance(party, centre.party)
    change = (
        -params.alignment_own_revolution * (party.origin == Origin.OWN_REVOLUTION)
        + params.alignment_distance * autonomy * (params.alignment_neutral_distance - distance)
        + params.alignment_dependence * reliance * (1.0 - party.alignment)
        + params.funding_effect * party.funding * (1.0 - party.alignment)
        + params.alignment_noise * rng.standard_normal()
    )
    party.alignment = clip01(party.alignment + change)


def intervention_probability(
    hegemony: float, dependence: float, doctrine: str, params: Parameters, will: float | None = None
) -> float:
    """p = 1 / (1 + exp(-s * (w * v * doctrine - m))); zero under the freedom-of-choice doctrine, and zero once
    h < ``intervention_hegemony_min``.

    w is the centre leadership's will to enforce, its resolve R (:mod:`sim.mechanisms.enforcement`: sending troops
    is its decision), or h where ``will`` is not given (a laboratory whose hegemony is a lever). Rising in w and in
    v (MODEL.md section 2; 1953, 1956, 1968); the Brezhnev doctrine raises it by a quarter. Troops are sent only
    while the centre's enforcement is credible: once hegemony is falling below ``intervention_hegemony_min`` the
    leadership has signalled it will not send them (Gorbachev told the bloc's leaders so in November 1986, two years
    before the doctrine was renounced in public; Brown 2009).
    """
    if doctrine == Doctrine.FREEDOM_OF_CHOICE or hegemony < params.intervention_hegemony_min:
        return 0.0
    multiplier = params.limited_sovereignty_factor if doctrine == Doctrine.LIMITED_SOVEREIGNTY else 1.0
    x = (hegemony if will is None else will) * dependence * multiplier
    return 1.0 / (1.0 + math.exp(-params.intervention_steepness * (x - params.intervention_midpoint)))


def intervene(centre: InternationalAgent, party: PartyAgent, params: Parameters) -> None:
    """Military intervention: restore M and D, reverse reforms, install a conservative leader, silence dissent.

    The installed leader serves ``installed_term`` years unless a crisis removes it: the centre keeps the man it put
    in office (Kadar ruled Hungary from 1956 to 1988, Husak Czechoslovakia from 1969 to 1987).
    """
    model = centre.model
    state = party.state
    before = f"M {party.monopoly:.2f}, D {party.centralism:.2f}"
    party.monopoly = max(party.monopoly, params.restore_monopoly)
    party.centralism = max(party.centralism, params.restore_centralism)
    party.goal = max(party.goal, params.restore_goal)
    party.market = 0.0
    party.private = 0.0
    install_leader(party, LeaderKind.CONSERVATIVE, model.year, term=int(params.installed_term))
    silence(state, party, params)
    # the restored regime annuls the free elections a concession had called (Hungary, November 1956)
    state.free_elections = False
    model.elections_called.discard(state.code)
    model.elections_due.discard(state.code)
    state.soviet_dependence = min(1.0, state.soviet_dependence + params.intervention_dependence)
    if party.origin == Origin.OWN_REVOLUTION:
        party.alignment = clip01(party.alignment - params.alignment_interference)
    else:
        party.alignment = max(party.alignment, params.restore_alignment)
    centre.interventions += 1
    proclaim_limited_sovereignty(centre, state.name)
    state.note(f"a military intervention by {centre.name}")
    model.log.record(
        model.year,
        state.code,
        EventKind.INTERVENTION,
        f"{centre.name} intervenes militarily in {state.name} ({before} restored; a conservative leader installed)",
    )


def admonish(centre: InternationalAgent, party: PartyAgent, params: Parameters) -> None:
    """Admonition: parties that owe the centre nothing resent it (A down by ``alignment_interference``): an
    own-revolution party that receives little aid (< ``leverage_min``), or one in office relying little on Soviet
    force or aid (r < ``leverage_min``, :func:`soviet_reliance`). Dependent parties comply as far as the centre could
    enforce it (D and A up by ``admonition_compliance`` * h * r, or * h for a party out of office): aid is leverage,
    as Soviet oil was over Cuba in 1968."""
    party.admonished += 1
    reliance = soviet_reliance(party.state)
    aided = party.in_office and has_leverage(party.state.aid, params)
    unleveraged = party.in_office and not has_leverage(reliance, params)
    if (party.origin == Origin.OWN_REVOLUTION and not aided) or unleveraged:
        party.alignment = clip01(party.alignment - params.alignment_interference)
    else:
        leverage = centre.hegemony * (reliance if party.in_office else 1.0)
        party.centralism = min(1.0, party.centralism + params.admonition_compliance * leverage)
        party.alignment = clip01(party.alignment + params.admonition_compliance * leverage)
    if party.admonished == 1 or party.admonished % 5 == 0:
        centre.model.log.record(
            centre.model.year, party.state.code, EventKind.ADMONITION, f"{centre.name} admonishes {party.name}"
        )


def split_from(centre: InternationalAgent, party: PartyAgent, params: Parameters) -> None:
    """A party whose alignment fell below ``split_threshold`` splits or is expelled.

    A large ruling party may found a rival centre; a ruling party close to an existing rival centre joins its camp.
    """
    model = centre.model
    party.camp = None
    party.hostility[centre.code] = 1.0
    kind = EventKind.SPLIT if party.in_office else EventKind.EXPULSION
    model.log.record(
        model.year, party.state.code, kind, f"{party.name} breaks with {centre.name} (alignment {party.alignment:.2f})"
    )
    party.state.note(f"a split with {centre.name}")
    rival = next((c for c in model.centres if c.rival and c.active), None)
    if rival is None and party.role == Role.RULING and party.state.population >= params.rival_centre_population:
        model.add_rival_centre(party)
    elif (
        rival is not None
        and party.role == Role.RULING
        and rival.party is not party
        and ideological_distance(party, rival.party) < params.camp_distance
    ):
        party.camp = rival.code
        model.log.record(model.year, party.state.code, EventKind.MOVEMENT, f"{party.name} joins {rival.name}'s camp")


def init(world: CommunistWorld) -> None:
    """Every Communist party starts in the first centre's camp (if there is a centre)."""
    primary = world.primary_centre
    for party in world.communist_parties:
        party.camp = primary.code if primary is not None else None


def step(world: CommunistWorld) -> None:
    """Every centre acts (:func:`centre_acts`), in scenario order; a rival centre founded this year acts from the
    next year on."""
    for centre in list(world.centres):
        centre_acts(centre)


def centre_acts(centre: InternationalAgent) -> None:
    """One year of a centre: alignment, intervention or admonition, splits, readmission, funding, admissions.

    A ruling party that deviates beyond the centre's tolerance may be invaded (a bloc state, v > 0, ruling for two
    years or more, whose domestic deviation alone, without its independence 1 - A, exceeds the tolerance:
    :func:`intervention_probability`; the centre sent troops to restore a party's monopoly and discipline, never
    against an independent foreign policy, as Romania's after 1964) or else is admonished (:func:`admonish`),
    unless its state is large enough to lead a camp of its own.
    """
    model = centre.model
    params = model.params
    if not centre.active:
        if centre.phase != Phase.DISSOLVED:
            dissolve(centre)
        return
    reforming = centre.party.leader is not None and centre.party.leader.kind.reforming
    for party in model.communist_parties:
        if party is centre.party or not party.exists or (not party.movement_member and party.role != Role.RULING):
            continue
        if code_hostility := party.hostility.get(centre.code):
            party.hostility[centre.code] = code_hostility * (
                1.0 - params.hostility_decay * (params.reforming_centre_hostility if reforming else 1.0)
            )
        if centre.rival:
            continue
        update_alignment(party, centre, params)
        in_camp = party.camp == centre.code
        party.funding = centre.budget * phase_budget(centre.phase, params) if in_camp and not party.in_office else 0.0
        if in_camp and party.alignment < params.split_threshold and party.movement_member:
            split_from(centre, party, params)
            continue
        if not in_camp:
            if (
                party.camp is None
                and party.movement_member
                and party.hostility.get(centre.code, 0.0) < params.hostility_threshold
                and party.alignment >= params.readmit_threshold
            ):
                party.camp = centre.code
                model.log.record(
                    model.year, party.state.code, EventKind.READMISSION, f"{centre.name} readmits {party.name}"
                )
            continue
        if not party.movement_member:
            continue  # the centre polices the orthodoxy of its own parties only
        deviation = orthodoxy_deviation(party, params, with_dissent=party.role == Role.RULING)
        if deviation <= centre.tolerance:
            continue
        bloc_state = (
            party.role == Role.RULING
            and party.state.soviet_dependence > 0
            and party.state.regime_age >= params.bloc_regime_years
        )
        if bloc_state and orthodoxy_deviation(party, params, with_dissent=True, with_autonomy=False) > centre.tolerance:
            rng = model.streams(f"intervention/{party.state.code}")
            will = None if model.drivers.scheduled("hegemony") else centre.resolve
            p = intervention_probability(
                centre.hegemony, party.state.soviet_dependence, centre.doctrine, params, will=will
            )
            if rng.random() < p:
                intervene(centre, party, params)
                continue
        if party.state.population < params.rival_centre_population or not party.in_office:
            admonish(centre, party, params)  # a state big enough to lead a camp of its own is not lectured
    if not centre.rival:
        admit_new_members(centre)


def admit_new_members(centre: InternationalAgent) -> None:
    """A ruling party outside the movement (a coup regime) is admitted once it has held F1, F2 and F5 for 5 years."""
    model = centre.model
    th = model.thresholds
    for party in model.communist_parties:
        if party.movement_member or party.role != Role.RULING:
            continue
        core = party.monopoly >= th.monopoly and party.centralism >= th.centralism and party.goal >= th.goal
        party.consolidated_years = party.consolidated_years + 1 if core else 0
        if party.consolidated_years >= model.params.admission_years:
            party.movement_member = True
            party.camp = centre.code
            model.log.record(
                model.year,
                party.state.code,
                EventKind.MOVEMENT,
                f"{centre.name} recognises {party.name} as a Communist party",
            )


def dissolve(centre: InternationalAgent) -> None:
    """A centre whose host party no longer rules dissolves; its camp's parties become independent."""
    model = centre.model
    centre.phase = Phase.DISSOLVED
    for party in model.communist_parties:
        if party.camp == centre.code:
            party.camp = None
        party.hostility.pop(centre.code, None)
    model.log.record(
        model.year, centre.host.code, EventKind.INSTITUTION, f"{centre.name} dissolves (its host party no longer rules)"
    )
