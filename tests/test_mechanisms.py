"""One test (at least) per mechanism of MODEL.md section 2, each against the rule its docstring states."""

from __future__ import annotations

import numpy as np
import pytest

from sim import CommunistWorld
from sim.mechanisms import crisis, dissent, economy, elections, leadership, members, movement, takeover
from sim.mechanisms.legitimacy import legitimacy_level
from sim.params import Parameters, defaults
from sim.population import MemberTable
from sim.vocab import TypeRule

P = Parameters(defaults())


def fresh(**overrides) -> CommunistWorld:
    """A stylized model at its start year."""
    return CommunistWorld("stylized", rng=11, **overrides)


def model_at(year: int, **overrides) -> CommunistWorld:
    return fresh(**overrides).run(until=year)


# -- economy: Kornai's chain --------------------------------------------------------------------------------------


def test_kornai_targets_follow_monopoly_goal_and_centralism():
    o, c = economy.kornai_targets(1.0, 1.0, 1.0, 0.0, 0.0, 1.0, P)
    assert o == pytest.approx(1.0) and c == pytest.approx(1.0)
    o_low_goal, _ = economy.kornai_targets(1.0, 0.4, 1.0, 0.0, 0.0, 1.0, P)
    _, c_low_d = economy.kornai_targets(1.0, 1.0, 0.4, 0.0, 0.0, 1.0, P)
    assert o_low_goal == pytest.approx(0.4) and c_low_d == pytest.approx(0.4)
    o_weak, _ = economy.kornai_targets(1.0, 1.0, 1.0, 0.0, 0.0, 0.0, P)
    assert o_weak == pytest.approx(P.capacity_floor)  # a weak state cannot own everything


def test_market_and_ownership_reform_move_the_plan_and_ownership_separately():
    o_mild, c_mild = economy.kornai_targets(0.95, 1.0, 0.9, 0.45, 0.1, 1.0, P)  # perestroika-like
    o_deep, c_deep = economy.kornai_targets(0.95, 1.0, 0.9, 0.75, 0.75, 1.0, P)  # reform and opening
    assert o_mild > 0.8 and c_mild < 0.5  # reform socialism: state ownership, less plan
    assert o_deep < 0.3 and c_deep < 0.3  # a coherent market economy


def test_shortage_is_high_in_the_classical_system_and_low_in_a_market_one():
    classical = economy.shortage_level(economy.softness(0.9, 0.9, 0.95), 0.9, P)
    market = economy.shortage_level(economy.softness(0.3, 0.2, 0.9), 0.2, P)
    assert classical > 0.6 > 0.2 > market


def test_performance_falls_with_shortage_incoherence_and_age():
    young = economy.performance_level(0.9, 0.85, 0.6, 0, P)
    old = economy.performance_level(0.9, 0.85, 0.6, 60, P)
    reform_socialism = economy.performance_level(0.85, 0.45, 0.35, 60, P)
    coherent_market = economy.performance_level(0.35, 0.25, 0.12, 60, P)
    assert young > old
    assert reform_socialism < old < coherent_market


def test_soviet_aid_adds_to_performance_under_communist_rule_only():
    model = model_at(1960)
    ruled, free = model.state_by_code["RVB"], model.state_by_code["DMA"]
    assert ruled.ruling_party is not None and free.ruling_party is None
    for state in (ruled, free):
        state.aid = 0.0
        assert economy.aid_bonus(state, model.params) == 0.0
        state.aid = 0.8
    assert economy.aid_bonus(ruled, model.params) == pytest.approx(0.8 * model.params.aid_performance)
    assert economy.aid_bonus(free, model.params) == 0.0


@pytest.mark.parametrize("code", ["RVB", "DMA"])
def test_the_service_of_western_debt_costs_performance_whoever_rules(code):
    performances = []
    for debt in (0.0, 0.6):
        state = model_at(1960).state_by_code[code]
        state.debt = debt
        economy.update_economy(state, state.model.params, np.random.default_rng(0))  # the same noise draw
        performances.append(state.performance)
    assert performances[0] - performances[1] == pytest.approx(0.6 * P.debt_performance)


def test_the_debt_driver_sets_each_states_burden_in_the_historical_run():
    world = CommunistWorld("historical", rng=1).run(until=1985)
    assert world.state_by_code["POL"].debt == pytest.approx(1.0)
    assert world.state_by_code["CHN"].debt == 0.0
    assert 0.0 < world.state_by_code["HUN"].debt < world.state_by_code["POL"].debt


@pytest.mark.parametrize(("year", "new_regime"), [(1947, True), (1960, False)])
def test_update_economy_moves_ownership_and_command_toward_targets_with_inertia(year, new_regime):
    """With inertia, and at the sovietisation rate in a new regime's first years (BLA is taken over in 1947)."""
    model = model_at(year)
    state = model.state_by_code["BLA"]
    assert (state.regime_age < model.params.sovietisation_years) == new_regime
    before = (state.ownership, state.command)
    economy.update_economy(state, model.params, np.random.default_rng(0))
    party = state.communist
    o_target, c_target = economy.kornai_targets(
        party.monopoly, party.goal, party.centralism, party.market, party.private, state.capacity, model.params
    )
    p = model.params
    o_rate, c_rate = (p.sovietisation_rate,) * 2 if new_regime else (p.ownership_inertia, p.command_inertia)
    assert state.ownership == pytest.approx(before[0] + o_rate * (o_target - before[0]))
    assert state.command == pytest.approx(before[1] + c_rate * (c_target - before[1]))


