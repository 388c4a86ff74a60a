"""Borders (sim.mechanisms.borders): break-ups of federations, unifications, emigration through opened borders.

Each rule is tested against its docstring's equation on the stylized world (given the new keys in memory), and
in whole stylized runs: the outcome never comes before its cause, and happens at most once.
"""

from __future__ import annotations

import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import CommunistWorld, viz
from sim.causal_rule import Verdict, dated_inputs
from sim.errors import ScenarioError
from sim.events import classify_states
from sim.features import Status
from sim.mechanisms import borders
from sim.resources import SCENARIO_DIR
from sim.scenario import Scenario, load, validate
from sim.vocab import EventKind, Role

STYLIZED = (SCENARIO_DIR / "stylized.toml").read_text(encoding="utf-8")
FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def world_with(seed: int = 3, **keys: dict) -> CommunistWorld:
    """A stylized world at its start year whose states get the given keys (``HEG={"federation_core": 0.5}``)."""
    data = tomllib.loads(STYLIZED)
    for state in data["states"]:
        state.update(keys.get(state["code"], {}))
    return CommunistWorld(Scenario(validate(data, "stylized (borders test)")), rng=seed)


def events_of(model: CommunistWorld, kind: EventKind, code: str | None = None):
    ev = model.table("events")
    ev = ev[ev.kind == kind]
    return ev if code is None else ev[ev.code == code]


def run_recording_populations(model: CommunistWorld) -> dict[tuple[int, str], float]:
    """Run the model to its end; every state's population at the end of every year."""
    seen = {(model.year, s.code): s.population for s in model.states}
    while model.running:
        model.step()
        seen.update({(model.year, s.code): s.population for s in model.states})
    return seen


def years(model: CommunistWorld, n: int) -> None:
    """Run only the borders step for ``n`` years (the rest of the world held as it is)."""
    for _ in range(n):
        model.year += 1
        model.drivers.apply_schedules(model, model.year)
        borders.step(model)


# -- break-up -----------------------------------------------------------------------------------------------------


@FAST
@given(core=st.floats(0.05, 0.95), rate=st.floats(0.05, 1.0), monopoly=st.floats(0.8, 1.0))
def test_a_federation_whose_party_keeps_its_monopoly_never_breaks_up(core, rate, monopoly):
    model = world_with(HEG={"federation_core": core})
    model.params.breakup_rate = rate
    heg = model.state_by_code["HEG"]
    heg.communist.monopoly = monopoly
    trend = [borders.trend_population(model, heg)]
    years(model, 60)
    assert heg.broke_up is None and heg.core_share == 1.0
    assert heg.population == pytest.approx(borders.trend_population(model, heg))
    assert len(events_of(model, EventKind.BREAKUP)) == 0
    assert trend[0] > 0


@FAST
@given(core=st.floats(0.05, 0.95), rate=st.floats(0.2, 1.0), lost_office=st.booleans())
def test_a_federation_whose_party_lost_its_monopoly_breaks_up_once_to_its_core_share(core, rate, lost_office):
    model = world_with(HEG={"federation_core": core})
    model.params.breakup_rate = rate
    heg = model.state_by_code["HEG"]
    if lost_office:
        heg.communist.role = Role.OPPOSITION
    else:
        heg.communist.monopoly = model.thresholds.monopoly - 0.01
    years(model, 50)  # P(no break-up in 50 years) <= 0.8**50: about 1e-5
    assert heg.broke_up is not None
    assert heg.core_share == pytest.approx(core)
    assert heg.population == pytest.approx(core * borders.trend_population(model, heg))
    (text,) = events_of(model, EventKind.BREAKUP, "HEG").text
    assert ("lost office" if lost_office else "lost its monopoly") in text


def test_a_state_that_is_no_federation_never_breaks_up():
    model = world_with()
    model.state_by_code["HEG"].communist.monopoly = 0.1
    model.params.breakup_rate = 1.0
    years(model, 10)
    assert model.state_by_code["HEG"].broke_up is None


def test_in_a_whole_run_a_federation_breaks_up_only_after_its_party_lost_the_monopoly_or_office():
    broken = 0
    for seed in range(1, 6):
        model = world_with(seed, HEG={"federation_core": 0.5}, BLC={"federation_core": 0.6})
        population = run_recording_populations(model)
        states = model.table("states").set_index(["year", "code"])
        for code in ("HEG", "BLC"):
            state = model.state_by_code[code]
            assert len(events_of(model, EventKind.BREAKUP, code)) == (state.broke_up is not None)
            if state.broke_up is None:
                continue
            broken += 1
            before = states.loc[(state.broke_up - 1, code)]
            assert not before.in_office or before.monopoly < model.thresholds.monopoly
            trend = population[(state.broke_up - 1, code)]
            assert population[(state.broke_up, code)] == pytest.approx(state.core_share * trend, rel=0.05)
    assert broken >= 5, "the hegemon and the bloc state lose their monopoly in most stylized runs"


