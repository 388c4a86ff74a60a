"""The faster forms of the core's rules give exactly the numbers of their plain forms (not approximately: results
must stay byte-identical, tests/test_reproducibility.py holds the hashes)."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from sim import CommunistWorld
from sim.features import Status
from sim.mechanisms import dissent
from sim.params import Parameters, defaults
from sim.population import member_opposition
from sim.vocab import TypeRule


def test_member_types_equal_the_first_rule_that_applies():
    params = Parameters(defaults())
    rule = TypeRule.from_params(params)
    rng = np.random.default_rng(3)
    n = 5_000
    b, c, r, s = (rng.random(n) for _ in range(4))
    tenure = rng.integers(0, 60, n)
    careerist = rule.careerist_without_belief(b, c)
    conditions = [
        b >= rule.believer,
        r >= rule.reformer,
        rule.closet_social_democrat(b, s),
        careerist & (tenure >= rule.conservative_tenure),
        careerist,
    ]
    expected = np.select(conditions, list(range(5)), default=5).astype(np.int8)
    got = rule.member_types(b, c, r, s, tenure)
    assert got.dtype == np.int8
    assert np.array_equal(got, expected)
    assert set(np.unique(got)) == set(range(6))  # every branch was taken


def test_member_opposition_of_arrays_equals_the_formula_row_by_row():
    params = Parameters(defaults())
    rng = np.random.default_rng(4)
    b, c, r, s = (rng.random(200) for _ in range(4))
    x = member_opposition(b, c, r, s, params)
    plain = [member_opposition(float(b[i]), float(c[i]), float(r[i]), float(s[i]), params) for i in range(200)]
    assert x.tolist() == plain  # bit for bit


def test_parameters_read_as_attributes_and_survive_pickling():
    params = Parameters({"belief_erosion": 0.25})
    assert params.belief_erosion == params["belief_erosion"] == 0.25
    copy = pickle.loads(pickle.dumps(params))
    copy["belief_erosion"] = 0.5
    assert copy.belief_erosion == 0.5 and params.belief_erosion == 0.25
    with pytest.raises(AttributeError, match="unknown parameter 'nope'"):
        _ = params.nope
    with pytest.raises(ValueError, match="dict methods"):
        Parameters({"items": 1.0})


def _fallen_peers_loop(world) -> np.ndarray:
    """The demonstration effect as a plain double loop over the states (the rule as first written)."""

    def region(state) -> str:
        return state.region.split("/")[0]

    pool = [s for s in world.states if s.ever_communist]
    fallen = np.zeros(len(world.states))
    for state in world.states:
        if state.ruling_party is None:
            continue
        peers = [s for s in pool if region(s) == region(state)]
        total = sum(s.population for s in peers) + (0.0 if state in peers else state.population)
        gone = sum(s.population for s in peers if s is not state and s.status == Status.NON_COMMUNIST)
        fallen[state.index] = gone / total if total > 0 else 0.0
    return fallen


def test_member_agents_read_the_rows_they_stand_for_whenever_made():
    early = CommunistWorld("stylized", rng=8, end_year=1960)
    first = early.member_agents  # made at the start, then the model runs
    early.run()
    late = CommunistWorld("stylized", rng=8, end_year=1960).run()
    assert [a.weight for a in first] == [a.weight for a in late.member_agents]
    assert [a.cohort for a in first] == [a.cohort for a in late.member_agents]


def _wave_peers_loop(world) -> np.ndarray:
    """The weights of a neighbour's example as a plain double loop over the states (the rule as first written)."""
    n = len(world.states)
    weights = np.zeros((n, n))
    total: dict[str, float] = {}
    for s in world.states:
        if s.ever_communist or s.ruling_party is not None:
            total[s.main_region] = total.get(s.main_region, 0.0) + s.population
    ruled = [s for s in world.states if s.ruling_party is not None]
    for i in ruled:
        denominator = total.get(i.main_region, 0.0)
        if denominator <= 0:
            continue
        for j in ruled:
            if j is not i and j.main_region == i.main_region:
                weights[i.index, j.index] = j.population / denominator
    return weights