# -- legitimacy ------------------------------------------------------------------------------------------------------


def test_legitimacy_rests_on_belief_in_the_goal_then_on_performance():
    believed = legitimacy_level(1.0, 0.8, 0.5, 0.0, P)
    disbelieved = legitimacy_level(1.0, 0.2, 0.5, 0.0, P)
    goal_dropped = legitimacy_level(0.0, 0.8, 0.5, 0.0, P)
    assert believed > disbelieved > goal_dropped - 1e-12
    assert goal_dropped == pytest.approx(P.legitimacy_performance * 0.5)  # judged on what it delivers
    assert legitimacy_level(1.0, 0.5, 0.5, 0.8, P) < legitimacy_level(1.0, 0.5, 0.5, 0.0, P)  # imposed


# -- members ---------------------------------------------------------------------------------------------------------


def small_table(n_parties: int = 2, slots: int = 90) -> MemberTable:
    table = MemberTable([slots] * n_parties, career_years=45, orgs_per_party=3)
    table.weight[:] = 100.0
    table.cohort[:] = 1950
    return table


def test_belief_erodes_with_the_performance_gap_and_is_renewed_by_centralism():
    table = small_table()
    table.belief[:] = 0.6
    gap = np.array([0.4, 0.0])  # party 0 fails its promise, party 1 delivers
    members.update_belief(table, gap, np.array([0.9, 0.9]), np.ones(2), P)
    b0, b1 = table.per_party_mean(table.belief)
    assert b0 < 0.6 < b1
    expected = 0.6 - P.belief_erosion * 0.4 * 0.6 + P.belief_renewal * 0.9 * 0.4
    assert b0 == pytest.approx(expected)


def test_performance_gap_counts_shortfall_and_a_practice_that_contradicts_the_goal():
    gap = members.performance_gap(np.array([1.0, 1.0, 0.0]), np.array([0.45, 0.9, 0.2]), np.array([0.0, 0.6, 0.6]), P)
    assert gap[0] == pytest.approx(P.promise_level - 0.45)
    assert gap[1] == pytest.approx(P.market_disillusion * 0.6)  # delivers, but not communism
    assert gap[2] == 0.0  # no goal, nothing promised


def test_reformism_grows_with_the_gap_and_social_democracy_where_centralism_is_low():
    table = small_table()
    table.reformism[:] = 0.1
    table.sd_affinity[:] = 0.1
    table.belief[:] = 0.2
    members.drift_traits(table, np.array([0.5, 0.0]), np.array([0.3, 0.95]), P)
    r0, r1 = table.per_party_mean(table.reformism)
    s0, s1 = table.per_party_mean(table.sd_affinity)
    assert r0 > r1 == pytest.approx(0.1)
    assert s0 > s1


def test_careerists_without_belief_leave_when_the_monopoly_falls():
    table = small_table(n_parties=1)
    half = table.size // 2
    table.careerism[:half], table.belief[:half] = 0.9, 0.1  # careerists
    table.careerism[half:], table.belief[half:] = 0.1, 0.9  # believers
    members.member_exits(table, np.array([0.3]), np.zeros(1), P)
    careerists_left = table.weight[:half].sum()
    believers_left = table.weight[half:].sum()
    assert careerists_left < 0.6 * believers_left
    assert believers_left == pytest.approx(half * 100.0 * (1 - P.attrition), rel=0.05)


def test_recruitment_seats_a_cohort_in_the_retiring_rows():
    table = small_table()
    year = 1996  # cohort rows of 1996 held the cohort of 1951
    rows = table.cohort_rows(year)
    recruits = np.array([1000.0, 0.0])
    rng = np.random.default_rng(1)
    members.recruit_cohort(
        table, year, recruits, np.array([0.8, 0.8]), np.array([0.7, 0.1]), np.array([0.1, 0.1]),
        np.array([0.1, 0.1]), rng, P,
    )  # fmt: skip
    party0 = rows[table.party[rows] == 0]
    party1 = rows[table.party[rows] == 1]
    assert np.all(table.cohort[party0] == year) and table.weight[party0].sum() == pytest.approx(1000.0)
    assert np.all(table.cohort[party1] == -1) and table.weight[party1].sum() == 0.0  # no recruits: empty slots
    assert table.careerism[party0].mean() > 0.4


def test_recruits_careerism_rises_with_career_control_in_a_run():
    """MODEL.md: careerists once the party controls every career (c rises with M*O)."""
    model = model_at(1975)
    parties = model.table("parties")
    bla = parties[parties.code == "BLA-CP"].set_index("year")
    assert bla.loc[1972:1975, "mean_careerism"].mean() > bla.loc[1945:1946, "mean_careerism"].mean() + 0.15


