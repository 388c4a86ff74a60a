"""Calibration (ABC-SMC), validation against the record and the naive table, runs over posterior draws.

The end-to-end tests use the stylized world with a tiny budget (a record of a few states up to 1960, population 8,
two or three generations, one core) so CI stays fast; the historical measurement is in the README.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import calibrate as cal
from sim import posterior as post
from sim import validation as val
from sim.params import PARAMETERS
from sim.runner import run_model
from sim.scenario import ScenarioError, load

pytest.importorskip("pyabc")

REPO = Path(__file__).resolve().parent.parent
CUT = 1960
RECORD = """code,first_year,last_year,status,source
HEG,1945,1960,communist,the hegemon
BLA,1952,1960,communist,a bloc state
BLE,1952,1960,ruled,a bloc state
RVB,1950,1955,hybrid,an own revolution
RVB,1958,1960,ruled,an own revolution
DMA,1945,1960,non_communist,a democracy
"""
PARAMS = "belief_erosion,cohort_belief_discount=0.9:1.0"


@pytest.fixture
def record_file(tmp_path: Path) -> Path:
    path = tmp_path / "record.csv"
    path.write_text(RECORD, encoding="utf-8")
    return path


def _calibrate(record_file: Path, out: Path, generations: int = 2) -> dict:
    targets = cal.load_targets(record_file, CUT)
    return cal.calibrate("stylized", cal.parse_params(PARAMS), targets, out, population=8, generations=generations,
                         workers=1, progress=False)  # fmt: skip


def _populations(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db) as con:
            return con.execute("select count(*) from populations where t >= 0").fetchone()[0]
    except sqlite3.Error:
        return 0


# -- the record, the naive table and the scores --------------------------------------------------------------


def test_the_naive_table_is_entry_years_and_two_rules():
    naive = val.naive_table(range(1940, 2000)).set_index(["code", "year"]).status
    assert naive["POL", 1946] == "non_communist" and naive["POL", 1947] == "communist"  # entry year 1947
    assert naive["POL", 1989] == "communist" and naive["POL", 1990] == "non_communist"  # European regimes end 1990
    assert naive["SUN", 1989] == "communist" and naive["SUN", 1990] == "non_communist"  # Europe/Asia is European
    assert naive["CHN", 1977] == "communist" and naive["CHN", 1978] == "hybrid"  # China a hybrid from 1978
    assert naive["CUB", 1999] == "communist" and naive["ETH", 1999] == "communist"  # nothing else ends
    assert naive["ITA", 1960] == "non_communist"  # no entry year: never


def test_the_record_covers_the_states_of_the_scenario_and_its_exits():
    record = val.load_record()
    codes = {s.code for s in load("historical").spec.states}
    assert set(record.code) <= codes
    exits = val.exit_years(record)
    assert exits["SUN"] == 1989 and exits["POL"] == 1989 and exits["BGR"] == 1990 and exits["ALB"] == 1991
    assert "CHN" not in exits and "CUB" not in exits


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("SUN,1930,1940,socialist,x", "status: expected one of"),
        ("SUN,1940,1930,communist,x", "precedes first_year"),
        ("SUN,1930,1940,communist,x\nSUN,1940,1950,communist,y", "SUN 1940: two spans cover the same year"),
    ],
)
def test_a_bad_record_is_refused_with_the_file_and_line(tmp_path, line, message):
    path = tmp_path / "bad.csv"
    path.write_text("code,first_year,last_year,status,source\n" + line + "\n", encoding="utf-8")
    with pytest.raises(val.RecordError, match=message) as err:
        val.load_record(path)
    assert str(path) in str(err.value)


def test_ruled_accepts_communist_and_hybrid_only():
    recorded = pd.Series(["ruled", "ruled", "ruled", "hybrid", "communist"])
    simulated = pd.Series(["communist", "hybrid", "non_communist", "communist", "communist"])
    assert val.mismatch(simulated, recorded).tolist() == [0, 0, 1, 1, 0]


def test_skill_is_the_error_reduction_over_the_naive_table():
    record = val.load_record()
    naive = val.naive_table(sorted(record.year.unique()))
    same = {s.name: s for s in val.scores([naive], record)}
    for score in same.values():  # the naive table scored as a model has no skill over itself
        assert score.model == pytest.approx(score.naive) and score.skill == pytest.approx(0.0)
    truth = record.assign(status=record.status.replace("ruled", "communist"))  # a run that matches the record
    perfect = {s.name: s for s in val.scores([truth], record)}
    held = perfect["status error > 1980"]
    assert held.model == 0.0 and held.naive > 0.1 and held.skill == 1.0
    assert perfect["exit-year error > 1980 (years)"].model == 0.0


def test_exit_errors_count_a_missing_exit_against_the_model():
    record = val.load_record()
    never = record.assign(status="communist")  # a run in which nobody ever leaves
    errors = val.exit_errors([never], record[record.code == "POL"], last_year=2025).iloc[0]
    assert errors.recorded == 1989 and errors.abs_error == 2026 - 1989


# -- the settings ------------------------------------------------------------------------------------------


def test_priors_are_the_registry_ranges_unless_narrowed():
    priors = cal.parse_params("belief_erosion, contagion=0.1:0.5")
    assert priors[0] == cal.Prior("belief_erosion", PARAMETERS["belief_erosion"].lo, PARAMETERS["belief_erosion"].hi)
    assert priors[1] == cal.Prior("contagion", 0.1, 0.5)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no_such_parameter", "unknown parameter"),
        ("contagion=0.5", "expected NAME=LO:HI"),
        ("contagion=0.5:3", "the registry's range of contagion"),
        ("contagion,contagion", "named twice"),
        ("", "at least one"),
    ],
)
def test_bad_params_are_refused(text, message):
    with pytest.raises(cal.CalibrationError, match=message):
        cal.parse_params(text)


def test_run_seeds_follow_the_drawn_values():
    a = cal.draw_seed(1, {"belief_erosion": 0.3}, 0)
    assert a == cal.draw_seed(1, {"belief_erosion": 0.3}, 0)
    assert len({a, cal.draw_seed(1, {"belief_erosion": 0.31}, 0), cal.draw_seed(2, {"belief_erosion": 0.3}, 0),
                cal.draw_seed(1, {"belief_erosion": 0.3}, 1)}) == 4  # fmt: skip


def test_the_cli_refuses_bad_input_with_exit_2_and_writes_nothing(tmp_path, record_file):
    out = tmp_path / "calibration"
    for args, message in (
        (["--params", "nope"], "unknown parameter"),
        (["--params", "contagion", "--targets", str(tmp_path / "missing.csv")], "no such record file"),
        (["--params", "contagion", "--targets", str(record_file), "--cut-year", "1900"], "no recorded year"),
    ):
        proc = subprocess.run([sys.executable, "-m", "sim", "calibrate", "stylized", *args, "--out", str(out)],
                              capture_output=True, text=True, cwd=REPO)  # fmt: skip
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and "Traceback" not in proc.stderr
        assert not out.exists()


TARGETS = """[targets]
scenario = "stylized"

