"""Scenario discovery finds the parameter regions of a relation planted in a synthetic sweep (no model run needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim import discover as dc
from sim.errors import ScenarioError

pytest.importorskip("ema_workbench", reason="scenario discovery needs the `discover` extra (EMA Workbench)")

PLANTED = {  # two disjoint regions of interest; d plays no part
    "A": {"a": (0.6, 1.0), "b": (0.0, 0.4)},
    "B": {"a": (0.0, 0.3), "c": (0.7, 1.0)},
}


def planted_cases(n: int = 2000, seed: int = 2) -> tuple[pd.DataFrame, np.ndarray]:
    """Uniform cases and the planted condition. PRIM is greedy: on some samples (``seed=1`` here) its first peels
    cut into region B and the box stalls below the density; the sample is fixed, so the test is not flaky."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({name: rng.random(n) for name in "abcd"})
    y = np.zeros(n, dtype=bool)
    for region in PLANTED.values():
        inside = np.ones(n, dtype=bool)
        for name, (lo, hi) in region.items():
            inside &= (x[name] >= lo).to_numpy() & (x[name] <= hi).to_numpy()
        y |= inside
    return x, y


def matches(boxes: pd.DataFrame, box: int, region: dict[str, tuple[float, float]], tol: float = 0.05) -> bool:
    """Whether a box restricts the region's parameters to its ranges (within ``tol``) and no other parameter by more
    than ``tol`` at either end."""
    rows = boxes[boxes.box == box].set_index("parameter")
    for name in "abcd":
        lo, hi = region.get(name, (0.0, 1.0))
        found_lo, found_hi = (rows.loc[name, "min"], rows.loc[name, "max"]) if name in rows.index else (0.0, 1.0)
        if abs(found_lo - lo) > tol or abs(found_hi - hi) > tol:
            return False
    return True


@pytest.fixture(scope="module")
def found() -> dc.Discovery:
    x, y = planted_cases()
    return dc.discover_cases(x, y, "planted", seed=3)


def test_prim_finds_both_planted_regions_as_dense_boxes(found):
    assert len(found.prim_stats) == 2
    kept = {
        name
        for name, region in PLANTED.items()
        for box in found.prim_stats.box
        if matches(found.prim_boxes, box, region)
    }
    assert kept == {"A", "B"}
    assert (found.prim_stats.density >= 0.8).all()
    assert found.prim_stats.coverage.sum() >= 0.8  # the two boxes hold most cases of interest
    assert "d" not in set(found.prim_boxes.parameter[found.prim_boxes["max"] - found.prim_boxes["min"] < 0.9])


def test_cart_leaves_of_interest_are_the_planted_regions(found):
    pure = found.cart_stats[found.cart_stats.density >= 0.95]
    assert pure.coverage.sum() >= 0.8
    for box in pure.box:
        assert any(matches(found.cart_boxes, box, region, tol=0.06) or
                   _inside(found.cart_boxes, box, region) for region in PLANTED.values())  # fmt: skip


def _inside(boxes: pd.DataFrame, box: int, region: dict[str, tuple[float, float]]) -> bool:
    """A leaf may be a part of a region (the tree splits on the other variables too): its ranges lie inside it."""
    rows = boxes[boxes.box == box].set_index("parameter")
    return all(name in rows.index and rows.loc[name, "min"] >= lo - 0.01 and rows.loc[name, "max"] <= hi + 0.01
               for name, (lo, hi) in region.items())  # fmt: skip


def test_the_parameter_that_plays_no_part_scores_lowest(found):
    assert found.feature_scores.index[-1] == "d"
    assert found.feature_scores.sum() == pytest.approx(1.0)


def test_discovery_is_reproducible():
    x, y = planted_cases(600, seed=5)
    one, two = dc.discover_cases(x, y, seed=2), dc.discover_cases(x, y, seed=2)
    pd.testing.assert_frame_equal(one.prim_boxes, two.prim_boxes)
    pd.testing.assert_frame_equal(one.cart_boxes, two.cart_boxes)
    pd.testing.assert_series_equal(one.feature_scores, two.feature_scores)


