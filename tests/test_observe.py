"""The observation registry: every column, series and sweep outcome is one entry, used everywhere it is needed."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from sim import CommunistWorld, observe, outcomes
from sim.output import write_parquet
from sim.runner import model_frames
from sim.scenario import load
from sim.sweep import SERIES, SweepError, outcomes_of, spec_from_dict

STYLIZED_SEED3_SHA256 = {
    "elections": "217afb955532eccaac4738a03dc2cbf67852d01ad84179f5f1e26c04b5091011",
    "events": "a2d15470455eb9fd848cf45930df382e379fa630970b76f0ed51f41134148669",
    "model": "1fd677a57a95fa6f1601f150e526374e17172b1e805019fbe5a40ffea1d2bc5c",
    "parties": "07646b7adfc9d7ba48ee9eae86a784f1086f5d51259ab932f9d1dd00975bbca1",
    "states": "0f061d6c797a08601e06632958e1997ac5e8cc79d94aab4f56fa6a860421b63f",
}
"""Parquet bytes of ``sim run stylized --seed 3`` as recorded on main before the registry: they must not move. The
``model`` table was re-recorded when it gained the ``credibility`` series; without that column its bytes are those
recorded before."""


@pytest.fixture(scope="module")
def run() -> CommunistWorld:
    return CommunistWorld("stylized", rng=3).run()


def test_seeded_parquet_bytes_are_those_recorded_before_the_registry(run, tmp_path):
    for name, frame in model_frames(run, 3, 0).items():
        write_parquet(frame, tmp_path / f"{name}.parquet")
        assert hashlib.sha256((tmp_path / f"{name}.parquet").read_bytes()).hexdigest() == STYLIZED_SEED3_SHA256[name]


def test_the_tables_columns_are_the_reporters_in_order(run):
    assert list(run.table("states").columns) == list(observe.STATE_COLUMNS)
    assert list(run.table("parties").columns) == list(observe.PARTY_COLUMNS)
    assert list(run.datacollector.get_model_vars_dataframe().columns) == list(observe.MODEL_COLUMNS)
    assert list(run.table("elections").columns) == list(observe.ELECTION_COLUMNS)


@pytest.mark.parametrize("reporters", [observe.STATE_REPORTERS, observe.PARTY_REPORTERS, observe.MODEL_REPORTERS])
def test_every_reporter_has_a_unique_name_a_help_and_a_kind(reporters):
    names = [r.name for r in reporters]
    assert len(names) == len(set(names))
    for r in reporters:
        assert r.help and r.kind in ("year", "code", "label", "flag", "share", "count", "number"), r
        read = getattr(r.read, "func", r.read)  # an attribute path, a function or a partial of one
        assert isinstance(read, str) or (callable(read) and read.__name__ != "<lambda>"), r


def test_the_sweep_and_whatif_series_are_numeric_model_reporters():
    kinds = {r.name: r.kind for r in observe.MODEL_REPORTERS}
    assert SERIES == observe.SWEEP_SERIES
    assert set(observe.SWEEP_SERIES) == {n for n, k in kinds.items() if k in ("share", "count", "number")}
    assert set(observe.WHATIF_SERIES) <= set(observe.SWEEP_SERIES)
    assert {"communist", "hybrid", "non_communist", "members", "hegemony", "credibility"} == set(observe.WHATIF_SERIES)


def test_a_new_column_is_one_registry_entry(monkeypatch):
    population = observe.Reporter("population", "population", "people (millions)", "number")
    monkeypatch.setattr(observe, "STATE_REPORTERS", (*observe.STATE_REPORTERS, population))
    model = CommunistWorld("stylized", rng=1).run(1947)
    states = model.table("states")
    assert list(states.columns)[-1] == "population"
    assert (states.population > 0).all()


def test_outcomes_are_computed_from_the_tables(run):
    scalars = ["communist:1990", "ruled:1990", "members:1990", "exit_year:BLA", "peak_dissent:BLA", "splits"]
    values, series = outcomes_of(run, scalars, ["communist", "hegemony"])
    states, events = run.table("states"), run.table("events")
    in_1990 = states[states.year == 1990].status
    assert values["communist:1990"] == (in_1990 == "communist").sum()
    assert values["ruled:1990"] == in_1990.isin(["communist", "hybrid"]).sum()
    model = run.datacollector.get_model_vars_dataframe()
    assert values["members:1990"] == float(model[model.year == 1990].members.iloc[0])
    bla = states[states.code == "BLA"].set_index("year").status
    left = bla[(bla == "non_communist") & (bla == "communist").cummax()]
    assert len(left), "BLA falls in the stylized world"
    assert values["exit_year:BLA"] == left.index[0]
    assert values["peak_dissent:BLA"] == states[states.code == "BLA"].public_dissent.max()
    assert values["splits"] == events.kind.isin(["split", "expulsion"]).sum()
    assert list(series.columns) == ["year", "communist", "hegemony"] and len(series) == len(model)


def spec(scalars: list[str]) -> dict:
    return {
        "sweep": {"name": "t", "scenario": "stylized", "design": "lhs", "samples": 2},
        "parameters": {"belief_erosion": {"range": [0.1, 0.5]}},
        "outcomes": {"scalars": scalars},
    }


def test_outcome_validation_expands_stars_and_names_the_problem():
    sweep = spec_from_dict(spec(["exit_year:*", "peak_dissent", "communist:1990"]))
    entered = [s.code for s in load("stylized").spec.states if s.entry_year is not None]
    assert sweep.scalars == (*(f"exit_year:{c}" for c in entered), "peak_dissent", "communist:1990")
    for bad, message in [
        ("communist:1900", "expected communist:YEAR with a year in 1945-2000"),
        ("exit_year:XXX", "the scenario has no state 'XXX'"),
        ("exit_year", "expected exit_year:CODE or exit_year:\\*"),
        ("splits:BLA", "splits takes no argument"),
        ("happiness:1990", "unknown outcome 'happiness:1990'; outcomes: communist:YEAR"),
    ]:
        with pytest.raises(SweepError, match=rf"<sweep>: outcomes.scalars\[0\]: .*{message}"):
            spec_from_dict(spec([bad]))


def test_the_outcome_help_lists_every_outcome_once():
    for outcome in outcomes.OUTCOMES.values():
        assert outcomes.OUTCOME_HELP.count(f"{outcome.usage} ({outcome.help})") == 1


def test_a_new_outcome_is_one_registry_entry(monkeypatch, run):
    coups = outcomes.Outcome("coups", "none", "coups", outcomes.partial(outcomes._events, ("coup",)))
    monkeypatch.setitem(outcomes.OUTCOMES, "coups", coups)
    assert spec_from_dict(spec(["coups"])).scalars == ("coups",)
    values, _ = outcomes_of(run, ["coups"], [])
    assert values["coups"] == (run.table("events").kind == "coup").sum()
    assert "coups (coups)" in outcomes.outcome_help()
    assert replace(coups, name="x").usage == "x"


def test_member_columns_gathered_at_once_equal_the_values_party_by_party():
    """The parties table's member aggregates are gathered for the whole party list at once (MemberSummary.column);
    they equal the party-by-party lookup, NaN for a party without member rows, also for another list of parties."""
    import math

    from sim.model import CommunistWorld
    from sim.observe import MemberSummary

    def same(a: list[float], b: list[float]) -> bool:
        return len(a) == len(b) and all(x == y or (math.isnan(x) and math.isnan(y)) for x, y in zip(a, b, strict=True))

    model = CommunistWorld("historical", rng=3, end_year=1950).run()
    summary = MemberSummary.of(model)
    for values in (summary.mean_belief, summary.top_reformers, summary.shares[:, 0]):
        single = [summary.value(values, p) for p in model.parties]
        assert any(math.isnan(v) for v in single) and not all(math.isnan(v) for v in single)
        assert same(summary.column(values, model.parties), single)
        reordered = list(reversed(model.parties))
        assert same(summary.column(values, reordered), [summary.value(values, p) for p in reordered])