# -- unification --------------------------------------------------------------------------------------------------


def leave_communism(model: CommunistWorld, code: str) -> None:
    model.state_by_code[code].communist.role = Role.OPPOSITION
    classify_states(model, record_events=False)


def test_a_communist_state_does_not_unify():
    model = world_with(BLA={"unify_with": "DMA"})
    model.params.unification_rate = 1.0
    years(model, 20)
    assert model.state_by_code["BLA"].exists


def test_unification_adds_the_population_to_the_neighbour_and_ends_the_state():
    model = world_with(BLA={"unify_with": "DMA"})
    model.params.unification_rate = 1.0
    bla, dma = model.state_by_code["BLA"], model.state_by_code["DMA"]
    bla.regime_start = model.year  # it was Communist-ruled ...
    leave_communism(model, "BLA")  # ... and is no longer
    non_communist = model.status_count(Status.NON_COMMUNIST)
    years(model, 1)
    assert not bla.exists and bla.merged_into == "DMA" and bla.merged_year == model.year
    assert bla.population == 0.0
    assert dma.population == pytest.approx(borders.trend_population(model, dma) + borders.trend_population(model, bla))
    assert model.status_count(Status.NON_COMMUNIST) == non_communist - 1  # it leaves the counts of states
    assert bla.communist.role == Role.DISSOLVED and not bla.free_elections
    (text,) = events_of(model, EventKind.UNIFICATION, "BLA").text
    assert "unifies with Democracy A" in text
    model.run(until=model.year + 5)  # the rest of the world goes on; the ended state stays ended and silent
    assert not bla.exists and bla.status == Status.NON_COMMUNIST
    later = model.table("events")
    assert later[(later.code == "BLA") & (later.year > bla.merged_year)].empty
    assert len(events_of(model, EventKind.UNIFICATION)) == 1
    assert bla.population == 0.0
    assert "merged into Democracy A" in viz.state_summary(model, "BLA")["status"]
    counts = viz.category_counts(model)
    assert sum(counts[c][-1] for c in viz.CATEGORIES) == len(model.states) - 1  # the dashboard counts it no more


def test_in_a_whole_run_a_state_unifies_only_after_leaving_communism_and_once():
    merged = 0
    for seed in range(1, 6):
        model = world_with(seed, BLA={"unify_with": "DMA"})
        population = run_recording_populations(model)
        bla, dma = model.state_by_code["BLA"], model.state_by_code["DMA"]
        assert len(events_of(model, EventKind.UNIFICATION)) == (not bla.exists)
        if bla.exists:
            continue
        merged += 1
        states = model.table("states").set_index(["year", "code"])
        assert states.loc[(bla.merged_year - 1, "BLA")].status == "non_communist"
        assert population[(bla.merged_year, "BLA")] == 0.0
        assert population[(bla.merged_year, "DMA")] == pytest.approx(
            population[(bla.merged_year - 1, "DMA")] + population[(bla.merged_year - 1, "BLA")], rel=0.05
        )
        assert dma.exists
    assert merged >= 4, "the bloc state leaves communism by 1991 in most stylized runs and then unifies"


# -- emigration through opened borders ------------------------------------------------------------------------------


@FAST
@given(scheduled=st.floats(0.0, 0.2), level=st.floats(0.0, 0.2), opened=st.booleans())
def test_emigration_is_the_schedule_or_the_opened_border_level_whichever_is_higher(scheduled, level, opened):
    value = borders.emigration_level(scheduled, opened, level)
    assert value >= scheduled
    assert value == (max(scheduled, level) if opened else scheduled)


def test_emigration_opens_only_after_the_neighbour_opens_its_border():
    model = world_with(BLA={"exit_through": ["BLB"]})
    bla, blb = model.state_by_code["BLA"], model.state_by_code["BLB"]
    model.run(until=1960)
    assert bla.emigration == 0.0 and bla.open_exits == ()
    assert events_of(model, EventKind.BORDER).empty
    blb.communist.monopoly = model.thresholds.monopoly - 0.1  # the neighbour's regime gives up its monopoly
    years(model, 1)
    assert bla.open_exits == ("BLB",)
    assert bla.emigration == pytest.approx(model.params.border_emigration)
    (text,) = events_of(model, EventKind.BORDER, "BLA").text
    assert "the border of Bloc B opens" in text and "lost its monopoly" in text