def test_promotion_screens_out_reformers_when_centralism_and_hegemony_are_high():
    results = {}
    for label, (d, h) in {"screened": (1.0, 1.0), "open": (0.2, 0.1)}.items():
        table = small_table(n_parties=1, slots=900)
        table.cohort[:] = 1900  # long tenure: everyone eligible
        table.careerism[:] = 0.5
        reformers = np.arange(table.size) % 2 == 0
        table.reformism[:] = np.where(reformers, 0.9, 0.1)
        rng = np.random.default_rng(3)
        for year in range(1950, 1980):
            members.promote(table, year, np.array([d]), np.array([h]), rng, P)
        top = table.rank >= 3
        results[label] = reformers[top].mean()
    assert results["screened"] < 0.25 < 0.4 < results["open"]


# -- dissent -----------------------------------------------------------------------------------------------------------


def test_horizontal_links_exist_with_probability_one_minus_centralism():
    rng = np.random.default_rng(5)
    links = dissent.horizontal_links(np.array([0.9, 0.2]), 40, rng)
    off_diagonal = ~np.eye(40, dtype=bool)
    assert links[0][off_diagonal].mean() == pytest.approx(0.1, abs=0.03)
    assert links[1][off_diagonal].mean() == pytest.approx(0.8, abs=0.03)
    assert np.all(links[:, np.eye(40, dtype=bool)] == 1.0)


def test_thresholds_rise_with_repression_and_fall_with_opposition_and_fallen_peers():
    base = np.zeros(3)
    tau = dissent.thresholds(base, np.array([0.2, 0.9, 0.9]), np.array([0.6, 0.6, 0.9]), np.zeros(3), P)
    assert tau[1] > tau[0] and tau[2] < tau[1]
    assert dissent.thresholds(base[:1], np.array([0.9]), np.array([0.6]), np.array([1.0]), P) < tau[1]


def _cascade_world(repression: float, centralism: float = 0.9, seed: int = 0):
    from sim.population import CitizenTable

    rng = np.random.default_rng(seed)
    citizens = CitizenTable(2000, 1, rng, 0.15, 0.7, 0.2, P.threshold_mean, P.threshold_sd, 0.5, P.voter_economy_spread)
    table = small_table(n_parties=1, slots=450)
    table.threshold[:] = rng.normal(P.threshold_mean, P.threshold_sd, table.size)
    inputs = dissent.DissentInputs(
        active_state=np.array([True]), civil_society=np.zeros(1), legitimacy=np.array([0.15]), hardship=np.array([0.4]),
        repression=np.array([repression]), fallen=np.zeros(1), party_state=np.array([0]),
        active_party=np.array([True]), centralism=np.array([centralism]), state_party=np.array([0]),
    )  # fmt: skip
    links = dissent.horizontal_links(inputs.centralism, table.orgs_per_party, rng)
    return dissent.threshold_cascade(citizens, table, inputs, links, P)


def test_threshold_cascade_switches_suddenly_when_repression_weakens():
    """Kuran: with most privately opposed, a small fall in repression turns near-silence into open revolt."""
    silent = _cascade_world(repression=1.2)
    revolt = _cascade_world(repression=0.8)
    assert silent.private_opposition[0] > 0.6 and revolt.private_opposition[0] > 0.6
    assert silent.public_dissent[0] < 0.1
    assert revolt.public_dissent[0] > 0.5


def _two_state_cascade(wave: float, seed: int = 4):
    """Two states of one region: A's citizens are in open revolt from the first round, B's stay silent alone."""
    from sim.population import CitizenTable

    rng = np.random.default_rng(seed)
    citizens = CitizenTable(2000, 2, rng, 0.15, 0.7, 0.2, P.threshold_mean, P.threshold_sd, 0.5, P.voter_economy_spread)
    table = small_table(n_parties=2, slots=450)
    table.threshold[:] = rng.normal(P.threshold_mean, P.threshold_sd, table.size)
    inputs = dissent.DissentInputs(
        active_state=np.array([True, True]), civil_society=np.zeros(2), legitimacy=np.array([0.15, 0.15]),
        hardship=np.array([0.4, 0.4]), repression=np.array([0.3, 1.2]), fallen=np.zeros(2),
        party_state=np.array([0, 1]), active_party=np.array([True, True]), centralism=np.array([0.9, 0.9]),
        state_party=np.array([0, 1]), peers=np.array([[0.0, 0.5], [0.5, 0.0]]),
    )  # fmt: skip
    links = dissent.horizontal_links(inputs.centralism, table.orgs_per_party, rng)
    return dissent.threshold_cascade(citizens, table, inputs, links, P.__class__({**P, "wave_contagion": wave}))