[[target]]
id = "BLA-ruled"
title = "BLA is Communist-ruled in 1955"
metric = "ruled_in"
args = { states = "BLA", year = 1955 }
threshold = 0.9
fitted = true

[[target]]
id = "late"
title = "dated after the cut: not fitted"
metric = "ruled_in"
args = { states = "BLA", year = 1990 }
threshold = 0.9
fitted = true
"""


def test_components_compare_like_their_targets():
    at_least = cal.Component("t", 0.8, ">=")
    assert at_least.mismatch(0.9) == 0 and at_least.mismatch(0.5) == pytest.approx(0.3)
    at_most = cal.Component("t", 0.1, "<=")
    assert at_most.mismatch(0.0) == 0 and at_most.mismatch(0.4) == pytest.approx(0.3)
    equal = cal.Component("t", 5.0, "==", scale=5.0)
    assert equal.mismatch(4.0) == pytest.approx(0.2) and equal.mismatch(float("nan")) == 1.0
    distance = cal.Distance((at_least, at_most))
    assert distance({"t": 0.5}) == pytest.approx((0.3 + 0.4) / 2)


def test_a_targets_file_is_fitted_on_its_rows_up_to_the_cut_year(tmp_path, record_file):
    path = tmp_path / "targets.toml"
    path.write_text(TARGETS, encoding="utf-8")
    targets = cal.load_targets([path, record_file], CUT)
    ids = [c.id for c in targets.components]
    assert "target:BLA-ruled" in ids and "target:late" not in ids and "record:BLA" in ids
    assert targets.last_year == CUT
    simulator = cal.Simulator(load("stylized"), tuple(cal.parse_params("belief_erosion")), targets, 2, 1)
    stats = simulator({"belief_erosion": 0.3})
    assert stats["target:BLA-ruled"] in (0.0, 0.5, 1.0)  # a rate over the two runs
    historical = cal.load_targets(cal.default_targets(load("historical")), 1980)
    fitted = {c.id for c in historical.components if c.id.startswith("target:")}
    assert fitted == {"target:P4a", "target:P4b", "target:P5a", "target:J-CHL"}  # J-SUN runs to 1984: held out


# -- calibration end to end ---------------------------------------------------------------------------------


def test_calibration_writes_the_posterior_figures_and_a_loadable_parameter_file(tmp_path, record_file):
    out = tmp_path / "calibration"
    meta = _calibrate(record_file, out)
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert set(posterior.columns) == {"generation", "particle", "weight", "distance", "epsilon", "belief_erosion",
                                      "cohort_belief_discount"}  # fmt: skip
    assert sorted(posterior.generation.unique()) == [0, 1]
    for _, g in posterior.groupby("generation"):
        assert len(g) == 8 and g.weight.sum() == pytest.approx(1.0)
        assert (g.distance <= g.epsilon + 1e-12).all()  # every accepted draw is within its generation's tolerance
    assert posterior.cohort_belief_discount.between(0.9, 1.0).all()
    # the tolerance adapts: generation 2's is the median distance of generation 1 (uniform weights there)
    d = np.sort(posterior[posterior.generation == 0].distance.to_numpy())
    eps = posterior.groupby("generation").epsilon.first()
    assert d[(len(d) - 1) // 2] - 1e-12 <= eps[1] <= d[len(d) // 2] + 1e-12
    assert len(meta["generations"]) == 2 and meta["total_simulations"] >= 16
    for name in ("marginals.png", "pairs.png", "metadata.json", "summary.csv", "abc.db"):
        assert (out / name).stat().st_size > 0

    from sim.sweep import load_spec
    from sim.variants import load_variant

    calibrated = load_variant(out / "calibrated.toml").apply(load("stylized"))
    medians = pd.read_csv(out / "summary.csv").set_index("parameter")["median"]
    assert calibrated.spec.parameters.members.belief_erosion == pytest.approx(medians["belief_erosion"], abs=1e-6)
    shipped = load("stylized").spec.parameters.members.belief_erosion  # None: the registry's default
    assert shipped in (None, PARAMETERS["belief_erosion"].default)  # the shipped scenario is untouched
    sweep = load_spec(out / "sensitivity.toml")
    assert sweep.spec.sweep.design == "sobol" and set(sweep.spec.parameters) == {
        "belief_erosion",
        "cohort_belief_discount",
    }


def test_an_accepted_draw_reruns_to_its_recorded_distance(tmp_path, record_file):
    out = tmp_path / "calibration"
    _calibrate(record_file, out, generations=1)
    posterior = pd.read_parquet(out / "posterior.parquet")
    priors = cal.parse_params(PARAMS)
    targets = cal.load_targets(record_file, CUT)
    simulator = cal.Simulator(load("stylized"), tuple(priors), targets, 1, 1)
    row = posterior.iloc[0]
    stats = simulator({p.name: row[p.name] for p in priors})
    assert cal.Distance(targets.components)(stats) == pytest.approx(row.distance)


def test_a_calibration_continues_where_it_stopped_and_refuses_other_settings(tmp_path, record_file):
    out = tmp_path / "calibration"
    _calibrate(record_file, out, generations=1)
    first = pd.read_parquet(out / "posterior.parquet")
    _calibrate(record_file, out, generations=2)
    both = pd.read_parquet(out / "posterior.parquet")
    assert sorted(both.generation.unique()) == [0, 1]
    pd.testing.assert_frame_equal(both[both.generation == 0].reset_index(drop=True), first)
    with pytest.raises(cal.CalibrationError, match="other settings"):
        cal.calibrate("stylized", cal.parse_params("belief_erosion"), cal.load_targets(record_file, CUT), out,
                      population=8, generations=2, workers=1, progress=False)  # fmt: skip


def test_a_calibration_killed_with_sigkill_resumes(tmp_path, record_file):
    out = tmp_path / "calibration"
    command = [sys.executable, "-m", "sim", "calibrate", "stylized", "--params", PARAMS, "--targets",
               str(record_file), "--cut-year", str(CUT), "--population", "8", "--generations", "3", "--workers", "1",
               "--out", str(out)]  # fmt: skip
    proc = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 240
    try:
        while _populations(out / "abc.db") < 1 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert proc.poll() is None, "finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    recorded = _populations(out / "abc.db")
    assert 1 <= recorded < 3
    again = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    assert f"resuming {out / 'abc.db'}: {recorded} of 3 generations recorded" in again.stderr
    posterior = pd.read_parquet(out / "posterior.parquet")
    assert sorted(posterior.generation.unique()) == [0, 1, 2]


def test_calibration_runs_on_a_process_pool(tmp_path, record_file):
    targets = cal.load_targets(record_file, CUT)
    meta = cal.calibrate("stylized", cal.parse_params(PARAMS), targets, tmp_path / "pool", population=6,
                         generations=1, workers=2, progress=False)  # fmt: skip
    assert meta["workers"] == 2 and len(pd.read_parquet(tmp_path / "pool" / "posterior.parquet")) == 6


# -- posterior draws, what-ifs and validation -----------------------------------------------------------------


def _posterior(tmp_path: Path) -> Path:
    frame = pd.DataFrame({"generation": [0, 1, 1, 1], "particle": [0, 0, 1, 2], "weight": [1.0, 0.5, 0.5, 0.0],
                          "distance": 0.0, "epsilon": 0.1, "belief_erosion": [0.9, 0.2, 0.5, 1.9],
                          "career_years": [45, 40, 50, 60]})  # fmt: skip
    path = tmp_path / "posterior.parquet"
    frame.to_parquet(path)
    return path


def test_draws_come_from_the_last_generation_by_weight_and_are_seeded(tmp_path):
    posterior = post.load_posterior(_posterior(tmp_path))
    draws = post.draws(posterior, 40, seed=3)
    assert draws == post.draws(posterior, 40, seed=3) and draws != post.draws(posterior, 40, seed=4)
    assert {d["belief_erosion"] for d in draws} == {0.2, 0.5}  # weight 0 and the earlier generation never drawn
    assert all(isinstance(d["career_years"], int) for d in draws)


def test_a_bad_posterior_file_is_refused(tmp_path):
    with pytest.raises(ScenarioError, match="no such file"):
        post.load_posterior(tmp_path / "missing.parquet")
    (tmp_path / "junk.parquet").write_text("not parquet")
    with pytest.raises(ScenarioError, match="not a Parquet file"):
        post.load_posterior(tmp_path / "junk.parquet")
    pd.DataFrame({"generation": [0], "weight": [1.0], "no_such_parameter": [1.0]}).to_parquet(tmp_path / "p.parquet")
    with pytest.raises(ScenarioError, match="no_such_parameter"):
        post.load_posterior(tmp_path / "p.parquet")


def test_draw_i_runs_with_seed_i_and_a_variant_pairs_with_the_same_draw(tmp_path):
    base = load("stylized").with_overrides({"end_year": 1960})
    variant_file = tmp_path / "variant.toml"
    variant_file.write_text('[variant]\nname = "slow_glasnost"\nbase = "stylized"\n\n'
                            "[parameters.leadership]\nglasnost_step = 0.01\n", encoding="utf-8")  # fmt: skip
    from sim.variants import load_variant

    variant = load_variant(variant_file)
    draws = [{"belief_erosion": 0.1}, {"belief_erosion": 1.5}]
    seeds = [5, 6]
    ens = post.posterior_ensemble(base, draws, seeds, workers=1)
    var = post.posterior_ensemble(base, draws, seeds, workers=1, variant=variant)
    for i, (draw, seed) in enumerate(zip(draws, seeds, strict=True)):
        direct = run_model(base.with_overrides(draw), seed).table("states")
        pd.testing.assert_frame_equal(ens.runs[i]["states"].drop(columns=["seed", "replicate"]), direct)
        paired = run_model(variant.apply(base.with_overrides(draw)), seed).table("states")
        pd.testing.assert_frame_equal(var.runs[i]["states"].drop(columns=["seed", "replicate"]), paired)
    assert not ens.runs[0]["states"].equals(ens.runs[1]["states"])  # the draws differ, so the runs do


def test_robustness_labels_outcomes_by_agreement_across_draws():
    from sim.ensemble import Ensemble

    def run(status_1999: str) -> dict[str, pd.DataFrame]:
        years = np.arange(1985, 2000)
        states = pd.DataFrame({"seed": 0, "replicate": 0, "code": "AAA", "year": years,
                               "status": np.where(years < 1990, "communist", "non_communist")})  # fmt: skip
        other = pd.DataFrame({"seed": 0, "replicate": 0, "code": "BBB", "year": years, "status": "communist"})
        other.loc[other.year == 1999, "status"] = status_1999
        return {"states": pd.concat([states, other], ignore_index=True)}

    runs = [run("communist")] * 9 + [run("hybrid")]
    for i, r in enumerate(runs):
        runs[i] = {"states": r["states"].assign(seed=i)}
    table = post.robustness(Ensemble(load("stylized"), list(range(10)), runs), cut=1980, year=1999)
    by = table.set_index(["outcome", "code"])
    assert by.loc[("status 1999", "AAA"), "label"] == "robust" and by.loc[("status 1999", "AAA"), "agreement"] == 1
    assert by.loc[("status 1999", "BBB"), "agreement"] == pytest.approx(0.9)
    assert by.loc[("exit year", "AAA"), "value"].startswith("1990") and not by.loc[("exit year", "AAA"), "fitted"]


def test_validate_history_scores_the_hold_out_beside_the_naive_table(tmp_path, record_file):
    record = RECORD + "BLA,1961,1975,communist,held out\nBLB,1952,1970,communist,held out\n"
    record += "BLB,1971,1975,non_communist,held out exit\n"
    record_file.write_text(record, encoding="utf-8")
    out = tmp_path / "calibration"
    _calibrate(record_file, out, generations=1)
    table, loo = val.validate_history(out, out / "validation", n_draws=2, reference=4, workers=1, left_out=["BLB"])
    assert set(table.runs) == {"posterior", "default parameters", "prior"}
    held = table[(table.runs == "posterior") & (table.score == f"status error > {CUT}")].iloc[0]
    assert 0 <= held.model <= 1 and held.naive > 0  # the naive table keeps BLB communist after its exit
    assert held.skill == pytest.approx(1 - held.model / held.naive, abs=1e-3)
    assert list(loo.left_out) == ["BLB"] and loo.runs_accepted.iloc[0] == 1
    report = (out / "validation" / "report.md").read_text(encoding="utf-8")
    assert "naive" in report and "Leave-one-out" in report


def test_screening_names_the_parameters_that_matter_and_those_that_could_be_fixed():
    from sim.sensitivity import screening

    sobol = pd.DataFrame({
        "outcome": ["exit_year:SUN"] * 4 + ["ruled:2025"] * 4,
        "parameter": ["a", "b", "c", "d"] * 2,
        "ST": [0.6, 0.07, 0.01, 0.5, 0.2, 0.02, -0.01, 0.4],
        "ST_conf": [0.1, 0.01, 0.01, 0.6, 0.05, 0.01, 0.02, 0.5],
    })  # fmt: skip
    verdicts = screening(sobol).set_index("parameter").verdict
    assert verdicts.to_dict() == {"a": "matters", "b": "undetermined", "c": "could be fixed", "d": "undetermined"}
    morris = pd.DataFrame({"outcome": ["splits"] * 2, "parameter": ["a", "b"], "mu_star": [4.0, 0.1],
                           "mu_star_conf": [0.5, 0.05]})  # fmt: skip
    assert screening(morris).set_index("parameter").verdict.to_dict() == {"a": "matters", "b": "could be fixed"}


def test_calibration_runs_on_a_local_dask_cluster(tmp_path, record_file):
    pytest.importorskip("distributed")
    targets = cal.load_targets(record_file, CUT)
    meta = cal.calibrate("stylized", cal.parse_params(PARAMS), targets, tmp_path / "dask", population=4,
                         generations=1, workers=2, scheduler="local", progress=False)  # fmt: skip
    assert meta["workers"] == 2 and len(pd.read_parquet(tmp_path / "dask" / "posterior.parquet")) == 4


def test_sim_run_loads_a_parameter_file(tmp_path):
    params = tmp_path / "calibrated.toml"
    params.write_text('[variant]\nname = "calibrated"\nbase = "stylized"\n\n[parameters.members]\n'
                      "belief_erosion = 1.7\n", encoding="utf-8")  # fmt: skip
    command = [sys.executable, "-m", "sim", "run", "stylized", "--until", "1950", "--quiet", "--out", str(tmp_path),
               "--params-file", str(params)]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    import json

    meta = json.loads((Path(proc.stdout.strip()) / "metadata.json").read_text())
    from sim.variants import load_variant

    assert meta["scenario_sha256"] == load_variant(params).apply(load("stylized")).sha256 != load("stylized").sha256
    bad = subprocess.run([sys.executable, "-m", "sim", "run", "stylized", "--params-file", str(tmp_path / "no.toml")],
                         capture_output=True, text=True, cwd=REPO)  # fmt: skip
    assert bad.returncode == 2 and "no such variant file" in bad.stderr and "Traceback" not in bad.stderr
