"""The centre's enforcement: a yearly decision of the hegemon's leadership, not a schedule (MODEL.md section 3).

How far Moscow enforces orthodoxy abroad follows from its own state each year (issue 11 item 1; Brown 2009, on
why the Soviet leadership of 1985-89 would no longer send tanks):

- **stance** s = min(1, max(belief, 1 - reformism) / ``enforce_stance_full``) of the general secretary: a leader
  enforces out of conviction (a believer, Khrushchev in 1956) or out of orthodoxy (a conservative, Brezhnev in
  1968); a reformer who no longer believes (Gorbachev) does neither;
- **discipline** d = clip((D_host - ``enforce_discipline_low``) / (``enforce_discipline_high`` -
  ``enforce_discipline_low``)) of the host party: a Politburo whose party is in open debate at home cannot agree
  to crush the same debate abroad;
- **Politburo** p = 1 - ``enforce_reformers`` * max(0, top-rank reformism - ``enforce_reformers_ref``): the reformers in
  the host party's top ranks (:func:`sim.mechanisms.leadership.top_reformism`);
- **strain** sigma = clip(max(0, ``performance_base`` - performance) / ``performance_base`` + ``war_strain`` * war
  + ``aid_strain`` * aid burden + max(0, ``enforce_legitimacy_ref`` - L)): the hegemon's economy, the cost of an
  ongoing war (the ``war`` driver: Afghanistan 1979-89), the aid it pays out (the pledges of the ``aid`` driver,
  weighted by the recipients' population relative to its own) and its legitimacy at home.

The resolve R = s * d * p * (1 - ``enforce_strain`` * sigma). Hegemony, the enforcement the centre stands ready to carry
out, moves toward ``reach`` * R (``reach``, the driver of the movement's means before the Red Army stood in Europe, is
0.9 after 1945) at the yearly rate ``enforce_adjust``: a leadership's course turns over a few years. Tolerance is
``tolerance_min`` + (``tolerance_max`` - ``tolerance_min``) * (1 - R)^``tolerance_curve``: a resolute leadership
tolerates little, and tolerance grows fast only as the resolve goes. Sending troops is the same decision: the
intervention probability reads R (:func:`sim.mechanisms.movement.intervention_probability`).

Doctrines are decisions recorded with their causes: a resolve below ``renounce_resolve`` proclaims freedom of
choice (the UN speech of December 1988), which takes the threat of force off the table (hegemony then moves toward
``freedom_of_choice_factor`` * reach * R); a later resolve above ``restore_resolve`` withdraws it. The
limited-sovereignty doctrine is proclaimed when an orthodox leadership has intervened
(:func:`sim.mechanisms.movement.intervene`, Brezhnev in November 1968).

The aid the centre's host actually pays is the pledge of the ``aid`` driver times its payment rate:
``aid_will_floor`` + (1 - ``aid_will_floor``) * min(1, R / ``aid_full_resolve``) while the host party rules,
nothing once it has lost office (the donor can no longer pay, or no longer wants to).

The publics do not see the decision, only what the centre does (Kuran 1991: the East Europeans of 1989 revised what they
expected of Moscow as they watched its response to others). Their belief in the centre's backing, its **credibility**,
is what raises the thresholds of dissent in the camp (:mod:`sim.mechanisms.dissent`): it moves toward hegemony at
``credibility_learning`` in a year that tests the centre (a mass protest in its host or in a camp state that rests on
its force, troops arriving or leaving, an intervention, a doctrine proclaimed or withdrawn) and at ``credibility_drift``
otherwise (:func:`learn`). The regimes' own leaderships know the decision: their crackdowns and talks read hegemony. So
a reformer's accession lowers what the centre will do at once, but the crowds learn it only when someone tries: Poland's
strikes of 1988 and its elections of 1989, which Moscow let pass.

A scenario that schedules ``hegemony`` or ``tolerance`` (the stylized laboratory, or a command-line override) uses
the schedule as a lever instead of the decision (believed as scheduled); the resolve and the aid payment are still
computed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.mechanisms.economy import approach, clip01
from sim.mechanisms.leadership import top_reformism
from sim.vocab import Doctrine, EventKind

if TYPE_CHECKING:
    from sim.agents import InternationalAgent
    from sim.model import CommunistWorld
    from sim.params import Parameters


def stance(centre: InternationalAgent, params: Parameters) -> float:
    """s = min(1, max(belief, 1 - reformism) / ``enforce_stance_full``) of the host party's leader (0 without one)."""
    party = centre.party
    if party is None or party.leader is None:
        return 0.0
    leader = party.leader
    return min(1.0, max(leader.belief, 1.0 - leader.reformism) / params.enforce_stance_full)


