"""What the dashboard shows (sim.viz) and how its settings become model overrides (sim/dashboard/app.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import replace
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


def test_the_counts_chart_draws_hegemony_and_credibility_from_the_model_and_from_kept_years(model_1962):
    series = {s["name"]: s["data"] for s in viz.counts_option(model_1962)["series"]}
    years = model_1962.datacollector.model_vars["year"]
    for name in ("hegemony", "credibility"):
        assert [v for _, v in series[name]] == [round(float(x), 3) for x in model_1962.datacollector.model_vars[name]]
        assert len(series[name]) == len(years)
    kept = [viz.record(model_1962)]
    from_kept = {s["name"]: s["data"] for s in viz.counts_option(model_1962, kept)["series"]}
    assert from_kept["credibility"] == [["1962", round(float(model_1962.primary_centre.credibility), 3)]]


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
    changed = app.overrides_for(replace(defaults, fall_year=2000).with_parameter("contagion", 0.1), scenario)
    assert set(changed) == {"hegemony", "contagion"} and changed["contagion"] == 0.1
    added = app.overrides_for(defaults.with_parameter("glasnost_step", 0.09), scenario)
    assert added == {"glasnost_step": 0.09}  # any registry parameter can be put on the panel


@pytest.mark.parametrize("fall", [1917, 1925, 1940, 1945, 1946])
def test_a_fall_at_or_before_the_plateau_start_leaves_hegemony_low_from_then_on(fall):
    """On main, a fall year at or before the plateau start (1945) gave hegemony rising to 0.9 in 1945."""
    points = viz.reshape_hegemony(HISTORICAL_HEGEMONY, 0.9, fall, 2030)
    model = CommunistWorld("historical", rng=1, hegemony=[tuple(p) for p in points]).run(1960)
    hegemony = dict(
        zip(model.datacollector.model_vars["year"], model.datacollector.model_vars["hegemony"], strict=True)
    )
    assert all(h == pytest.approx(0.1) for y, h in hegemony.items() if y >= fall), points


def test_the_fall_year_slider_range_is_the_scenarios_years():
    app = load_app()
    for name in ("historical", "stylized"):
        info = load(name).spec.scenario
        defaults = app.defaults_for(load(name), name)
        assert info.start_year <= defaults.fall_year <= info.end_year


def test_events_are_in_words_and_every_kind_is_in_a_states_log(model_1962):
    texts = [e.text for e in viz.events(model_1962, limit=None)]
    assert not any("non_communist" in t or " -> " in t for t in texts)
    kinds = {e.kind for e in viz.events(model_1962, limit=None, kinds=tuple(viz.KIND_LABELS))}
    assert "admonition" in kinds and kinds <= set(viz.KIND_LABELS)
    assert {"ban", "election_called", "party_rule"} <= viz.MAIN_KINDS
    page1 = viz.events(model_1962, limit=5, code="SUN", kinds=tuple(viz.KIND_LABELS))
    page2 = viz.events(model_1962, limit=5, code="SUN", kinds=tuple(viz.KIND_LABELS), offset=5)
    assert len(page1) == 5 and page1[-1].year >= page2[0].year and page1 != page2
    since = viz.events(model_1962, limit=None, code="SUN", kinds=tuple(viz.KIND_LABELS), since=1950)
    assert since and all(e.year >= 1950 for e in since)
    assert viz.count_events(model_1962, "SUN", since=1950) == len(since)


def test_why_names_the_feature_its_threshold_and_the_cause():
    model = CommunistWorld("historical", rng=1).run(1992)
    sentences = viz.why(model, "POL")
    changes = model.table("events").query("code == 'POL' and kind == 'status'")
    assert len(sentences) == len(changes)
    fall = next(s for s in sentences if "communist to non-communist" in s)
    assert "F1 monopoly of power" in fall and "threshold 0.8" in fall and "Cause:" in fall
    assert "_" not in " ".join(sentences)
    year = int(changes[changes.text.str.contains("communist -> non_communist")].year.iloc[0])  # the model's year
    headlines = viz.status_headlines(model, until=year, limit=50)
    assert ("non_communist", f"{year} Poland: communist → non-communist (lost F1 monopoly of power)") in headlines
    assert all(int(text[:4]) <= year for _, text in headlines)


def test_the_session_keeps_every_year_and_steps_through_kept_years_first():
    from sim.dashboard.session import Session

    session = Session()
    session.build(load("historical"), 1, {})
    assert session.show(1930) == 1930 and session.base.latest == 1930
    session.show(1920)
    assert session.base.latest == 1930 and session.records()[0].year == 1920
    assert session.step() and session.shown == 1921 and session.base.latest == 1930
    fresh = CommunistWorld("historical", rng=1).run(1921)
    assert session.records()[0].categories == viz.record(fresh).categories


def test_a_variant_runs_in_lockstep_with_the_same_seed():
    from sim.dashboard.inputs import load_variant_scenario
    from sim.dashboard.session import Session

    base = load("historical")
    variant, title, changes = load_variant_scenario("tolerate_1968", base)
    assert title and any("1968" in c for c in changes)
    session = Session()
    session.build(base, 3, {}, variant)
    session.show(1960)
    b, v = session.records()
    assert b.year == v.year == 1960
    alone = CommunistWorld(variant, rng=3).run(1960)
    assert v.categories == viz.record(alone).categories  # the same seed: the variant as if run alone


def test_closing_a_page_releases_its_model():
    import gc
    import weakref

    import solara

    app = load_app()
    box, rc = solara.render(app.Page(), handle_error=False)
    sessions = [o for o in gc.get_objects() if type(o).__name__ == "Session" and getattr(o, "base", None)]
    assert sessions
    model = weakref.ref(sessions[-1].base.model)
    rc.close()
    del sessions, box, rc
    gc.collect()
    assert model() is None


def test_the_dashboard_server_takes_python_objects_from_the_c_allocator(monkeypatch):
    """pymalloc keeps an arena resident while any object in it lives, so a closed session's memory would not go
    back to the system (benchmarks/bench_dashboard.py measures it); glibc's trim returns free pages."""
    from sim import cli

    started = {}
    monkeypatch.delenv("PYTHONMALLOC", raising=False)
    monkeypatch.setattr("os.execve", lambda path, args, env: started.update(args=args, env=env))
    cli.dashboard(host="localhost", port=8765)
    assert "solara" in started["args"] and started["env"]["PYTHONMALLOC"] == "malloc"


