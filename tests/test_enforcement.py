"""The centre's enforcement as the hegemon leadership's decision, settlements, and the causal tests of issue 11.

Unit tests drive the decision on a stylized or historical world at a chosen year; the causal tests run the historical
scenario with a few seeds (more with ``pytest --ensemble``, see tests/conftest.py): the freeze experiment and the
conservative 1985 succession.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CommunistWorld
from sim.audit import freeze
from sim.ensemble import run_ensemble
from sim.mechanisms import enforcement, leadership, movement, settlement
from sim.params import Parameters, defaults
from sim.scenario import load
from sim.variants import apply_variant, load_variant
from sim.vocab import Doctrine, EventKind, LeaderKind, Role
from tests.conftest import HISTORY_ENSEMBLE_SEEDS, WORKERS

P = Parameters(defaults())
BLOC = ("POL", "HUN", "DDR", "CSK", "BGR", "ROU")
SEEDS = [1, 2, 3]


def historical_at(year: int, seed: int = 1) -> CommunistWorld:
    return CommunistWorld("historical", rng=seed).run(until=year)


def test_the_historical_scenario_schedules_no_enforcement():
    world = historical_at(1950)
    assert not world.drivers.scheduled("hegemony") and not world.drivers.scheduled("tolerance")


def test_resolve_follows_the_leader_the_party_and_the_strain():
    world = historical_at(1975)
    centre = world.primary_centre
    party = centre.party
    orthodox = enforcement.resolve(world, centre)
    assert party.leader.kind == LeaderKind.CONSERVATIVE and orthodox > 0.7  # Brezhnev
    leadership.install_leader(party, LeaderKind.REFORMER, world.year)  # a reformer who no longer believes
    assert enforcement.stance(centre, world.params) < 1.0
    assert enforcement.resolve(world, centre) < orthodox
    before = enforcement.resolve(world, centre)
    party.centralism = world.params.enforce_discipline_low  # a party in open debate at home
    assert enforcement.discipline(centre, world.params) == 0.0 and enforcement.resolve(world, centre) == 0.0 < before


@settings(max_examples=25, deadline=None)
@given(belief=st.floats(0, 1), reformism=st.floats(0, 1), centralism=st.floats(0, 1))
def test_resolve_is_a_share_and_rises_with_centralism(belief, reformism, centralism):
    world = CommunistWorld("historical", rng=1)
    centre = world.primary_centre
    leader = centre.party.leader
    leader.belief, leader.reformism = belief, reformism
    centre.party.centralism = centralism
    low = enforcement.resolve(world, centre)
    centre.party.centralism = min(1.0, centralism + 0.1)
    assert 0.0 <= low <= enforcement.resolve(world, centre) <= 1.0


def test_a_laboratory_keeps_its_hegemony_schedule():
    world = CommunistWorld("historical", rng=1, hegemony=0.37).run(until=1960)
    assert world.drivers.scheduled("hegemony")
    assert world.primary_centre.hegemony == pytest.approx(0.37)
    assert 0.0 < world.primary_centre.resolve <= 1.0  # the decision is still computed


def test_hegemony_moves_toward_reach_times_resolve():
    world = historical_at(1960)
    centre = world.primary_centre
    h = centre.hegemony
    world.step()
    target = world.drivers.value("reach", world.year) * centre.resolve
    assert abs(centre.hegemony - target) <= abs(h - target) + 1e-12


def _quiet_camp(world: CommunistWorld) -> None:
    for state in world.states:
        state.crisis = False


def test_the_publics_learn_the_centres_backing_fast_when_tested_slowly_otherwise():
    world = historical_at(1975)
    centre = world.primary_centre
    params = world.params
    _quiet_camp(world)
    centre.hegemony, centre.credibility = 0.3, 0.7
    assert not enforcement.tests(world, centre)
    enforcement.learn(world)
    drift = 0.7 + params.credibility_drift * (0.3 - 0.7)
    assert centre.credibility == pytest.approx(drift)
    camp = next(s for s in world.states if s.code == "POL")
    assert camp.ruling_party.camp == centre.code and camp.soviet_dependence > 0
    camp.crisis = True  # a mass protest in the camp: Moscow's answer is seen
    assert enforcement.tests(world, centre)
    enforcement.learn(world)
    assert centre.credibility == pytest.approx(drift + params.credibility_learning * (0.3 - drift))


def test_a_protest_in_a_state_of_its_own_force_does_not_test_the_centre():
    world = historical_at(1975)
    centre = world.primary_centre
    _quiet_camp(world)
    own = next(s for s in world.states if s.code == "YUG")  # Tito's Yugoslavia owes Moscow nothing
    own.crisis = True
    assert not enforcement.tests(world, centre)
    centre.interventions += 1  # but an intervention anywhere does
    assert enforcement.tests(world, centre)
    enforcement.learn(world)
    assert not enforcement.tests(world, centre)  # seen once
    centre.doctrine = Doctrine.FREEDOM_OF_CHOICE  # and so does a doctrine proclaimed
    assert enforcement.tests(world, centre)


def test_a_test_that_moves_credibility_is_logged_with_what_the_publics_saw():
    world = historical_at(1975)
    centre = world.primary_centre
    _quiet_camp(world)
    centre.hegemony, centre.credibility = 0.3, 0.7
    for code in ("POL", "HUN"):
        world.state_by_code[code].crisis = True
    enforcement.learn(world)
    last = world.table("events").iloc[-1]
    assert last.kind == EventKind.CREDIBILITY and last.code == centre.host.code
    assert "mass protests in Hungary and Poland" in last.text  # scenario order and "0.70 -> 0.30" in last.text
    n = len(world.table("events"))
    _quiet_camp(world)
    enforcement.learn(world)  # a quiet year drifts and logs nothing
    assert len(world.table("events")) == n


def test_troops_arriving_or_leaving_test_the_centre():
    world = historical_at(1975)
    centre = world.primary_centre
    _quiet_camp(world)
    assert not enforcement.tests(world, centre)
    world.state_by_code["YUG"].soviet_dependence = 0.5  # an occupation
    assert enforcement.tests(world, centre) == ["the arrival of troops in Yugoslavia"]
    enforcement.learn(world)
    assert not enforcement.tests(world, centre)  # seen once
    world.state_by_code["YUG"].soviet_dependence = 0.0
    assert enforcement.tests(world, centre) == ["the withdrawal of troops from Yugoslavia"]


@settings(max_examples=25, deadline=None)
@given(hegemony=st.floats(0, 1), credibility=st.floats(0, 1), test=st.booleans())
def test_credibility_moves_toward_hegemony_and_stays_a_share(hegemony, credibility, test):
    world = historical_at(1960)
    centre = world.primary_centre
    _quiet_camp(world)
    centre.hegemony, centre.credibility = hegemony, credibility
    if test:
        centre.interventions += 1
    enforcement.learn(world)
    assert 0.0 <= centre.credibility <= 1.0
    assert abs(centre.credibility - hegemony) <= abs(credibility - hegemony) + 1e-12


def test_a_laboratorys_hegemony_is_believed_as_scheduled():
    world = CommunistWorld("historical", rng=1, hegemony=0.37).run(until=1960)
    assert world.primary_centre.credibility == pytest.approx(0.37)


def test_the_camps_citizens_fear_the_backing_they_believe_in_not_the_decision():
    """Dissent in a camp state reads credibility * v: with the same hegemony, a camp that still believes in
    Moscow's backing is more repressed than one that has learnt otherwise."""
    from sim.mechanisms import dissent

    levels = []
    for credibility in (0.8, 0.2):
        world = historical_at(1986)
        centre = world.primary_centre
        centre.hegemony, centre.credibility = 0.5, credibility
        dissent.step(world)
        levels.append(next(s for s in world.states if s.code == "POL").repression_level)
    assert levels[0] > levels[1]


