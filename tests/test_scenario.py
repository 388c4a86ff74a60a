"""Scenario files: the schema, clear errors for bad files, and nothing written for a bad file."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from sim.scenario import SCENARIO_DIR, ScenarioError, load

STYLIZED = (SCENARIO_DIR / "stylized.toml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "bad.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_scenarios_are_valid():
    for path in sorted(SCENARIO_DIR.glob("*.toml")):
        scenario = load(path)
        assert scenario.spec.scenario.end_year > scenario.spec.scenario.start_year


def test_stylized_world_has_the_promised_shape():
    spec = load("stylized").spec
    routes = [s.route_to_power for s in spec.states]
    assert routes.count("soviet_backed") == 6
    assert sum(s.route_to_power == "own_revolution" and s.bloc != "hegemon" for s in spec.states) == 2
    democracies = [s for s in spec.states if s.free_elections and s.route_to_power == "none"]
    assert len(democracies) == 2
    for state in democracies:
        families = {p.family for p in spec.parties if p.state == state.code}
        assert families == {"communist", "social_democratic"}
    assert (spec.scenario.start_year, spec.scenario.end_year) == (1945, 2000)
    assert len(spec.centres) == 1


def test_loading_by_name_and_by_path_agree():
    assert load("stylized").sha256 == load(SCENARIO_DIR / "stylized.toml").sha256


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        ('convention = "brown"', 'convention = "brown"\ncolour = "red"', "scenario.colour", "unknown key"),
        ("population = 180.0", 'population = "large"', "states[0].population", "number"),
        ("population = 180.0", "population = -5.0", "states[0].population", "greater than 0"),
        ('state = "BLA"\nfamily = "communist"', 'state = "XXX"\nfamily = "communist"', "parties[1].state",
         "unknown state code 'XXX'"),
        ("[parameters.features]\nmonopoly_threshold = 0.8", "[parameters.features]\nmonopoly_threshold = 1.7",
         "parameters.features.monopoly_threshold", "in [0.5, 1]"),
        ("[parameters.features]\nmonopoly_threshold = 0.8", "[parameters.features]\nbelief_erosion = 0.1",
         "parameters.features.belief_erosion", "belongs in [parameters.members]"),
        ("end_year = 2000", "end_year = 1940", "scenario", "end_year (1940) must be after start_year (1945)"),
        ('value = "reformer"\nnote = "a reform shock in a bloc state"', 'value = "liberal"',
         "drivers.events", "one of"),
        ('state = "BLC"\nvalue = "reformer"', 'state = "ZZZ"\nvalue = "reformer"', "drivers.events[6].state",
         "unknown state code 'ZZZ'"),
        ("points = [[1945, 0.9], [1986, 0.9], [1989, 0.1], [2000, 0.1]]", "points = [[1945, 0.9], [1940, 0.1]]",
         "drivers.schedules[0]", "strictly increasing"),
        ("points = [[1945, 0.9], [1986, 0.9], [1989, 0.1], [2000, 0.1]]", "points = [[1945, 1.9]]",
         "drivers.schedules[0].points", "less than or equal to 1"),
    ],
)  # fmt: skip
def test_bad_file_names_file_key_and_expectation(tmp_path, old, new, key, expected):
    assert old in STYLIZED
    path = write(tmp_path, STYLIZED.replace(old, new, 1))
    with pytest.raises(ScenarioError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message
    assert key in message
    assert expected in message


def test_malformed_toml_is_reported_with_its_position(tmp_path):
    path = write(tmp_path, STYLIZED.replace('name = "stylized"', 'name = "stylized'))
    with pytest.raises(ScenarioError, match=r"bad\.toml: malformed TOML: .*line \d+"):
        load(path)


def test_missing_file_and_unknown_name(tmp_path):
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load(tmp_path / "nothing.toml")
    with pytest.raises(ScenarioError, match="no such scenario file or name"):
        load("no-such-scenario")


def test_no_key_can_set_an_outcome():
    """A driver sets a cause, never an outcome: the schema has no status or feature key anywhere."""
    data = tomllib.loads(STYLIZED)
    for bad in ({"status": "communist"}, {"f1": True}, {"features": {"f6": True}}):
        state = dict(data["states"][1], **bad)
        spec = dict(data, states=[data["states"][0], state, *data["states"][2:]])
        from sim.scenario import validate

        with pytest.raises(ScenarioError, match="unknown key"):
            validate(spec, "in-memory")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("population = 180.0", "population = 'x'"),
        ('state = "BLA"\nfamily = "communist"', 'state = "NOPE"\nfamily = "communist"'),
        ('name = "stylized"', 'name = "stylized'),
    ],
)
def test_sim_run_with_a_bad_file_exits_nonzero_and_writes_nothing(tmp_path, old, new):
    path = write(tmp_path, STYLIZED.replace(old, new, 1))
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(path), "--out", str(out)], capture_output=True, text=True
    )
    assert proc.returncode == 2
    assert str(path) in proc.stderr and "error:" in proc.stderr
    assert not out.exists()


def test_bad_override_and_bad_until_are_errors(tmp_path):
    out = tmp_path / "results"
    for args, expected in (
        (["--set", "belief_erosion=9"], "belief_erosion"),
        (["--set", "nonsense=1"], "unknown key"),
        (["--until", "1900"], "--until 1900"),
    ):
        proc = subprocess.run(
            [sys.executable, "-m", "sim", "run", "stylized", "--out", str(out), *args], capture_output=True, text=True
        )
        assert proc.returncode == 2, args
        assert expected in proc.stderr
    assert not out.exists()


AID = """[[drivers.schedules]]
variable = "aid"
states = ["{state}"]
points = [[1950, 0.0], [1960, {value}], [1990, 0.0]]

