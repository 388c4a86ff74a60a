"""What the dashboard shows (sim.viz) and how its settings become model overrides (sim/dashboard/app.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim import CommunistWorld, viz
from sim.scenario import load

ROOT = Path(__file__).resolve().parent.parent
HISTORICAL_HEGEMONY = [[1917, 0.3], [1919, 0.5], [1943, 0.5], [1945, 0.9], [1986, 0.9], [1989, 0.1], [2030, 0.1]]


def load_app():
    if "dashboard_app" in sys.modules:
        return sys.modules["dashboard_app"]
    spec = importlib.util.spec_from_file_location("dashboard_app", ROOT / "sim" / "dashboard" / "app.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["dashboard_app"] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model_1962():
    return CommunistWorld("historical", rng=1).run(1962)


def test_snapshot_is_json_and_consistent_with_the_model(model_1962):
    m = model_1962
    frame = viz.snapshot(m, "SUN")
    json.dumps([frame.map, frame.counts_chart, frame.features, frame.network, frame.indicators, frame.members])
    assert frame.year == 1962 and frame.selected == "SUN"
    assert sum(frame.counts.values()) == len(m.states)
    for state in m.states:
        cat = viz.category(m, state)
        assert cat == "not_entered" or cat == state.status.value
    # the map has one tile per state, coloured by its category
    tiles = frame.map["series"][0]["data"]
    assert len(tiles) == len(m.states)
    assert {t["value"][2] for t in tiles} <= {0, 1, 2, 3}
    assert sorted(t["label"]["formatter"] for t in tiles) == sorted(s.code for s in m.states)


def test_tile_positions_are_distinct():
    for name in ("historical", "stylized"):
        m = CommunistWorld(name, rng=1)
        positions = viz.layout(m)
        assert len(set(positions.values())) == len(m.states)


def test_counts_over_time_add_up_to_the_states(model_1962):
    counts = viz.category_counts(model_1962)
    assert counts["years"][0] == 1917 and counts["years"][-1] == 1962
    for i in range(len(counts["years"])):
        assert sum(counts[c][i] for c in viz.CATEGORIES) == len(model_1962.states)
    assert counts["not_entered"][0] > counts["not_entered"][-1]  # states enter over the century


def test_feature_rows_match_the_classification(model_1962):
    rows = viz.feature_rows(model_1962)
    for row in rows:
        state = model_1962.state_by_code[row["code"]]
        assert row["features"] == list(state.classification.features)
        assert row["status"] == state.status.value
        assert all(0.0 <= v <= 1.0 for v in row["values"])
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=["communist", "hybrid", "non_communist"].index)


def test_network_nodes_are_the_movement_graph(model_1962):
    option = viz.network_option(model_1962)
    nodes = {n["name"] for n in option["series"][0]["data"]}
    assert nodes == set(model_1962.movement.graph.nodes)
    links = option["series"][0]["links"]
    assert len(links) == model_1962.movement.graph.number_of_edges()


def test_drill_down_series_cover_every_collected_year(model_1962):
    s = viz.state_series(model_1962, "POL")
    assert s["years"] == list(range(1917, 1963))
    assert len(s["public_dissent"]) == len(s["private_opposition"]) == len(s["years"])
    members = sum(values[-1] for values in s["members"].values())
    assert members == pytest.approx(model_1962.state_by_code["POL"].communist.membership, rel=1e-6)


def test_events_are_newest_first(model_1962):
    events = viz.events(model_1962, limit=50)
    years = [e.year for e in events]
    assert years == sorted(years, reverse=True) and years[0] == 1962
    only = viz.events(model_1962, kinds=("status", "feature"))
    assert only and {e.kind for e in only} <= {"status", "feature"}


def test_reshape_hegemony_keeps_the_scenario_at_its_defaults():
    assert viz.reshape_hegemony(HISTORICAL_HEGEMONY, 0.9, 1989, 2030) == HISTORICAL_HEGEMONY
    assert viz.fall_year_of(HISTORICAL_HEGEMONY) == 1989
    later = viz.reshape_hegemony(HISTORICAL_HEGEMONY, 0.7, 2000, 2030)
    assert later == [[1917, 0.3], [1919, 0.5], [1943, 0.5], [1945, 0.7], [1997, 0.7], [2000, 0.1], [2030, 0.1]]


@settings(max_examples=60, deadline=None)
@given(level=st.floats(0.0, 1.0), fall=st.integers(1925, 2030))
def test_reshaped_schedules_are_valid(level, fall):
    points = viz.reshape_hegemony(HISTORICAL_HEGEMONY, level, fall, 2030)
    years = [y for y, _ in points]
    assert years == sorted(years) and len(set(years)) == len(years)
    assert all(0.0 <= v <= 1.0 for _, v in points)
    load("historical").with_overrides({"hegemony": [tuple(p) for p in points]})  # a valid driver schedule


def test_dashboard_settings_reproduce_the_scenario_and_override_only_changes():
    app = load_app()
    scenario = load("historical")
    defaults = app.defaults_for(scenario, "historical")
    assert app.overrides_for(defaults, scenario) == {}
    changed = app.overrides_for(app.Settings(**{**defaults.__dict__, "fall_year": 2000, "contagion": 0.1}), scenario)
    assert set(changed) == {"hegemony", "contagion"} and changed["contagion"] == 0.1
    session = app.Session()
    model = session.build(defaults)
    assert model.year == 1917 and session.step() and model.year == 1918
    with pytest.raises(Exception, match="no such scenario"):
        session.build(app.Settings(scenario="historical", path="/no/such/file.toml"))
