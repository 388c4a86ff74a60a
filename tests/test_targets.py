"""Targets as data: the targets files, their validation, and the engine that evaluates them on any ensemble."""

from __future__ import annotations

import functools
import textwrap

import pytest

from sim import patterns as pat
from sim import targets as tg
from sim.scenario import ScenarioError, load, validate

ROW = """
[[target]]
id = "T1"
title = "the hegemon is communist or hybrid in 1990"
metric = "ruled_in"
args = {{ states = "HEG", year = 1990 }}
threshold = 0.9
fitted = false
{extra}
"""
BASE = ROW.format(extra="")


def write(tmp_path, rows: str, head: str = '[targets]\nscenario = "stylized"\n', name: str = "t.toml"):
    path = tmp_path / name
    path.write_text(head + textwrap.dedent(rows), encoding="utf-8")
    return path


@functools.cache
def stylized_runs(seeds: tuple[int, ...] = (0, 1)) -> list:
    from sim.ensemble import run_ensemble

    return run_ensemble(load("stylized"), list(seeds), workers=1, progress=False).runs


def test_both_targets_files_load_with_their_worlds():
    assert tg.available() == ["historical", "stylized"]
    historical = tg.load_targets("historical")
    assert len(historical.rows) == 37 and historical.scenario.name == "historical"
    assert historical.spec.ensembles["counterfactual"].variant == "brezhnev_doctrine_holds"
    assert historical.until("counterfactual") == 1992 and historical.until(tg.BASELINE) is None
    stylized = tg.load_targets("stylized")
    assert set(stylized.ensembles) >= {"hegemony_held", "low_hegemony_from_1967"}


def test_state_groups_are_tags_of_the_scenario():
    ctx = tg.Context(load("historical"))
    assert set(ctx.codes("european_bloc")) == {"POL", "HUN", "DDR", "CSK", "BGR", "ROU"}
    assert set(ctx.codes("autonomous")) == {"CHN", "VNM", "CUB", "PRK", "LAO"}
    assert ctx.codes("SUN") == ("SUN",)
    assert ctx.codes(["SUN", "soviet_ally"]) == ("SUN", "VNM", "LAO", "CUB")  # tags in scenario order
    assert ctx.party_of("CHN") == "CHN-CP"
    assert len(ctx.codes("long_rule")) == 14
    stylized = tg.Context(load("stylized"))
    assert stylized.codes("bloc") == ("BLA", "BLB", "BLC", "BLD", "BLE", "BLF")


def test_a_tag_must_be_a_lowercase_name():
    data = load("stylized").spec.model_dump(mode="python")
    data["states"][0]["tags"] = ["European bloc"]
    with pytest.raises(ScenarioError, match=r"states\[0\]\.tags\[0\]"):
        validate(data, "bad.toml")


def test_a_new_check_is_one_row(tmp_path):
    targets = tg.load_targets(write(tmp_path, ROW.format(extra="")))
    runs = stylized_runs()
    (check,) = tg.evaluate(targets, {tg.BASELINE: runs})
    expected = sum("HEG" in pat.ruled_in(r["states"], 1990) for r in runs) / len(runs)
    assert check.id == "T1" and check.value == expected and check.requirement == "rate >= 0.9"
    assert check.passed == (expected >= 0.9)


def test_statistics_each_and_comparisons(tmp_path):
    rows = """
    [[target]]
    id = "falls"
    title = "falls per run, at least four"
    metric = "cascade_falls"
    args = { states = "bloc" }
    each = ">= 4"
    threshold = 0.5
    fitted = true

    [[target]]
    id = "founding"
    title = "founding shares in a band"
    metric = "founding_shares"
    each = "in [0.05, 0.25]"
    threshold = 0.5
    fitted = true

    [[target]]
    id = "below"
    title = "below the social democrats, weighted by elections"
    metric = "below_social_democrats"
    statistic = "weighted_rate"
    threshold = 0.8
    fitted = true

    [[target]]
    id = "shortage"
    title = "lowest classical shortage"
    metric = "kornai_coherence"
    args = { measure = "classical_min_shortage" }
    statistic = "min"
    comparison = "<"
    threshold = 0.1
    fitted = true
    """
    targets = tg.load_targets(write(tmp_path, rows))
    runs = stylized_runs()
    checks = {c.id: c for c in tg.evaluate(targets, {tg.BASELINE: runs})}
    counts = [pat.cascade(r["states"], ("BLA", "BLB", "BLC", "BLD", "BLE", "BLF")).count for r in runs]
    assert checks["falls"].value == sum(c >= 4 for c in counts) / len(counts)
    shares = [s for r in runs for s in pat.electoral_weakness(r["elections"]).founding_shares]
    assert checks["founding"].value == pytest.approx(sum(0.05 <= s <= 0.25 for s in shares) / len(shares))
    elections = [pat.electoral_weakness(r["elections"]) for r in runs]
    below = sum(e.below_social_democrats * e.n for e in elections) / sum(e.n for e in elections)
    assert checks["below"].value == pytest.approx(below)
    low = min(pat.kornai_coherence(r).classical_min_shortage for r in runs)
    assert checks["shortage"].value == low and not checks["shortage"].passed  # shortage stays high: < 0.1 fails
    assert checks["shortage"].requirement == "< 0.1"