def test_nothing_to_discover_is_a_clear_error():
    x, _ = planted_cases(200)
    with pytest.raises(ScenarioError, match="0 of 200 cases are of interest"):
        dc.discover_cases(x, np.zeros(200, dtype=bool), "never")


def test_the_condition_is_built_from_the_bounds():
    results = pd.DataFrame({"communist:1990": [0.0, 2.0, 5.0, 7.0], "exit_year:BLA": [1989.0, None, 1991.0, None],
                            "flag": [0.0, 1.0, 1.0, 0.0]})  # fmt: skip
    keep, text = dc.cases_of_interest(results, "communist:1990", None, 3.0, 2001)
    assert keep.tolist() == [True, True, False, False] and text == "communist:1990 < 3"
    keep, text = dc.cases_of_interest(results, "communist:1990", 1.0, 6.0, 2001)
    assert keep.tolist() == [False, True, True, False] and text == "communist:1990 > 1 and communist:1990 < 6"
    keep, _ = dc.cases_of_interest(results, "exit_year:BLA", 1990.0, None, 2001)  # never left: censored at 2001
    assert keep.tolist() == [False, True, True, True]
    keep, text = dc.cases_of_interest(results, "flag", None, None, 2001)
    assert keep.tolist() == [False, True, True, False] and text == "flag == 1"
    with pytest.raises(ScenarioError, match="give --above and/or --below"):
        dc.cases_of_interest(results, "communist:1990", None, None, 2001)


SPEC = """
[sweep]
name = "planted"
scenario = "stylized"
design = "lhs"
samples = 400
seed = 4

[parameters.hegemony]
range = [0.1, 0.9]

[parameters.crackdown_success]
range = [0.2, 1.0]

[outcomes]
scalars = ["communist:1990", "crises"]
"""


def test_sim_discover_writes_the_boxes_of_a_planted_sweep(tmp_path, monkeypatch):
    """End to end through the command line, on a sweep folder whose results are synthetic: few states stay
    communist in 1990 exactly where hegemony is low and crackdowns fail."""
    from typer.testing import CliRunner

    from sim import sweep as sw
    from sim.cli import app

    folder = tmp_path / "planted"
    folder.mkdir()
    (folder / "spec.toml").write_text(SPEC, encoding="utf-8")
    design = sw.build_design(sw.load_spec(folder / "spec.toml"))
    design.to_parquet(folder / "design.parquet")
    results = design.copy()
    low = (results.hegemony < 0.4) & (results.crackdown_success < 0.5)
    results["communist:1990"] = np.where(low, 1.0, 6.0)
    results["crises"] = 3.0
    monkeypatch.setattr(sw, "load_results", lambda f, table="results": results if f == folder else pd.DataFrame())

    result = CliRunner().invoke(app, ["discover", str(folder), "--outcome", "communist:1990", "--below", "3"])
    assert result.exit_code == 0, result.output
    target = folder / "discovery" / "communist_1990"
    assert {p.name for p in target.iterdir()} >= {"prim_boxes.csv", "prim_stats.csv", "cart_boxes.csv",
                                                  "feature_scores.csv", "prim_tradeoff.png", "report.md"}  # fmt: skip
    boxes = pd.read_csv(target / "prim_boxes.csv").set_index("parameter")
    assert boxes.loc["hegemony", "max"] == pytest.approx(0.4, abs=0.05)
    assert boxes.loc["crackdown_success", "max"] == pytest.approx(0.5, abs=0.05)
    assert "PRIM box 1" in result.output and "communist:1990 < 3" in result.output

    bad = CliRunner().invoke(app, ["discover", str(folder), "--outcome", "members"])
    assert bad.exit_code == 2 and "not a scalar outcome of sweep planted" in bad.output