def test_a_neighbours_mass_protest_this_year_spreads_within_the_year_and_comes_first():
    """Lohmann: the example of a neighbour's protest lowers thresholds in the rounds after it became a mass
    protest, so the second state tips later in the same year's cascade; without the example it stays silent."""
    alone = _two_state_cascade(wave=0.0)
    wave = _two_state_cascade(wave=0.35)
    assert alone.mass_round[0] >= 0 and wave.mass_round[0] >= 0
    assert alone.public_dissent[1] < P.crisis_dissent
    assert wave.public_dissent[1] >= P.crisis_dissent
    assert wave.mass_round[1] > wave.mass_round[0]
    assert wave.example[1] == pytest.approx(0.5)


def test_centralism_blinds_members_to_each_other():
    """Dissent voiced in one party organisation spreads to others only through horizontal links (prob. 1 - D)."""
    shares = {}
    for d in (1.0, 0.0):
        from sim.population import CitizenTable

        rng = np.random.default_rng(2)
        citizens = CitizenTable(100, 1, rng, 0.0, 0.7, 0.2, 5.0, 0.0, 0.5, 0.2)  # citizens never dissent
        table = small_table(n_parties=1, slots=450)
        table.belief[:], table.reformism[:], table.sd_affinity[:] = 0.0, 1.0, 1.0  # all privately opposed
        first_org = table.org == 0
        table.threshold[:] = np.where(first_org, -5.0, 0.2)  # org 0 dissents alone; others need a third
        inputs = dissent.DissentInputs(
            active_state=np.array([True]), civil_society=np.zeros(1), legitimacy=np.array([1.0]), hardship=np.zeros(1),
            repression=np.array([0.5]), fallen=np.zeros(1), party_state=np.array([0]),
            active_party=np.array([True]), centralism=np.array([d]), state_party=np.array([0]),
        )  # fmt: skip
        links = dissent.horizontal_links(inputs.centralism, table.orgs_per_party, rng)
        result = dissent.threshold_cascade(citizens, table, inputs, links, P.__class__({**P, "street_visibility": 0.0}))
        shares[d] = result.member_dissent[0]
    assert shares[1.0] == pytest.approx(1 / 3, abs=0.01)  # only the first of three organisations
    assert shares[0.0] == pytest.approx(1.0)


# -- leadership -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("traits", "kind"),
    [
        ((0.2, 0.3, 0.7, 0.8), "closet_social_democrat"),
        ((0.5, 0.3, 0.9, 0.5), "reformer"),
        ((0.5, 0.3, 0.9, 0.1), "economic_reformer"),
        ((0.9, 0.2, 0.1, 0.0), "believer"),
        ((0.3, 0.8, 0.1, 0.1), "conservative"),
    ],
)
def test_leader_kind_follows_traits(traits, kind):
    assert TypeRule.from_params(P).leader_kind(*traits) == kind


def test_successor_is_drawn_from_the_top_ranks_and_reformers_are_vetoed_under_high_d_and_h():
    model = model_at(1960)
    party = model.party_by_code["BLA-CP"]
    rows = party.members
    top = rows.rank == rows.rank[rows.weight > 0].max()
    rows.reformism[:] = 0.05
    rows.sd_affinity[:] = 0.4
    rows.belief[:] = 0.3
    rows.careerism[:] = 0.8
    reformer_rows = np.flatnonzero(top)[::2]
    rows.reformism[reformer_rows] = 0.95
    kinds = {"high": [], "low": []}
    for label, (d, h) in {"high": (1.0, 1.0), "low": (0.3, 0.1)}.items():
        party.centralism = d
        rng = np.random.default_rng(4)
        for _ in range(200):
            kinds[label].append(leadership.draw_successor(party, 1960, h, rng, model.params).kind)
    assert kinds["high"].count("reformer") == 0
    assert 0.2 < kinds["low"].count("reformer") / 200 < 0.8
    assert set(kinds["low"]) <= {"reformer", "conservative"}


def test_reform_sequence_lowers_centralism_then_the_plan_then_the_monopoly():
    model = model_at(1980)
    party = model.party_by_code["BLA-CP"]
    state = party.state
    leadership.install_leader(party, "reformer", 1979)  # in office since last year: reform starts now
    party.centralism, party.market, party.monopoly = 0.9, 0.0, 0.95
    history = []
    for _ in range(12):
        leadership.reform_program(party, state, hegemony=0.1, params=model.params)
        history.append((party.centralism, party.market, party.monopoly))
    d, market, m = map(np.array, zip(*history, strict=True))
    first_market = np.argmax(market > 0)
    first_election = np.argmax(m < 0.95)
    assert d[0] < 0.9 and market[0] == 0.0 and m[0] == 0.95  # glasnost first
    assert 0 < first_market < first_election  # then the market, then contested elections
    assert d[first_market] < model.params.market_start and d[first_election] < model.params.election_start