def test_a_reformer_opens_the_border_once_centralism_falls_below_the_threshold():
    model = world_with(BLA={"exit_through": ["BLC"]}).run(until=1960)
    blc = model.state_by_code["BLC"]
    party = blc.communist
    from sim.mechanisms.leadership import install_leader
    from sim.vocab import LeaderKind

    install_leader(party, LeaderKind.REFORMER, model.year)
    party.centralism = model.params.border_centralism + 0.05
    assert borders.border_open(blc, model.params.border_centralism) is None
    party.centralism = model.params.border_centralism - 0.05
    assert "reformer" in borders.border_open(blc, model.params.border_centralism)


def test_in_a_whole_run_the_border_opens_only_after_the_neighbour_left_its_orthodoxy():
    opened = 0
    for seed in (1, 2, 3):
        model = world_with(seed, BLA={"exit_through": ["BLB"]}).run()
        states = model.table("states").set_index(["year", "code"])
        border = events_of(model, EventKind.BORDER, "BLA")
        for year in border[border.text.str.contains("opens")].year:
            opened += 1
            before = states.loc[(year - 1, "BLB")]
            assert (
                before.status != "communist"
                or before.monopoly < model.thresholds.monopoly
                or before.centralism < (model.params.border_centralism)
            )
    assert opened, "the neighbour's border opens in some stylized run"


# -- determinism, schema, the causal rule ---------------------------------------------------------------------------


def test_the_endings_are_the_same_for_the_same_seed():
    keys = {"HEG": {"federation_core": 0.5}, "BLA": {"unify_with": "DMA", "exit_through": ["BLB"]}}

    def endings(seed):
        model = world_with(seed, **keys).run()
        ev = model.table("events")
        kinds = (EventKind.BREAKUP, EventKind.UNIFICATION, EventKind.BORDER)
        return list(ev[ev.kind.isin(kinds)].text)

    first = endings(4)
    assert first, "the hegemon's break-up, the bloc state's unification and its opened border happen"
    assert endings(4) == first


@pytest.mark.parametrize(
    ("key", "value", "where", "expected"),
    [
        ("unify_with", '"ZZZ"', "states[1].unify_with", "unknown state code 'ZZZ'"),
        ("unify_with", '"BLA"', "states[1].unify_with", "cannot unify with itself"),
        ("exit_through", '["BLB", "QQ"]', "states[1].exit_through[1]", "unknown state code 'QQ'"),
        ("federation_core", "1.5", "states[1].federation_core", "less than 1"),
    ],
)
def test_bad_border_keys_name_file_key_and_expectation(tmp_path, key, value, where, expected):
    text = STYLIZED.replace('code = "BLA"', f'code = "BLA"\n{key} = {value}', 1)
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and where in message and expected in message


def test_the_historical_scenario_dates_no_break_up_unification_or_opened_border_emigration():
    spec = load("historical").spec
    assert spec.state("SUN").federation_core == pytest.approx(0.51)
    assert spec.state("DDR").unify_with == "DEU" and spec.state("DDR").exit_through == ["HUN", "CSK"]
    outcomes = [d.label for d in dated_inputs(spec) if d.verdict is Verdict.OUTCOME and "population" in d.label]
    assert outcomes == ["1976 population VNM = 49 million"]  # the North's conquest, a war (commented in the file)
    ddr = next(s for s in spec.drivers.schedules if s.variable == "emigration" and s.states == ["DDR"])
    assert [y for y, _ in ddr.points] == [1949, 1961]
    # the 1989 wave put back as a dated input is an outcome: the model opens Hungary's border itself
    data = spec.model_dump(mode="python")
    for schedule in data["drivers"]["schedules"]:
        if schedule["variable"] == "emigration" and schedule["states"] == ["DDR"]:
            schedule["points"] = [*schedule["points"], (1989, 0.05), (1990, 0.0)]
    verdicts = {d.label: d.verdict for d in dated_inputs(validate(data))}
    assert verdicts["1989 emigration DDR = 0.05"] is Verdict.OUTCOME
    assert verdicts["1949 emigration DDR = 0.03"] is Verdict.DEPENDS