def test_targets_on_an_ensemble_not_given_are_left_out(tmp_path):
    head = '[targets]\nscenario = "stylized"\n[ensembles.held]\noverrides = { hegemony = 0.9 }\n'
    targets = tg.load_targets(write(tmp_path, ROW.format(extra='ensemble = "held"'), head))
    assert tg.evaluate(targets, {tg.BASELINE: stylized_runs()}) == []
    assert targets.ensembles["held"].spec.drivers != targets.scenario.spec.drivers


def test_targets_are_selected_by_fit_and_by_year():
    targets = tg.load_targets("historical")
    assert {t.id for t in targets.select(before=1960)} == {"P4a", "J-SUN"}
    assert targets.rows[0].when == 1989  # its own year; P4a's comes from its arguments
    assert next(t for t in targets.rows if t.id == "P4a").when == 1956
    assert len(targets.select(fitted=True)) == 37


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (ROW.format(extra="colour = 'red'"), r"target\[0\]\.colour: unknown key"),
        (BASE.replace("ruled_in", "ruled_by"), r"target\[0\]: metric: unknown metric 'ruled_by' \(metrics: cascade_"),
        (BASE.replace("year = 1990", "when = 1990"), r"args\.when: ruled_in takes no such argument"),
        (BASE.replace(", year = 1990", ""), r"args\.year: ruled_in needs it"),
        (BASE.replace('"HEG"', '"western_bloc"'), r"target\[0\] \(T1\)\.args\.states: 'western_bloc' is neither a tag"),
        (ROW.format(extra='ensemble = "held"'), r"target\[0\] \(T1\)\.ensemble: no ensemble 'held'"),
        (BASE + BASE, r"the id 'T1' is used twice"),
        (ROW.format(extra='each = "about 4"'), r"expected a test such as '>= 4'"),
        (ROW.format(extra='each = ">= 4"\nstatistic = "mean"'), r"each: a per-observation test needs statistic"),
        (ROW.format(extra='comparison = "!="'), r"target\[0\]\.comparison"),
        (BASE.replace("threshold = 0.9\n", ""), r"target\[0\]\.threshold: Field required"),
        (
            BASE.replace('metric = "ruled_in"', 'metric = "generations"').replace("year = 1990", 'measure = "mood"'),
            r"args\.measure: expected one of cohort_belief_slope",
        ),
    ],
)
def test_a_bad_targets_file_is_refused_naming_the_file_and_the_key(tmp_path, rows, message):
    path = write(tmp_path, rows)
    with pytest.raises(tg.TargetsError, match=message) as info:
        tg.load_targets(path)
    assert str(path) in str(info.value)


def test_a_missing_or_malformed_targets_file_is_refused(tmp_path):
    with pytest.raises(tg.TargetsError, match=r"no such targets file .*historical, stylized"):
        tg.load_targets(tmp_path / "none.toml")
    with pytest.raises(tg.TargetsError, match="malformed TOML"):
        tg.load_targets(write(tmp_path, "[[target]\n"))
    with pytest.raises(tg.TargetsError, match=r"targets\.scenario: .*nowhere"):
        tg.load_targets(write(tmp_path, ROW.format(extra=""), '[targets]\nscenario = "nowhere"\n'))


def test_evaluating_on_a_scenario_without_the_named_tags_is_refused(tmp_path):
    targets = tg.load_targets("historical")
    with pytest.raises(tg.TargetsError, match=r"target P1\.args\.states: 'european_bloc' is neither a tag"):
        tg.evaluate(targets, {tg.BASELINE: stylized_runs()}, scenario=load("stylized"))


def test_metrics_that_skip_the_parties_table_need_nothing_of_it():
    """A calibration collects the ``parties`` table only for the metrics declared to read it (tables_for): every
    other metric of the historical targets gives the same value on runs whose ``parties`` table is empty."""
    from sim.history import TARGETS
    from tests.conftest import HISTORY_CI_SEEDS, historical_ensemble

    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    targets = tg.load_targets(TARGETS)
    rows = [r for r in targets.rows if r.ensembles == (tg.BASELINE,)]
    lean = [{**run, "parties": run["parties"].iloc[0:0]} for run in ens.runs]
    skipping = [r for r in rows if r.metric not in tg.PARTY_METRICS]
    assert skipping and len(skipping) < len(rows)
    full = {c.id: c.value for c in tg.evaluate(targets, {tg.BASELINE: ens.runs}, skipping)}
    without = {c.id: c.value for c in tg.evaluate(targets, {tg.BASELINE: lean}, skipping)}
    assert full.keys() == without.keys()
    for key, value in full.items():
        assert value == without[key] or (value != value and without[key] != without[key]), key
    assert tg.tables_for(skipping) == ("states",)
    assert tg.tables_for(rows) == ("states", "parties")