def test_reformer_stays_within_the_system_while_hegemony_is_high():
    """h binds the reformer: de-Stalinisation (D kept >= 0.83 h, no contested elections), not glasnost."""
    model = model_at(1980)
    party = model.party_by_code["BLA-CP"]
    leadership.install_leader(party, "reformer", 1979)
    party.centralism = 0.95
    for _ in range(15):
        leadership.reform_program(party, party.state, hegemony=0.9, params=model.params)
    assert party.centralism == pytest.approx(model.params.glasnost_hegemony * 0.9)
    assert party.centralism >= model.params.centralism_threshold and party.monopoly >= 0.9
    assert party.market == 0.0 and party.private == 0.0  # the plan is kept (Khrushchev): F4 holds


def test_reformer_starts_market_reform_only_once_hegemony_falls_below_its_bound():
    """Market reform waits until h < market_hegemony_max, contested elections until h < election_hegemony_max."""
    model = model_at(1980)
    params = model.params
    assert params.election_hegemony_max < params.market_hegemony_max < 0.9
    h = 0.5 * (params.election_hegemony_max + params.market_hegemony_max)  # between the two bounds
    party = model.party_by_code["BLA-CP"]
    leadership.install_leader(party, "reformer", 1979)
    party.centralism, party.market, party.monopoly = 0.9, 0.0, 0.95
    for _ in range(15):
        leadership.reform_program(party, party.state, hegemony=h, params=params)
    assert party.centralism < params.market_start and party.market > 0  # perestroika ...
    assert party.monopoly == 0.95  # ... but no contested elections


def test_a_new_reformer_starts_the_year_after_taking_office():
    model = model_at(1980)
    party = model.party_by_code["BLA-CP"]
    leadership.install_leader(party, "reformer", 1980)
    party.centralism = 0.9
    leadership.reform_program(party, party.state, hegemony=0.1, params=model.params)
    assert party.centralism == 0.9


def test_conservative_leader_recentralises_an_incoherent_economy_but_keeps_a_working_market():
    model = model_at(1980)
    party = model.party_by_code["BLA-CP"]
    state = party.state
    leadership.install_leader(party, "conservative", 1980)
    party.market, party.private, party.centralism = 0.4, 0.1, 0.7
    state.ownership, state.command, state.performance = 0.85, 0.45, 0.3  # reform socialism
    leadership.reform_program(party, state, hegemony=0.9, params=model.params)
    assert party.market < 0.4 and party.centralism > 0.7
    party.market, party.private = 0.7, 0.7
    state.ownership, state.command, state.performance = 0.3, 0.25, 0.62  # a coherent market that performs
    leadership.reform_program(party, state, hegemony=0.9, params=model.params)
    assert party.market == 0.7 and party.private == 0.7


def test_goal_is_sticky():
    """G falls only when the leader disbelieves, prefers social democracy and hegemony is low."""
    model = model_at(1980)
    party = model.party_by_code["BLA-CP"]
    state = party.state
    cases = {
        "all three": ("closet_social_democrat", 0.1, True),
        "h high": ("closet_social_democrat", 0.9, False),
        "believes": ("believer", 0.1, False),
        "reformer who is no social democrat": ("economic_reformer", 0.1, False),
    }
    for label, (kind, h, drops) in cases.items():
        leadership.install_leader(party, kind, 1980)
        party.goal = 1.0
        leadership.sticky_goal(party, h, state, model.params)
        assert (party.goal < 1.0) == drops, label


def test_crisis_reformer_concedes_and_conservative_with_a_loyal_apparatus_cracks_down():
    outcomes = {}
    for kind in ("reformer", "conservative"):
        model = model_at(1975)
        state = model.state_by_code["RVA"]  # own revolution: no Soviet force needed
        party = state.communist
        leadership.install_leader(party, kind, 1975)
        state.public_dissent, state.repression, party.member_dissent = 0.6, 1.0, 0.0
        before = party.monopoly
        crisis.crisis_response(state, party, 0.9, np.random.default_rng(0), model.params)
        outcomes[kind] = party.monopoly < before
    assert outcomes == {"reformer": True, "conservative": False}
    p = crisis.crackdown_probability
    model = model_at(1975)
    bloc = model.state_by_code["BLA"]
    assert p(bloc, bloc.communist, 0.1, model.params) < 0.3 < p(bloc, bloc.communist, 0.9, model.params)


# -- movement --------------------------------------------------------------------------------------------------------


def test_own_revolution_parties_drift_from_the_centre_and_installed_ones_are_held():
    model = model_at(1950)
    centre = model.primary_centre
    own, installed = model.party_by_code["RVA-CP"], model.party_by_code["BLA-CP"]
    own.alignment = installed.alignment = 0.8
    for party in (own, installed):
        leadership.install_leader(party, "believer", 1950)
    leadership.install_leader(centre.party, "believer", 1950)
    for _ in range(10):
        movement.update_alignment(own, centre, model.params)
        movement.update_alignment(installed, centre, model.params)
    assert installed.alignment > own.alignment


def test_ideological_distance_from_the_centre_erodes_alignment():
    model = model_at(1955)
    centre = model.primary_centre
    party = model.party_by_code["RVA-CP"]
    leadership.install_leader(centre.party, "reformer", 1955)
    leadership.install_leader(party, "autocrat", 1955)
    assert movement.ideological_distance(party, centre.party) > 0.4
    start = party.alignment = 0.8
    for _ in range(5):
        movement.update_alignment(party, centre, model.params)
    assert party.alignment < start - 0.3