"""


def with_aid(state: str = "RVB", value: str = "0.8") -> str:
    """The stylized file with an aid schedule as its first schedule."""
    return STYLIZED.replace("[[drivers.schedules]]", AID.format(state=state, value=value) + "[[drivers.schedules]]", 1)


def test_aid_is_a_per_state_driver_read_from_its_schedule(tmp_path):
    from sim import CommunistWorld
    from sim.drivers import Drivers
    from sim.schema import DRIVER_DEFAULTS, PER_STATE_DRIVERS
    from sim.vocab import DRIVER_VARIABLES

    assert "aid" in DRIVER_VARIABLES and "aid" in PER_STATE_DRIVERS and DRIVER_DEFAULTS["aid"] == 0.0
    path = write(tmp_path, with_aid(), "aid.toml")
    drivers = Drivers(load(path).spec)
    assert drivers.value("aid", 1955, "RVB") == pytest.approx(0.4)
    assert drivers.value("aid", 1960, "RVB") == pytest.approx(0.8)
    assert drivers.value("aid", 1960, "RVA") == 0.0  # no schedule: the default
    model = CommunistWorld(path, rng=1).run(until=1960)
    assert model.state_by_code["RVB"].aid == pytest.approx(0.8) and model.state_by_code["RVA"].aid == 0.0


@pytest.mark.parametrize(
    ("state", "value", "key", "expected"),
    [
        ("RVB", "1.3", "drivers.schedules[0].points", "less than or equal to 1"),
        ("RVB", "-0.1", "drivers.schedules[0].points", "greater than or equal to 0"),
        ("NOPE", "0.5", "drivers.schedules[0].states[0]", "unknown state code 'NOPE'"),
        ("HEG", "0.5", "drivers.schedules[0].states[0]", "cannot receive it"),  # the centre's host gives aid
    ],
)
def test_bad_aid_schedule_names_file_key_and_expectation(tmp_path, state, value, key, expected):
    path = write(tmp_path, with_aid(state, value))
    with pytest.raises(ScenarioError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and key in message and expected in message


def test_a_leader_event_may_give_the_leader_s_belief_and_no_other_event_may(tmp_path):
    leader = 'state = "BLC"\nvalue = "reformer"'
    institution = 'kind = "institution"'
    assert leader in STYLIZED and institution in STYLIZED
    spec = load(write(tmp_path, STYLIZED.replace(leader, leader + "\nbelief = 0.9", 1), "belief.toml")).spec
    assert [e.belief for e in spec.drivers.events if e.kind == "leader" and e.state == "BLC"] == [0.9]
    for text, expected in (
        (STYLIZED.replace(leader, leader + "\nbelief = 1.5", 1), "less than or equal to 1"),
        (STYLIZED.replace(institution, institution + "\nbelief = 0.9", 1), "belongs to a 'leader' event"),
    ):
        with pytest.raises(ScenarioError, match=r"drivers\.events\[\d+\]") as info:
            load(write(tmp_path, text))
        assert expected in str(info.value)
