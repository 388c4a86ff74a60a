"""The rule for dated inputs (sim/causal_rule.py) and the causal audit (sim/audit.py, `sim audit`)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import audit as au
from sim import causal_rule as rule
from sim.drivers import Schedule
from sim.scenario import SCENARIO_DIR, ScenarioError, load, validate
from sim.schema import EventSpec
from sim.vocab import DRIVER_VARIABLES, INSTITUTIONS

BLOC = ("BLA", "BLB", "BLC", "BLD", "BLE", "BLF")


def sim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, check=False)


def stylized_data() -> dict:
    return tomllib.loads((SCENARIO_DIR / "stylized.toml").read_text(encoding="utf-8"))


def by_label(inputs, text: str):
    return next(d for d in inputs if text in d.label)


# -- the rule ------------------------------------------------------------------------------------------------------


def test_every_dated_input_kind_of_the_schema_is_classified_once():
    names = [row.name for row in rule.RULE]
    assert len(names) == len(set(names))
    for kind in EventSpec.model_fields["kind"].annotation.__args__:
        values = INSTITUTIONS if kind == "institution" else [None]
        for value in values:
            assert rule.rule_for("event", kind, value).reason
    for variable in DRIVER_VARIABLES:
        assert rule.rule_for("schedule", variable).verdict in set(rule.Verdict)
    for row in rule.RULE:
        assert row.decider is None or row.decider in rule.DECIDERS
        assert row.decider is None or row.verdict is rule.Verdict.DEPENDS


def test_the_rule_calls_the_historical_scenarios_dated_outcomes_outcomes():
    inputs = rule.dated_inputs(load("historical").spec)
    verdict = {d.label.split(":")[0]: d.verdict.value for d in inputs}
    assert verdict["1985 leader SUN reformer"] == "cause"
    assert verdict["1944 occupation POL,HUN,DDR,CSK,BGR,ROU 0.8"] == "cause"
    assert verdict["1973 coup CHL"] == "cause"
    assert verdict["1956 institution cominform_dissolved"] == "outcome"
    assert verdict["1945 reach = 0.9"] == "cause"  # the Red Army in Europe: the means, not the will to use them
    assert verdict["1980 war SUN = 0.5"] == "cause"  # Afghanistan
    assert verdict["1981 war NIC = 0.6"] == "cause"  # the Contras, backed by the United States
    assert verdict["1919 institution comintern_founded"] == "cause"
    # an election is an outcome only in a state its Communists rule (none is dated in one now), not Hungary 1945
    assert not any(label.startswith(("1990 election NIC", "1993 election KHM")) for label in verdict)
    assert verdict["1945 election HUN"] == "cause"
    assert verdict["1989 election CHL"] == "cause"
    assert verdict["1956 ban DEU"] == "cause"
    assert not any(" hegemony = " in label or " tolerance = " in label for label in verdict)  # decided, not dated
    # aid cut-offs are the centre's outcomes, its start a cause; population jumps encode break-ups
    assert verdict["1958 aid PRK = 0.2"] == "outcome"
    assert not any(label.startswith("1990 aid CUB") for label in verdict)  # the centre decides what it pays
    assert verdict["1960 aid CUB = 0.3"] == "cause"
    assert verdict["1976 population VNM = 49 million"] == "outcome"  # the North's conquest of the South
    assert verdict["2030 population SUN = 297 million"] == "cause"  # the break-up is a mechanism (borders)
    assert verdict["2030 population DEU = 66 million"] == "cause"  # so is unification
    assert verdict["1989 population SUN = 287 million"] == "cause"
    assert verdict["1989 withdrawal AFG 0.2"] == "depends"


def test_rule_only_lists_the_dated_outcomes_with_file_key_and_reason():
    proc = sim("audit", "historical", "--rule-only")
    assert proc.returncode == 1, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if "1956 institution cominform_dissolved" in x)
    assert "historical.toml: drivers.events[" in line and "a dissolution of the centre" in line
    assert "states[12].population_points[3]" in proc.stdout  # VNM 1976
    assert "historian's judgement" in proc.stdout


def test_a_laboratory_may_schedule_hegemony_but_other_worlds_may_not():
    lab = load("stylized").spec
    assert lab.scenario.laboratory
    hegemony = [d for d in rule.dated_inputs(lab) if d.kind == "schedule:hegemony"]
    assert hegemony and all(d.verdict is rule.Verdict.CAUSE and "lever" in d.reason for d in hegemony)
    data = stylized_data()
    data["scenario"]["laboratory"] = False
    plain = [d for d in rule.dated_inputs(validate(data)) if "hegemony" in d.kind]
    assert all(d.verdict is rule.Verdict.OUTCOME for d in plain)


def test_strict_scenario_refuses_dated_outcomes_naming_file_key_and_reason(tmp_path):
    text = (SCENARIO_DIR / "stylized.toml").read_text(encoding="utf-8")
    path = tmp_path / "strict.toml"
    path.write_text(text.replace('convention = "brown"\n', 'convention = "brown"\ncausal_rule = "strict"\n', 1))
    with pytest.raises(ScenarioError) as err:
        load(path)
    message = str(err.value)
    assert f"{path}: drivers.events[5]:" in message and "cominform_dissolved" in message and "outcome" in message
    proc = sim("validate", str(path))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "drivers.events[5]" in proc.stderr
    proc = sim("run", str(path), "--until", "1950", "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and not (tmp_path / "out").exists()


def test_strict_scenario_of_causes_only_loads(tmp_path):
    data = stylized_data()
    data["scenario"]["causal_rule"] = "strict"
    data["drivers"]["events"] = [e for e in data["drivers"]["events"] if e.get("value") != "cominform_dissolved"]
    assert validate(data, "strict").scenario.causal_rule == "strict"
    data["scenario"]["laboratory"] = False  # now the hegemony schedule and the doctrines are outcomes too
    with pytest.raises(ScenarioError, match=r"drivers\.schedules\[0\]\.points\[0\]: .*hegemony"):
        validate(data, "strict")


def test_the_odd_shows_the_rule_table_generated_from_the_rule():
    text = (Path(__file__).resolve().parent.parent / "docs" / "ODD.md").read_text(encoding="utf-8")
    assert rule.rule_markdown() in text


# -- holding, freezing, reading outcomes -----------------------------------------------------------------------------


@pytest.mark.parametrize("interpolation", ["linear", "step"])
def test_a_held_schedule_is_unchanged_up_to_the_hold_year_and_flat_after(interpolation):
    points = [(1945, 0.9), (1986, 0.9), (1989, 0.1), (2000, 0.3)]
    held = Schedule(rule.hold_schedule(points, interpolation, 1988), interpolation)
    original = Schedule(points, interpolation)
    assert all(held(y) == pytest.approx(original(y)) for y in range(1940, 1989))
    assert all(held(y) == pytest.approx(original(1988)) for y in range(1988, 2010))


def test_freeze_keeps_leader_successions_and_holds_every_schedule():
    frozen, removed = au.freeze(load("historical"), 1985)
    events = frozen.spec.drivers.events
    assert all(e.year <= 1985 or e.kind == "leader" for e in events)
    assert removed == sum(1 for e in load("historical").spec.drivers.events if e.year > 1985 and e.kind != "leader")
    assert any(e.year > 1985 and e.kind == "leader" for e in events)  # Kim Jong-il 1994 etc.
    sun = frozen.spec.state("SUN")
    assert Schedule(list(sun.population_points))(2000) == pytest.approx(Schedule(list(sun.population_points))(1985))
    war = next(s for s in frozen.spec.drivers.schedules if s.variable == "war" and s.states == ["SUN"])
    assert Schedule(list(war.points))(1990) == pytest.approx(0.5)  # the Afghan war held at its 1985 burden


def test_exit_year_is_the_first_non_communist_year_after_having_been_communist():
    statuses = {
        "AAA": ["non_communist", "communist", "hybrid", "non_communist", "non_communist"],
        "BBB": ["non_communist"] * 5,  # never communist: no exit
        "CCC": ["communist"] * 5,
    }
    states = pd.DataFrame(
        [{"seed": 1, "code": c, "year": 1980 + i, "status": s} for c, ss in statuses.items() for i, s in enumerate(ss)]
    )
    events = pd.DataFrame([{"seed": 1, "code": "CCC", "year": 1982, "kind": "split"}])
    out = au.run_outcomes(states, events, list(statuses), [1]).set_index(["code", "outcome"])
    assert out.loc[("AAA", "exit_year"), "year"] == 1983
    assert out.loc[("AAA", "communist_year"), "year"] == 1981
    assert np.isinf(out.loc[("BBB", "exit_year"), "year"]) and out.loc[("BBB", "exit_year"), "value"] == "never"
    assert out.loc[("CCC", "split_year"), "value"] == "1982"
    assert out.loc[("CCC", "status_1984"), "value"] == "communist"


def test_points_mode_drops_each_point_after_the_hold_year():
    inputs = au.audit_inputs(load("stylized"), "points", hold_from=1985)
    hegemony = [i for i in inputs if i.kind == "schedule:hegemony"]
    assert [i.year for i in hegemony] == [1986, 1989, 2000]
    without = hegemony[1].applied(load("stylized"))
    assert [y for y, _ in without.spec.drivers.schedules[0].points] == [1945, 1986, 2000]


def test_selection_by_kind_and_pattern_and_its_errors():
    sc = load("stylized")
    inputs = au.audit_inputs(sc)
    assert {i.kind for i in au.select_inputs(inputs, sc, only=["leader"])} == {"leader"}
    assert [i.year for i in au.select_inputs(inputs, sc, patterns=["*leader HEG*"])] == [1945, 1953, 1985]
    assert [i.id for i in au.select_inputs(inputs, sc, only=["outcome"])] == ["drivers.events[5]"]
    with pytest.raises(ScenarioError, match="--only 'famine': unknown kind"):
        au.select_inputs(inputs, sc, only=["famine"])
    with pytest.raises(ScenarioError, match="matches no dated input"):
        au.select_inputs(inputs, sc, patterns=["no such input"])


# -- the audit end to end --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_audit():
    """Stylized world to 1992, 2 seeds: the hegemony schedule, the centre's 1985 reformer, and a renaming that no
    mechanism reads (added for the test)."""
    base = load("stylized")
    sc = base.with_events([{"year": 1960, "kind": "rename", "party": "BLA-CP", "value": "Unity Party of Bloc A"}])
    inputs = au.select_inputs(au.audit_inputs(sc, until=1992), sc, patterns=["*hegemony*", "1985 leader*", "*rename*"])
    result = au.run_audit(sc, [1, 2], inputs, until=1992, workers=1, progress=False,
                          settings={"hold_from": 1945, "schedules": "hold", "selection": "test"})  # fmt: skip
    return result


def test_holding_hegemony_decides_the_bloc_exits_in_the_laboratory(small_audit):
    moves = small_audit.moves
    held = moves[(moves.input == "drivers.schedules[0]") & (moves.outcome == "exit_year")]
    decided = set(held[held.decides_exit].state)
    assert len(decided & set(BLOC)) >= 4  # pattern 2: hegemony held at 0.9, (almost) nothing falls
    assert set(held[held.decides_exit].audited.str.startswith("never")) == {True}


def test_an_input_no_mechanism_reads_moves_nothing(small_audit):
    rename = small_audit.inputs[small_audit.inputs.label.str.contains("rename")]
    assert len(rename) == 1 and rename.outcomes_moved.iloc[0] == 0  # common random numbers: nothing else differs


def test_freeze_after_1985_keeps_the_laboratory_bloc_communist(small_audit):
    frozen = small_audit.freeze
    exits = frozen[(frozen.outcome == "exit_year") & frozen.followed]
    assert set(exits.code) == {"HEG", *BLOC}
    assert np.isinf(exits.year_frozen).all() and np.isfinite(exits.year_baseline).sum() >= 8


def test_report_and_files_are_written_at_once_into_a_fresh_folder(small_audit, tmp_path):
    first = au.write_audit(small_audit, tmp_path)
    second = au.write_audit(small_audit, tmp_path)
    assert first != second and first.parent == tmp_path / "audit" / small_audit.scenario.name
    files = {"inputs.parquet", "moves.parquet", "outcomes.parquet", "freeze.parquet", "moves.md", "report.md",
             "metadata.json"}  # fmt: skip
    assert files <= {p.name for p in first.iterdir()}
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]
    report = (first / "report.md").read_text(encoding="utf-8")
    assert "Bloc A's exit year" in report and "is decided by: hegemony held from 1945" in report
    assert "## The freeze experiment" in report and "Hegemon never leaves the communist status" in report
    assert au.latest_folder(small_audit.scenario.name, tmp_path) == second
    assert au.report_markdown(au.load_audit(first, allow_changed=True)) == report  # the folder holds it all
    table = au.moves_markdown(au.load_moves(first))
    assert table.splitlines()[0].startswith("| input | verdict |") and "drivers.schedules[0]" in table


def test_cli_audit_runs_end_to_end_and_rejects_bad_options(tmp_path):
    proc = sim("audit", "stylized", "--seeds", "1", "--until", "1975", "--only", "leader", "--inputs", "1968*",
               "--no-freeze", "--workers", "1", "--quiet", "--out", str(tmp_path))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    (folder,) = (tmp_path / "audit" / "stylized").iterdir()
    assert (folder / "report.md").exists() and "inputs that decide an exit" in proc.stdout
    bad = sim("audit", "stylized", "--hold-from", "1900", "--out", str(tmp_path / "bad"))
    assert bad.returncode == 2 and "--hold-from 1900" in bad.stderr and "Traceback" not in bad.stderr
    assert not (tmp_path / "bad").exists()


def test_an_interrupted_audit_writes_nothing(tmp_path):
    err = tmp_path / "stderr.txt"
    with err.open("w") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "sim", "audit", "stylized", "--seeds", "2", "--workers", "1",
                                 "--out", str(tmp_path / "out")], stdout=subprocess.DEVNULL, stderr=stderr)  # fmt: skip
        deadline = time.monotonic() + 120
        while "audit stylized" not in err.read_text() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=120) == 130
    assert "interrupted (SIGINT): nothing was written" in err.read_text()
    assert not (tmp_path / "out" / "audit").exists() or not any((tmp_path / "out" / "audit").rglob("*.md"))


def test_an_exit_that_vanishes_because_the_state_never_becomes_communist_is_not_an_exit_decided():
    rows = []
    for seed in (1, 2, 3):
        for world, statuses in (("base", ["communist", "non_communist"]), ("audit", ["non_communist"] * 2)):
            for year, status in zip((1988, 1989), statuses, strict=True):
                rows.append({"world": world, "seed": seed, "code": "AAA", "year": year, "status": status})
    frame = pd.DataFrame(rows)
    no_events = pd.DataFrame(columns=["seed", "code", "year", "kind"])
    base, audited = (au.run_outcomes(frame[frame.world == w], no_events, ["AAA"], [1, 2, 3]) for w in ("base", "audit"))
    moved = au.compare_outcomes(base, audited).set_index("outcome")
    assert moved.loc["exit_year", "never_communist"] == 3 and not moved.loc["exit_year", "decisive"]
    assert moved.loc["communist_year", "decisive"]
