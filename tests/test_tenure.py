"""Leaders are people: age, death, retirement, dated successions and removal in a crisis (sim.mechanisms.tenure)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CommunistWorld
from sim.mechanisms import crisis, leadership, tenure
from sim.params import Parameters, defaults
from sim.scenario import load
from sim.vocab import LeaderExit

P = Parameters(defaults())


def _leader(born: int, health: float = 1.0, since: int = 1985) -> leadership.Leader:
    """A named leader with no later dated succession (no regular term, no date holding it)."""
    return leadership.Leader(1, "reformer", 0.5, 0.3, 0.9, 0.5, since, None, "Test", True, born=born, health=health)


def _stylized_with(events: list[dict], end_year: int | None = None, seed: int = 3) -> CommunistWorld:
    scenario = load("stylized")
    scenario = scenario.with_events([e.model_dump() for e in scenario.spec.drivers.events] + events)
    overrides = {} if end_year is None else {"end_year": end_year}
    return CommunistWorld(scenario, rng=seed, **overrides)


# -- the hazards --------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    age=st.floats(min_value=20, max_value=100),
    older=st.floats(min_value=0.5, max_value=30),
    health=st.floats(min_value=0.1, max_value=20),
    worse=st.floats(min_value=1.01, max_value=10),
)
def test_the_death_hazard_rises_with_age_and_with_ill_health(age, older, health, worse):
    hazard = tenure.death_hazard
    assert hazard(age + older, health, P) > hazard(age, health, P)
    assert hazard(age, health * worse, P) == pytest.approx(worse * hazard(age, health, P))


def test_the_death_hazard_is_the_gompertz_law_of_its_parameters():
    assert tenure.death_hazard(60, 1.0, P) == pytest.approx(P.leader_mortality_60)
    doubling = math.log(2) / P.leader_mortality_slope
    assert tenure.death_hazard(60 + doubling, 1.0, P) == pytest.approx(2 * P.leader_mortality_60)
    assert 7 < doubling < 9  # the human mortality-rate doubling time (Finch 1990)


@settings(max_examples=60, deadline=None)
@given(age=st.floats(min_value=20, max_value=110), older=st.floats(min_value=0.5, max_value=20))
def test_the_retirement_hazard_is_zero_before_the_retirement_age_and_rises_past_it(age, older):
    hazard = tenure.retirement_hazard
    if age + older <= P.retirement_age:
        assert hazard(age + older, P) == 0.0
    else:
        assert hazard(age + older, P) > hazard(age, P)


def test_older_and_sicker_leaders_leave_office_sooner():
    def mean_tenure(born: int, health: float) -> float:
        rng = np.random.default_rng(0)
        years = []
        for _ in range(400):
            leader, year = _leader(born, health), 1985
            while tenure.exit_by_age(leader, year, rng, P) is None:
                year += 1
            years.append(year - 1985)
        return float(np.mean(years))

    assert mean_tenure(1931, 1.0) < mean_tenure(1941, 1.0)
    assert mean_tenure(1914, 10.0) < mean_tenure(1914, 1.0)


def test_a_drawn_age_at_taking_office_lies_in_the_registered_range():
    model = CommunistWorld("stylized", rng=5)
    party = model.primary_centre.party
    ages = [1985 - tenure.draw_birth_year(party, 1985, model.params) for _ in range(500)]
    assert min(ages) >= P.leader_age_min and max(ages) <= P.leader_age_max
    assert abs(np.mean(ages) - P.leader_age_mean) < 2.0


# -- named leaders and dated successions ----------------------------------------------------------------------


def test_a_1985_leader_born_1931_with_no_later_succession_has_left_office_by_2025_in_every_seed():
    for seed in range(200):
        rng = np.random.default_rng(seed)
        leader = _leader(1931)
        exits = [tenure.exit_by_age(leader, year, rng, P) for year in range(1986, 2026)]
        assert any(e is not None for e in exits), f"seed {seed}: still in office in 2025, aged 94"


def test_a_named_leader_with_no_later_succession_leaves_office_in_the_model():
    # a 1985 leader born 1931 in a regime that lasts (Revolution A, the stylized China): the last of its history
    ageing = {"year": 1985, "kind": "leader", "state": "RVA", "value": "conservative", "name": "Ageing", "born": 1931}
    for seed in range(3):
        model = _stylized_with([ageing], end_year=2026, seed=seed).run(until=2026)
        party = model.state_by_code["RVA"].communist
        events = model.table("events")
        gone = [t for k, t in zip(events["kind"], events["text"], strict=True) if k == "leader" and "Ageing" in t]
        assert party.role == "ruling", f"seed {seed}: the regime fell (the test is about the leader)"
        assert any("(aged" in t for t in gone), f"seed {seed}: the 1985 leader was never replaced"
        assert party.leader.name != "Ageing"


def test_a_dated_succession_holds_the_named_leader_until_its_year_and_happens_on_it():
    early = {"year": 1955, "kind": "leader", "state": "HEG", "value": "autocrat", "name": "Old", "born": 1870}
    late = {"year": 1970, "kind": "leader", "state": "HEG", "value": "conservative", "name": "Next", "born": 1910}
    model = _stylized_with([early, late])
    party = model.primary_centre.party
    model.run(until=1955)
    assert party.leader.name == "Old" and party.leader.dated_until == 1970
    for year in range(1956, 1970):  # aged 86-99, held in office by the date of its successor
        model.run(until=year)
        assert party.leader.name == "Old", year
    model.run(until=1970)
    assert party.leader.name == "Next" and party.leader.since == 1970 and party.leader.born == 1910
    assert party.leader.dated_until == 1985  # the stylized world's own next succession at the centre
    model.run(until=1985)
    assert party.leader.named and party.leader.dated_until is None  # the last of its history: subject to hazards


def test_a_leader_event_s_birth_year_and_health_reach_the_leader():
    sick = {"year": 1982, "kind": "leader", "state": "HEG", "value": "conservative", "born": 1914, "health": 10.0}
    model = _stylized_with([sick]).run(until=1982)
    leader = model.primary_centre.party.leader
    assert (leader.born, leader.health, leader.named) == (1914, 10.0, True)


def test_the_historical_leaders_are_born_and_dated():
    events = [e for e in load("historical").spec.drivers.events if e.kind == "leader"]
    born = {(e.year, e.state): e.born for e in events}
    assert born[(1985, "SUN")] == 1931 and born[(1924, "SUN")] == 1878 and born[(1965, "ROU")] == 1918
    assert born[(1980, "YUG")] is None  # the collective presidency: drawn
    assert all(e.born is None or e.born < e.year for e in events)
    assert next(e for e in events if (e.year, e.state) == (1982, "SUN")).health > 1  # Andropov's kidneys


# -- removal in a crisis --------------------------------------------------------------------------------------


def _crisis(personalism: float, kind: str = "autocrat", seed: int = 0):
    """A bloc state whose crackdown fails against overwhelming protest (no repression capacity, an apparatus in
    open dissent): the regime concedes."""
    model = CommunistWorld("stylized", rng=seed).run(until=1975)
    state = model.state_by_code["RVA"]
    party = state.communist
    leader = leadership.install_leader(party, kind, 1965, name="Dictator", until_replaced=True, born=1918)
    leader.dated_until = None  # the last of its history (the stylized world dates a successor in 1976)
    party.personalism = personalism
    state.public_dissent, state.repression, party.member_dissent = 0.7, 0.0, 1.0  # no crackdown can succeed
    return model, state, party


def test_a_dictator_whose_crackdown_fails_is_overthrown_by_the_army_and_it_is_recorded():
    model, state, party = _crisis(personalism=1.0)
    removal = crisis.crisis_response(state, party, 0.9, np.random.default_rng(0), model.params)
    assert removal == LeaderExit.ARMY
    model.crisis_removals = {party.code: (party.leader, removal)}
    leadership.step(model)
    texts = model.table("events")["text"]
    assert any("Dictator" in t and "overthrown when the army defected (aged 57)" in t for t in texts)
    assert party.leader.name != "Dictator"


def test_the_apparatus_removes_an_ordinary_leader_and_personalism_shields_a_dictator_from_it():
    model, state, party = _crisis(0.0, kind="conservative")

    def removals(personalism: float) -> dict[str, int]:
        counts = {"palace": 0, "politburo": 0, "army": 0}
        for seed in range(200):
            party.personalism, state.public_dissent = personalism, 0.7
            removal = crisis.crisis_response(state, party, 0.9, np.random.default_rng(seed), model.params)
            counts[str(removal)] += 1
        return counts

    ordinary = removals(0.0)  # Zhivkov before any order to fire; Honecker and Jakes after the crowds had won
    assert ordinary["army"] == 0 and ordinary["palace"] + ordinary["politburo"] == 200
    assert ordinary["palace"] == pytest.approx(200 * model.params.crisis_removal, abs=25)
    shielded = removals(0.8)
    assert shielded["army"] > shielded["politburo"] + shielded["palace"] > 0  # the oligarchy was purged


def test_a_leader_held_by_a_dated_succession_is_not_removed_in_a_crisis():
    model, state, party = _crisis(personalism=0.0)
    party.leader.dated_until = model.year + 5
    assert crisis.crisis_response(state, party, 0.9, np.random.default_rng(0), model.params) is None


def test_a_removal_marked_in_the_crisis_does_not_remove_a_leader_installed_since():
    model, _state, party = _crisis(personalism=0.0)
    marked = party.leader
    leadership.install_leader(party, "conservative", model.year, term=20)  # e.g. an intervention's man
    installed = party.leader
    model.crisis_removals = {party.code: (marked, LeaderExit.POLITBURO)}
    leadership.step(model)
    assert party.leader is installed


# -- reproducibility ------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_leaders():
    def leaders(seed: int) -> list[str]:
        events = CommunistWorld("stylized", rng=seed).run().table("events")
        return [t for k, t in zip(events["kind"], events["text"], strict=True) if k == "leader"]

    first = leaders(7)
    assert first == leaders(7)
    assert any("(aged" in t for t in first)
    assert first != leaders(8)


def test_a_reformer_backed_by_its_top_ranks_is_not_removed_in_a_crisis_and_an_unbacked_one_can_be(monkeypatch):
    """The Politburo that removes a leader in a crisis is the leader's selectorate: a reformer's own generation of
    reformers in the top ranks keeps it (Gorbachev's Politburo of 1990); one whose top ranks oppose reform does
    not (the probability is crisis_removal * shield * (1 - support))."""
    model, state, party = _crisis(0.0, kind="reformer")

    def removals(support: float) -> int:
        monkeypatch.setattr(leadership, "reform_support", lambda party, params: support)
        count = 0
        for seed in range(200):
            state.public_dissent = 0.7
            count += crisis.crisis_response(state, party, 0.9, np.random.default_rng(seed), model.params) is not None
        return count

    assert removals(1.0) == 0
    unbacked = removals(0.0)
    assert unbacked == pytest.approx(200 * model.params.crisis_removal, abs=25)