def test_freedom_of_choice_is_decided_and_logged_with_its_causes():
    world = historical_at(1975)
    centre = world.primary_centre
    enforcement.decide_doctrine(world, centre, world.params.renounce_resolve - 0.01)
    assert centre.doctrine == Doctrine.FREEDOM_OF_CHOICE
    text = world.table("events").text.iloc[-1]
    assert "renounces force" in text and "stance" in text and "centralism" in text
    enforcement.decide_doctrine(world, centre, world.params.restore_resolve + 0.01)
    assert centre.doctrine == Doctrine.NONE


def test_an_orthodox_intervention_proclaims_limited_sovereignty_a_reformers_does_not():
    world = historical_at(1975)
    centre = world.primary_centre
    centre.doctrine = Doctrine.NONE
    leadership.install_leader(centre.party, LeaderKind.REFORMER, world.year)
    enforcement.proclaim_limited_sovereignty(centre, "Hungary")
    assert centre.doctrine == Doctrine.NONE
    leadership.install_leader(centre.party, LeaderKind.CONSERVATIVE, world.year)
    enforcement.proclaim_limited_sovereignty(centre, "Czechoslovakia")
    assert centre.doctrine == Doctrine.LIMITED_SOVEREIGNTY


def test_aid_is_paid_in_full_at_full_resolve_less_as_it_falls_and_not_once_the_host_party_is_out():
    world = historical_at(1975)
    centre = world.primary_centre
    assert enforcement.aid_payment(centre, 1.0, world.params) == pytest.approx(1.0)
    assert enforcement.aid_payment(centre, 0.0, world.params) == pytest.approx(world.params.aid_will_floor)
    centre.party.role = Role.OPPOSITION
    assert enforcement.aid_payment(centre, 1.0, world.params) == 0.0