def test_soviet_reliance_combines_force_and_aid():
    model = model_at(1950)
    state = model.state_by_code["RVA"]
    for v, aid, expected in ((0.0, 0.0, 0.0), (0.5, 0.0, 0.5), (0.0, 0.8, 0.8), (0.5, 0.6, 0.8), (1.0, 0.3, 1.0)):
        state.soviet_dependence, state.aid = v, aid
        assert movement.soviet_reliance(state) == pytest.approx(expected)


def test_aid_holds_an_own_revolution_party_despite_ideological_distance():
    """Aid pulls alignment toward the centre and weakens the pull of distance (Vietnam and Cuba stayed)."""
    final = {}
    for aid in (0.0, 0.8):
        model = model_at(1955, alignment_noise=0.0)
        centre = model.primary_centre
        party = model.party_by_code["RVA-CP"]
        leadership.install_leader(centre.party, "reformer", 1955)
        leadership.install_leader(party, "autocrat", 1955)
        party.state.soviet_dependence, party.state.aid = 0.0, aid
        party.alignment = 0.6
        for _ in range(10):
            movement.update_alignment(party, centre, model.params)
        final[aid] = party.alignment
    assert final[0.0] < model.params.split_threshold < 0.6 < final[0.8]


def test_aided_own_revolution_party_complies_with_an_admonition():
    """An own-revolution party resents an admonition unless it relies on Soviet aid, which gives the centre
    leverage (D and A up by 0.05 h r)."""
    model = model_at(1960)
    centre = model.primary_centre
    party = model.party_by_code["RVB-CP"]
    assert party.origin == "own_revolution" and party.in_office
    for aid, resents in ((0.0, True), (0.1, True), (0.2, False), (0.7, False)):
        party.state.soviet_dependence, party.state.aid = 0.0, aid
        party.alignment, party.centralism = 0.6, 0.8
        movement.admonish(centre, party, model.params)
        if resents:
            assert party.alignment == pytest.approx(0.6 - model.params.alignment_interference), aid
        else:
            leverage = centre.hegemony * movement.soviet_reliance(party.state)
            assert party.alignment == pytest.approx(0.6 + 0.05 * leverage), aid
            assert party.centralism == pytest.approx(0.8 + 0.05 * leverage), aid


def test_the_centre_sends_troops_against_domestic_deviation_not_against_independence():
    """A bloc party that keeps the monopoly, discipline and goal is not invaded for its low alignment (Romania after
    1964); one whose centralism falls is."""
    model = model_at(1975)
    centre = model.primary_centre
    party = model.party_by_code["BLA-CP"]
    for p in model.communist_parties:  # only BLA may deviate
        if p is not party and p is not centre.party and p.role == "ruling":
            p.alignment, p.monopoly, p.centralism, p.goal = 1.0, 1.0, 1.0, 1.0
    centre.hegemony, centre.doctrine = 0.9, "limited_sovereignty"
    party.state.soviet_dependence = 1.0  # intervention is near certain once warranted
    leadership.install_leader(party, "conservative", 1975)
    party.monopoly, party.centralism, party.goal, party.alignment = 0.95, 0.9, 1.0, 0.35
    assert movement.orthodoxy_deviation(party, model.params) > centre.tolerance
    assert movement.orthodoxy_deviation(party, model.params, with_autonomy=False) <= centre.tolerance
    before = centre.interventions
    movement.centre_acts(centre)
    assert centre.interventions == before and party.admonished > 0  # admonished, not invaded
    party.centralism = 0.6
    movement.centre_acts(centre)
    assert centre.interventions == before + 1


def test_split_leaves_the_camp_keeps_the_party_in_the_movement_and_may_found_a_rival_centre():
    model = model_at(1950)
    centre = model.primary_centre
    party = model.party_by_code["RVA-CP"]
    assert party.camp == centre.code and not any(c.rival for c in model.centres)
    party.alignment = 0.1
    movement.split_from(centre, party, model.params)
    assert party.hostility[centre.code] == 1.0
    assert party.camp is not None and party.camp != centre.code  # a rival centre (RVA is large)
    rival = next(c for c in model.centres if c.rival)
    assert rival.host is party.state and party.movement_member
    model.movement.rebuild(model)
    assert model.movement.is_recognised(party.code)  # F6 through its own camp (the rival centre)
    assert not model.movement.graph.has_edge(centre.code, party.code)


def test_expelled_small_party_loses_recognition_until_readmitted():
    model = model_at(1950)
    centre = model.primary_centre
    party = model.party_by_code["RVB-CP"]
    party.camp, party.hostility = None, {centre.code: 1.0}
    for c in list(model.centres):
        if c.rival:
            c.phase = "dissolved"
    model.movement.rebuild(model)
    assert not model.movement.is_recognised(party.code)
    party.rename(1955, "Socialist Alliance of Revolution B")  # renaming does not bring recognition
    model.movement.rebuild(model)
    assert not model.movement.is_recognised(party.code)
    party.hostility[centre.code] = 0.0
    party.alignment = 0.9
    movement.centre_acts(centre)
    model.movement.rebuild(model)
    assert party.camp == centre.code and model.movement.is_recognised(party.code)