def discipline(centre: InternationalAgent, params: Parameters) -> float:
    """d = clip((D_host - low) / (high - low)): how far the host party still holds to democratic centralism."""
    party = centre.party
    if party is None:
        return 0.0
    span = params.enforce_discipline_high - params.enforce_discipline_low
    return clip01((party.centralism - params.enforce_discipline_low) / span)


def politburo(centre: InternationalAgent, params: Parameters) -> float:
    """p = 1 - ``enforce_reformers`` * max(0, top-rank reformism - ``enforce_reformers_ref``), at least 0."""
    party = centre.party
    if party is None:
        return 0.0
    excess = max(0.0, top_reformism(party) - params.enforce_reformers_ref)
    return max(0.0, 1.0 - params.enforce_reformers * excess)


def aid_burden(world: CommunistWorld, centre: InternationalAgent) -> float:
    """The aid the host has pledged, weighted by each recipient's population relative to the host's own."""
    host = centre.host
    if host.population <= 0:
        return 0.0
    pledged = sum(s.aid * s.population for s in world.states if s is not host)
    return pledged / host.population


def strain(world: CommunistWorld, centre: InternationalAgent, params: Parameters) -> float:
    """sigma: the hegemon's economic shortfall, its war, the aid it pays and its legitimacy gap, at most 1."""
    host = centre.host
    shortfall = max(0.0, params.performance_base - host.performance) / params.performance_base
    war = world.drivers.value("war", world.year, host.code)
    legitimacy_gap = max(0.0, params.enforce_legitimacy_ref - host.legitimacy)
    return clip01(shortfall + params.war_strain * war + params.aid_strain * aid_burden(world, centre) + legitimacy_gap)


def resolve(world: CommunistWorld, centre: InternationalAgent) -> float:
    """R = s * d * p * (1 - ``enforce_strain`` * sigma): the leadership's will to enforce orthodoxy abroad."""
    params = world.params
    return (
        stance(centre, params)
        * discipline(centre, params)
        * politburo(centre, params)
        * (1.0 - params.enforce_strain * strain(world, centre, params))
    )


def _causes(world: CommunistWorld, centre: InternationalAgent) -> str:
    """The decision's causes in words, for the event log."""
    params = world.params
    party = centre.party
    leader = party.leader.describe() if party is not None and party.leader is not None else "no leader"
    return (
        f"{leader}; stance {stance(centre, params):.2f}, centralism {party.centralism:.2f}, top-rank reformism "
        f"{top_reformism(party):.2f}, strain {strain(world, centre, params):.2f}"
    )


def decide_doctrine(world: CommunistWorld, centre: InternationalAgent, r: float) -> None:
    """Freedom of choice once R < ``renounce_resolve``; withdrawn once R > ``restore_resolve`` (logged, with causes)."""
    params = world.params
    if centre.doctrine != Doctrine.FREEDOM_OF_CHOICE and r < params.renounce_resolve:
        centre.doctrine = Doctrine.FREEDOM_OF_CHOICE
        world.log.record(
            world.year,
            centre.host.code,
            EventKind.DOCTRINE,
            f"{centre.name} renounces force: each people may choose its own path (resolve {r:.2f}: "
            f"{_causes(world, centre)})",
        )
    elif centre.doctrine == Doctrine.FREEDOM_OF_CHOICE and r > params.restore_resolve:
        centre.doctrine = Doctrine.NONE
        world.log.record(
            world.year,
            centre.host.code,
            EventKind.DOCTRINE,
            f"{centre.name} withdraws the freedom of choice (resolve {r:.2f}: {_causes(world, centre)})",
        )


def proclaim_limited_sovereignty(centre: InternationalAgent, target: str) -> None:
    """After an intervention by an orthodox leadership: the bloc may defend socialism in a member state."""
    party = centre.party
    if centre.doctrine != Doctrine.NONE or party is None or party.leader is None or party.leader.kind.reforming:
        return
    centre.doctrine = Doctrine.LIMITED_SOVEREIGNTY
    model = centre.model
    model.log.record(
        model.year,
        centre.host.code,
        EventKind.DOCTRINE,
        f"{centre.name} proclaims limited sovereignty to justify its intervention in {target} "
        f"({party.leader.describe()})",
    )


def aid_payment(centre: InternationalAgent | None, r: float, params: Parameters) -> float:
    """Share of its aid pledges the host pays: floor + (1 - floor) * min(1, R / full) while its party rules; 0 after."""
    if centre is None or not centre.active:
        return 0.0
    return params.aid_will_floor + (1.0 - params.aid_will_floor) * min(1.0, r / params.aid_full_resolve)