def test_inputs_are_checked_with_messages_naming_the_field(tmp_path):
    from sim.dashboard.inputs import InputError, load_scenario, parse_seed, parse_year
    from sim.scenario import ScenarioError

    for bad in ("-1", "abc", "1.5", "", "4294967296"):
        with pytest.raises(InputError, match="Seed"):
            parse_seed(bad)
    assert parse_seed(" 42 ") == 42
    with pytest.raises(InputError, match="outside the run"):
        parse_year("1800", 1917, 2030, "Stop at year")
    assert parse_year("", 1917, 2030) is None
    (tmp_path / "bad.toml").write_bytes(b"\xff\xfe")
    (tmp_path / "nottoml.toml").write_text("a = [", encoding="utf-8")
    for source, message in (
        (str(ROOT / "sim" / "scenarios"), "is a folder"),
        (str(tmp_path / "none.toml"), "no such scenario file"),
        (str(tmp_path / "bad.toml"), "not UTF-8"),
        (str(tmp_path / "nottoml.toml"), "malformed TOML"),
        (str(ROOT / "sim" / "scenarios" / "whatif" / "nep_kept.toml"), "a what-if variant"),
    ):
        with pytest.raises(ScenarioError, match=message):
            load_scenario(source)


def test_sim_validate_refuses_a_folder_with_exit_2():
    import subprocess

    folder = str(ROOT / "sim" / "scenarios")
    done = subprocess.run([sys.executable, "-m", "sim", "validate", folder], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 2 and "is a folder" in done.stderr and "Traceback" not in done.stderr


def test_status_and_camp_scales_are_distinct_and_not_entered_stands_apart():
    from sim import palette

    assert not set(palette.STATUS_COLOURS.values()) & set(palette.CAMP_COLOURS.values())

    def lightness(colour: str) -> float:
        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    assert lightness(palette.NOT_ENTERED) - lightness(palette.STATUS_COLOURS["non_communist"]) > 0.3