def test_intervention_probability_rises_with_hegemony_and_dependence():
    p = movement.intervention_probability
    assert p(0.9, 0.8, "none", P) > 0.9
    assert p(0.1, 0.8, "none", P) < 0.05
    assert p(0.9, 0.1, "none", P) < 0.05
    assert p(0.72, 0.6, "limited_sovereignty", P) > p(0.72, 0.6, "none", P)
    assert p(0.9, 0.9, "freedom_of_choice", P) == 0.0


def test_no_troops_once_enforcement_is_no_longer_credible():
    """Below ``intervention_hegemony_min`` the centre sends no troops, even under the Brezhnev doctrine (1987)."""
    p = movement.intervention_probability
    h_min = P.intervention_hegemony_min
    assert p(h_min, 0.8, "limited_sovereignty", P) > 0.5
    assert p(h_min - 0.01, 0.8, "limited_sovereignty", P) == 0.0


def test_an_intervention_annuls_the_free_elections_a_concession_called():
    model = model_at(1968)
    party = model.party_by_code["BLD-CP"]
    state = party.state
    state.free_elections = True
    model.elections_called.add(state.code)
    model.elections_due.add(state.code)
    movement.intervene(model.primary_centre, party, model.params)
    assert not state.free_elections
    assert state.code not in model.elections_called and state.code not in model.elections_due


def test_intervention_restores_monopoly_and_centralism_and_installs_a_conservative():
    model = model_at(1968)
    centre = model.primary_centre
    party = model.party_by_code["BLD-CP"]
    leadership.install_leader(party, "reformer", 1968)
    party.monopoly, party.centralism, party.market = 0.6, 0.5, 0.4
    movement.intervene(centre, party, model.params)
    assert party.monopoly >= model.params.restore_monopoly
    assert party.centralism >= model.params.restore_centralism
    assert party.market == 0.0 and party.leader.kind == "conservative"
    assert party.leader.term_end == model.year + model.params.installed_term  # the centre keeps its man


def test_a_driver_may_give_a_leader_s_belief_and_the_kind_still_sets_the_programme():
    model = model_at(1953)
    party = model.primary_centre.party
    profile = leadership.install_leader(party, "reformer", 1953)
    khrushchev = leadership.install_leader(party, "reformer", 1953, belief=0.9, until_replaced=True)
    assert profile.belief == P.reformer_profile_belief and khrushchev.belief == 0.9
    assert khrushchev.reformism == profile.reformism and khrushchev.kind == "reformer"
    assert khrushchev.orthodoxy > profile.orthodoxy  # closer to an orthodox leader: a smaller distance


def test_funding_pulls_non_ruling_parties_toward_the_centre():
    model = model_at(1950)
    centre = model.primary_centre
    party = model.party_by_code["DMA-CP"]
    party.alignment = 0.5
    party.funding = 0.0
    unfunded = [party.alignment]
    clone = model.party_by_code["DMB-CP"]
    clone.alignment, clone.funding = 0.5, 1.0
    for p in (party, clone):
        leadership.install_leader(p, "believer", 1950)
    movement.update_alignment(party, centre, model.params)
    movement.update_alignment(clone, centre, model.params)
    assert clone.alignment - 0.5 > party.alignment - unfunded[0]


# -- elections -------------------------------------------------------------------------------------------------------


def test_communists_poll_below_social_democrats_where_both_run():
    rng = np.random.default_rng(0)
    e = np.clip(rng.normal(0.5, 0.2, 3000), 0, 1)
    q = np.clip(rng.normal(P.voter_pluralism, P.voter_pluralism_spread, 3000), 0, 1)
    communist = [P.communist_economy, 1 - 0.85]
    sd = [P.social_democratic_economy, P.pluralist_position]
    other = [P.other_economy, P.pluralist_position]
    both = elections.vote_shares(e, q, np.array([communist, sd, other]), np.zeros(3), P)
    alone = elections.vote_shares(e, q, np.array([communist, other]), np.zeros(2), P)
    assert 0.05 < both[0] < both[1]
    assert alone[0] > both[0]
    pluralist = elections.vote_shares(e, q, np.array([[0.9, 0.6], sd, other]), np.zeros(3), P)
    assert pluralist[0] > both[0]  # less authoritarian model, more votes


def test_free_election_removes_a_ruling_party_without_a_majority():
    model = model_at(1985)
    state = model.state_by_code["BLC"]
    party = state.communist
    party.monopoly = 0.5
    state.legitimacy = 0.1
    state.free_elections = True
    result = elections.hold_election(state, model.params)
    assert result[party.code] < 0.5
    assert party.role == "opposition" and state.party_in_office is None


# -- takeover --------------------------------------------------------------------------------------------------------