def test_a_reformers_label_alone_is_no_deviation():
    world = historical_at(1967)
    party = world.state_by_code["CSK"].communist
    leadership.install_leader(party, LeaderKind.REFORMER, world.year)
    party.reforming = False
    label_only = movement.orthodoxy_deviation(party, world.params, with_autonomy=False)
    party.reforming = True
    assert movement.orthodoxy_deviation(party, world.params, with_autonomy=False) == pytest.approx(
        label_only + world.params.reformer_deviation * party.leader.reformism
    )


def test_the_hegemons_believing_reformer_keeps_the_plan_and_centralism():
    world = historical_at(1960)
    party = world.primary_centre.party
    assert party.leader.kind == LeaderKind.REFORMER and party.leader.belief >= world.params.market_belief_max
    assert party.centralism >= world.params.glasnost_belief * party.leader.belief - 1e-9
    assert party.market == 0.0


def test_a_regime_at_war_settles_only_once_its_backing_has_gone():
    world = historical_at(1986)
    nic = world.state_by_code["NIC"]
    assert nic.war > 0 and not nic.settled
    nic.peak_reliance = 0.0
    assert not settlement.settles(world, nic)  # paid in full: no settlement
    nic.aid = 0.0  # the donor stops paying
    hits = sum(settlement.settles(world, nic) for _ in range(200))
    assert 0 < hits < 200  # a yearly chance, once the backing has gone


def test_settlements_end_the_wars_of_the_historical_run_with_free_elections():
    world = historical_at(1997)
    for code in ("NIC", "KHM"):
        state = world.state_by_code[code]
        assert state.settled and state.war == 0.0
    events = world.table("events")
    settled = events[events.kind == EventKind.SETTLEMENT]
    assert {"NIC", "KHM"} <= set(settled.code)
    assert all("free elections follow" in t for t in settled.text)


# -- the causal tests of issue 11 ----------------------------------------------------------------------------------


def _exit_year(states, code: str, after: int = 1950) -> float:
    s = states[(states.code == code) & (states.year > after)].sort_values("year")
    left = s[s.status == "non_communist"]
    return float(left.year.iloc[0]) if len(left) else float("inf")


def freeze_holds(seeds: list[int]) -> None:
    frozen, _ = freeze(load("historical"), 1985)
    ens = run_ensemble(frozen, seeds, workers=WORKERS, progress=False, until=2025)
    states = ens.table("states")
    seeds = sorted(states.seed.unique())
    sun = [_exit_year(states[states.seed == s], "SUN") for s in seeds]
    assert sum(1987 <= y <= 1992 for y in sun) > len(seeds) / 2
    fallen = [sum(_exit_year(states[states.seed == s], c) <= 1992 for c in BLOC) for s in seeds]
    assert sum(n >= 4 for n in fallen) > len(seeds) / 2
    last = states[states.year == 2025]
    assert (last[last.code == "CHN"].status == "hybrid").mean() > 0.5
    for code in ("VNM", "LAO", "PRK"):
        assert (last[last.code == code].status != "non_communist").mean() > 0.5


def conservative_holds(seeds: list[int]) -> None:
    base = load("historical")
    variant = apply_variant(load_variant("conservative_1985"), base)
    b = run_ensemble(base, seeds, workers=WORKERS, progress=False, until=1995).table("states")
    v = run_ensemble(variant, seeds, workers=WORKERS, progress=False, until=1995).table("states")
    kept = [_exit_year(v[v.seed == s], "SUN") > 1991 for s in seeds]
    assert sum(kept) > len(seeds) / 2
    by_1991 = [
        (
            sum(_exit_year(b[b.seed == s], c) <= 1991 for c in BLOC),
            sum(_exit_year(v[v.seed == s], c) <= 1991 for c in BLOC),
        )
        for s in seeds
    ]
    assert sum(vn < bn for bn, vn in by_1991) > len(seeds) / 2  # fewer bloc states fallen by 1991


def test_freeze_after_1985_the_ussr_and_the_bloc_still_fall_and_the_survivors_survive():
    freeze_holds(SEEDS)


def test_a_conservative_in_1985_keeps_the_ussr_communist_through_1991_and_delays_the_bloc():
    conservative_holds(SEEDS)


@pytest.mark.ensemble
def test_freeze_after_1985_over_the_ensemble():
    freeze_holds(list(HISTORY_ENSEMBLE_SEEDS))


@pytest.mark.ensemble
def test_a_conservative_in_1985_over_the_ensemble():
    conservative_holds(list(HISTORY_ENSEMBLE_SEEDS))