@pytest.mark.parametrize(
    ("rule", "loop", "seed", "end_year"),
    [(dissent.fallen_peers, _fallen_peers_loop, 2, 1995), (dissent.wave_peers, _wave_peers_loop, 4, 1992)],
    ids=["fallen_peers", "wave_peers"],
)
def test_the_demonstration_effects_equal_their_double_loops_in_every_year(rule, loop, seed, end_year):
    model = CommunistWorld("historical", rng=seed, end_year=end_year, sphere_example=0.0)  # each state its region
    seen = False
    while model.running:
        assert np.array_equal(rule(model), loop(model))
        seen |= bool(rule(model).any())
        model.step()
    assert seen  # the comparison covered years with fallen peers, or with protests next door


def _sphere_loop(world, state) -> tuple[float, np.ndarray]:
    """The Soviet sphere's two examples for ``state`` as plain loops: the fallen share and the wave weights, each
    state weighted by population x Soviet dependence, the centre's host by its whole population."""
    host = world.primary_centre.host

    def size(s) -> float:
        return s.population if s is host else s.population * s.soviet_dependence

    pool = [s for s in world.states if s.ever_communist]
    total = sum(size(s) for s in pool) + (0.0 if state in pool else size(state))
    gone = sum(size(s) for s in pool if s is not state and s.status == Status.NON_COMMUNIST)
    ruled = [s for s in world.states if s.ruling_party is not None]
    everyone = sum(size(s) for s in world.states if s.ever_communist or s.ruling_party is not None)
    waves = np.zeros(len(world.states))
    for j in ruled:
        if j is not state and size(j) > 0:
            waves[j.index] = size(j) / everyone
    return (gone / total if total > 0 else 0.0), waves


def test_a_state_resting_on_soviet_force_mixes_in_the_example_of_the_soviet_sphere():
    """Both demonstration effects of a state are (1 - w) its region's + w the Soviet sphere's, w = min(1,
    sphere_example * v); a state with v = 0 keeps its region's alone, bit for bit."""
    model = CommunistWorld("historical", rng=2, end_year=1992)
    mixed = False
    while model.running:
        _, w = dissent.sphere(model)
        fallen, regional = dissent.fallen_peers(model), _fallen_peers_loop(model)
        waves, regional_waves = dissent.wave_peers(model), _wave_peers_loop(model)
        for state in model.states:
            i = state.index
            assert w[i] == min(1.0, state.soviet_dependence)
            if state.ruling_party is None:
                continue
            if w[i] == 0:
                assert fallen[i] == regional[i] and np.array_equal(waves[i], regional_waves[i])
                continue
            share, weights = _sphere_loop(model, state)
            assert fallen[i] == pytest.approx((1 - w[i]) * regional[i] + w[i] * share, abs=1e-12)
            assert np.allclose(waves[i], (1 - w[i]) * regional_waves[i] + w[i] * weights, rtol=0, atol=1e-12)
            mixed |= share > regional[i]
        model.step()
    assert mixed  # the comparison covered a state whose sphere had fallen further than its region


def test_spreading_per_party_values_to_the_rows_equals_the_gather():
    from sim.population import MemberTable

    rng = np.random.default_rng(5)
    for slots in ([1, 7, 30, 2], [40] * 6, [3]):
        table = MemberTable(slots, career_years=3, orgs_per_party=2)
        values = rng.random(table.n_parties)
        assert np.array_equal(table.spread(values), values[table.party])
        flags = values > 0.5
        assert np.array_equal(table.spread(flags), flags[table.party])


def test_masked_per_party_sums_equal_the_sums_with_zeros():
    model = CommunistWorld("historical", rng=6, end_year=1960).run()
    table = model.members
    mask = table.rank == table.rank.max()
    values = table.reformism
    full = np.bincount(table.party, weights=np.where(mask, table.weight * values, 0.0), minlength=table.n_parties)
    assert np.array_equal(table.per_party_sum(values, mask), full)
    weights = np.bincount(table.party, weights=np.where(mask, table.weight, 0.0), minlength=table.n_parties)
    assert np.array_equal(table.per_party_sum(None, mask), weights)