def test_soviet_backed_takeover_needs_armed_backing():
    weak = fresh(hegemony=0.2)
    weak.run(until=1946)
    assert weak.state_by_code["BLE"].communist.role != "ruling"  # backing 0.2 * 0.8 < takeover_backing_min
    strong = model_at(1946)
    assert strong.state_by_code["BLE"].communist.role == "ruling"
    assert strong.state_by_code["BLE"].communist.origin == "installed"


def test_own_revolution_takeover_starts_with_a_high_monopoly_and_its_own_alignment():
    model = model_at(1949)
    party = model.party_by_code["RVA-CP"]
    assert party.role == "ruling" and party.origin == "own_revolution"
    assert party.monopoly >= model.params.revolution_monopoly
    assert party.alignment < 0.95


def test_installed_takeover_merges_the_social_democrats():
    model = model_at(1949)
    state = model.state_by_code["BLD"]
    assert state.social_democratic.role == "banned"
    closet = model.table("parties").set_index(["code", "year"]).loc[("BLD-CP", 1949), "share_closet_social_democrat"]
    assert closet > 0.05


def test_coup_removes_the_party_and_coalition_gives_office_without_monopoly():
    model = model_at(1960)
    state = model.state_by_code["DMB"]
    takeover.join_coalition(state)
    assert state.communist.role == "coalition"
    assert state.communist.monopoly <= model.params.coalition_monopoly
    takeover.coup(state)
    assert state.communist.role == "banned" and not state.free_elections


# -- emulation: market reform after a neighbour's example ----------------------------------------------------------


@pytest.fixture(scope="module")
def asia_1990():
    """The historical world in 1990: China a hybrid after market reform, Vietnam ruled by an orthodox party."""
    return CommunistWorld("historical", rng=1).run(until=1990)


def test_a_reforming_hybrid_neighbour_sets_the_example_of_its_region(asia_1990):
    examples = leadership.reform_examples(asia_1990)
    china = asia_1990.state_by_code["CHN"]
    assert examples["Asia"] >= china.performance > 0
    assert "Europe" not in examples  # no reforming hybrid in Europe


def test_an_orthodox_leadership_emulates_a_better_performing_neighbour_unless_the_centre_or_a_dictator_forbids(
    asia_1990,
):
    vnm = asia_1990.state_by_code["VNM"]
    party, params = vnm.communist, asia_1990.params
    leadership.install_leader(party, "conservative", 1990)
    better, same = vnm.performance + 0.2, vnm.performance
    chance = leadership.emulation_chance(party, vnm, better, 0.3, params)
    assert chance > 0
    assert leadership.emulation_chance(party, vnm, same, 0.3, params) == 0  # no better example, no pull
    assert leadership.emulation_chance(party, vnm, better, params.market_hegemony_max, params) == 0  # the centre
    assert chance > leadership.emulation_chance(party, vnm, vnm.performance + 0.05, 0.3, params)
    leadership.install_leader(party, "autocrat", 1990)
    assert leadership.emulation_chance(party, vnm, better, 0.3, params) == 0  # a personal dictator does not


def test_the_pragmatic_turn_is_logged_and_brings_market_reform_with_the_monopoly_kept(asia_1990):
    vnm = asia_1990.state_by_code["VNM"]
    party = vnm.communist
    leadership.install_leader(party, "conservative", 1990)
    party.pragmatic, party.market, party.monopoly = None, 0.0, 1.0
    leadership.emulate(party, vnm, vnm.performance + 0.2, 0.3, draw=0.0)
    assert party.pragmatic == asia_1990.year
    assert "turns to market reform" in asia_1990.table("events").text.iloc[-1]
    for _ in range(3):
        leadership.reform_program(party, vnm, 0.3, asia_1990.params)
    assert party.market == pytest.approx(3 * asia_1990.params.market_step)
    assert party.monopoly >= 0.95


def test_outside_pressure_for_pluralism_bounds_the_monopoly_from_the_takeover():
    """A revolution held to pluralism from the start (the Sandinistas, monopoly_pressure 0.7 from 1979) never holds
    F1, not even in the year of its takeover."""
    model = CommunistWorld("historical", rng=1).run(until=1979)
    nic = model.state_by_code["NIC"]
    assert nic.communist.role == "ruling" and nic.regime_start == 1979
    assert nic.communist.monopoly <= nic.monopoly_pressure < model.params.monopoly_threshold
    assert not nic.classification.features[0]  # F1


def test_an_army_regime_drops_the_goal_once_its_patron_has_gone_even_when_it_governs_after_elections():
    model = CommunistWorld("historical", rng=1).run(until=1985)
    ago = model.state_by_code["AGO"].communist
    before = ago.goal
    assert model.patron_hegemony(ago) > 0
    from sim.vocab import Phase, Role

    for centre in model.centres:
        centre.phase = Phase.DISSOLVED  # the patron's centre is gone
    assert model.patron_hegemony(ago) == 0
    ago.role = Role.ELECTED
    leadership.step(model)
    assert ago.goal == pytest.approx(before * (1 - model.params.goal_drop))
