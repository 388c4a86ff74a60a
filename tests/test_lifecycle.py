"""A model runs by calendar years, pickles, and resumes from a saved file exactly where it stopped."""

from __future__ import annotations

import pickle

import pandas as pd
import pytest

from sim import CommunistWorld

TABLES = ("model", "states", "parties", "events", "elections")


def tables(model: CommunistWorld) -> dict[str, pd.DataFrame]:
    frames = {name: model.table(name) for name in TABLES[1:]}
    frames["model"] = model.datacollector.get_model_vars_dataframe().reset_index(drop=True)
    return frames


def assert_same_tables(a: CommunistWorld, b: CommunistWorld) -> None:
    for name, frame in tables(a).items():
        pd.testing.assert_frame_equal(frame, tables(b)[name], obj=name)


def test_run_until_takes_a_calendar_year():
    model = CommunistWorld("historical", rng=3)
    model.run_until(1927)
    assert model.year == 1927
    assert model.time == 1927 - 1917 and model.steps == 10
    assert model.table("states").year.max() == 1927


def test_run_until_refuses_a_step_count_or_a_year_past_the_end():
    model = CommunistWorld("stylized", rng=1)
    with pytest.raises(ValueError, match=r"run_until\(10\): expected a calendar year in 1945-2000"):
        model.run_until(10)
    with pytest.raises(ValueError, match="1945-2000"):
        model.run_until(2001)
    with pytest.raises(TypeError, match="whole calendar year"):
        model.run_until(1950.5)
    assert model.year == 1945 and model.steps == 0  # nothing ran


def test_run_until_a_past_year_warns_and_does_nothing():
    model = CommunistWorld("stylized", rng=1)
    model.run_until(1950)
    with pytest.warns(RuntimeWarning, match="already in 1950"):
        model.run_until(1948)
    assert model.year == 1950


def test_run_for_counts_years_and_stops_at_the_end():
    model = CommunistWorld("stylized", rng=1)
    model.run_for(5)
    assert model.year == 1950
    with pytest.raises(ValueError, match="1945-2000"):
        model.run_for(51)
    with pytest.raises(ValueError, match="whole number of years"):
        model.run_for(-1)
    assert model.year == 1950


def test_a_model_pickles():
    model = CommunistWorld("stylized", rng=2)
    model.run_until(1950)
    copy = pickle.loads(pickle.dumps(model))
    assert copy.year == 1950 and copy is not model
    assert_same_tables(copy, model)


@pytest.mark.parametrize(("scenario", "stop"), [("stylized", 1968), ("historical", 1960)])
def test_a_saved_run_resumed_equals_the_uninterrupted_run(tmp_path, scenario, stop):
    whole = CommunistWorld(scenario, rng=5)
    whole.run_until(whole.end_year)
    first = CommunistWorld(scenario, rng=5)
    first.run_until(stop)
    path = first.save(tmp_path / "world.pkl")
    del first
    resumed = CommunistWorld.load(path)
    assert resumed.year == stop
    resumed.run_until(resumed.end_year)
    assert resumed.year == whole.year
    assert_same_tables(resumed, whole)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_load_refuses_a_file_that_is_not_a_saved_model(tmp_path):
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"not": "a model"}))
    with pytest.raises(ValueError, match="not a saved model"):
        CommunistWorld.load(other)
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"this is not a pickle")
    with pytest.raises(ValueError, match="not a saved model"):
        CommunistWorld.load(junk)