def init(world: CommunistWorld) -> None:
    """The start year's decision (hegemony starts at reach * R, with no inertia)."""
    centre = world.primary_centre
    if centre is not None:
        decide(world, centre, first=True)
        centre.credibility = centre.hegemony


def step(world: CommunistWorld) -> None:
    """The primary centre's yearly decision: hegemony, tolerance, doctrine, aid paid."""
    centre = world.primary_centre
    if centre is not None:
        decide(world, centre)


def decide(world: CommunistWorld, centre: InternationalAgent, first: bool = False) -> None:
    """One year's decision of the hegemon's leadership (see the module docstring)."""
    params = world.params
    drivers = world.drivers
    active = centre.active
    r = clip01(resolve(world, centre)) if active else 0.0
    centre.resolve = r
    payment = aid_payment(centre, r, params)
    for state in world.states:
        state.aid *= payment  # the drivers set the pledge this year; the host pays what it can and will
    if not active:
        return
    decide_doctrine(world, centre, r)
    reach = drivers.value("reach", world.year)
    target = reach * r
    if centre.doctrine == Doctrine.FREEDOM_OF_CHOICE:
        target *= params.freedom_of_choice_factor
    if not drivers.scheduled("hegemony"):
        centre.hegemony = target if first else approach(centre.hegemony, target, params.enforce_adjust)
    else:
        centre.credibility = centre.hegemony  # a laboratory's lever is believed as scheduled, the same year
    if not drivers.scheduled("tolerance"):
        centre.tolerance = (
            params.tolerance_min + (params.tolerance_max - params.tolerance_min) * (1.0 - r) ** params.tolerance_curve
        )


def tests(world: CommunistWorld, centre: InternationalAgent) -> list[str]:
    """What this year showed the publics of what the centre will do, in words (empty: nothing): its answer to a
    mass protest in its host or in a state of its camp that rests on its force (v > 0), troops arriving in a state
    or leaving it (its Soviet dependence v raised or lowered: an occupation, a withdrawal), an intervention, a
    doctrine proclaimed or withdrawn."""
    protests = [
        state.short_name
        for state in world.states
        if state.crisis
        and state.ruling_party is not None
        and (state is centre.host or (state.ruling_party.camp == centre.code and state.soviet_dependence > 0))
    ]
    seen = []
    if protests:
        seen.append(f"its answer to the mass {'protest' if len(protests) == 1 else 'protests'} in {_listed(protests)}")
    moved = [(s, s.soviet_dependence - centre.known_dependence.get(s.code, s.soviet_dependence)) for s in world.states]
    arrived = [s.short_name for s, change in moved if change > 0]
    left = [s.short_name for s, change in moved if change < 0]
    if arrived:
        seen.append(f"the arrival of troops in {_listed(arrived)}")
    if left:
        seen.append(f"the withdrawal of troops from {_listed(left)}")
    if centre.interventions != centre.known_interventions:
        seen.append("its intervention")
    if centre.doctrine != centre.known_doctrine:
        seen.append(f"its doctrine ({centre.doctrine.replace('_', ' ')})")
    return seen


def _listed(names: list[str]) -> str:
    """Names in words: "Poland", "Poland and Hungary", "Poland, Hungary and Romania"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def learn(world: CommunistWorld) -> None:
    """The publics' belief in the centre's backing (credibility) moves toward its hegemony at
    ``credibility_learning`` in a year that tests it (:func:`tests`), at ``credibility_drift`` otherwise; a test
    that moves it is logged with what the publics saw. A scheduled hegemony (a laboratory's lever) is believed as
    scheduled, from the year it is set (:func:`decide`)."""
    centre = world.primary_centre
    if centre is None:
        return
    params = world.params
    if not world.drivers.scheduled("hegemony"):  # a laboratory's lever is believed as scheduled (:func:`decide`)
        seen = tests(world, centre)
        before = centre.credibility
        rate = params.credibility_learning if seen else params.credibility_drift
        centre.credibility = approach(before, centre.hegemony, rate)
        if seen and f"{before:.2f}" != f"{centre.credibility:.2f}":
            world.log.record(
                world.year,
                centre.host.code,
                EventKind.CREDIBILITY,
                f"the camp's publics learn how far {centre.name} backs its regimes from {_listed(seen)}: "
                f"the credibility of its backing {before:.2f} -> {centre.credibility:.2f}",
            )
    centre.known_interventions = centre.interventions
    centre.known_doctrine = centre.doctrine
    centre.known_dependence = {state.code: state.soviet_dependence for state in world.states}
