"""Parameter sweeps: specs, designs and seeds, identical results on every executor, failures, resume, analysis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import sweep as sw
from sim.analyze import analyze, indices

SPEC = """
[sweep]
name = "{name}"
scenario = "stylized"
design = "{design}"
samples = {samples}
replicates = {replicates}
seed = 99
until = {until}

[parameters.belief_erosion]
range = [0.1, 0.6]

[parameters.hegemony]
range = [0.3, 0.95]

[outcomes]
scalars = ["communist:1950", "ruled:{until}", "exit_year:*", "peak_dissent", "interventions"]
series = ["communist", "hybrid"]
"""


def write_spec(tmp_path: Path, name="tiny", design="lhs", samples=6, replicates=2, until=1956, text=None) -> Path:
    path = tmp_path / f"{name}.toml"
    body = text or SPEC.format(name=name, design=design, samples=samples, replicates=replicates, until=until)
    path.write_text(body, encoding="utf-8")
    return path


def comparable(folder: Path) -> pd.DataFrame:
    return sw.load_results(folder).drop(columns=["runtime_s"])


def test_design_is_recorded_before_running_and_is_reproducible(tmp_path):
    sweep = sw.load_spec(write_spec(tmp_path))
    design = sw.build_design(sweep)
    assert list(design.columns) == ["run_id", "point", "replicate", "seed", "belief_erosion", "hegemony"]
    assert len(design) == 12 and design.run_id.tolist() == list(range(12))
    assert design.seed.is_unique and (design.seed >= 0).all()
    pd.testing.assert_frame_equal(design, sw.build_design(sw.load_spec(write_spec(tmp_path))))
    assert design.belief_erosion.between(0.1, 0.6).all() and design.hegemony.between(0.3, 0.95).all()
    sw._prepare(sweep, tmp_path / "out")  # what run_sweep does first
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "design.parquet"), design)
    assert (tmp_path / "out" / "spec.toml").read_text() == (tmp_path / "tiny.toml").read_text()


def test_seeds_are_spawned_from_the_root_seed():
    a, b = sw.run_seeds(1, 1000), sw.run_seeds(2, 1000)
    assert len(set(a.tolist())) == 1000 and not set(a.tolist()) & set(b.tolist())
    np.testing.assert_array_equal(a[:10], sw.run_seeds(1, 10))


def test_grid_sobol_and_morris_designs_have_the_expected_sizes(tmp_path):
    grid = (
        SPEC.format(name="g", design="grid", samples=1, replicates=1, until=1950)
        .replace("range = [0.1, 0.6]", "levels = [0.2, 0.4, 0.6]")
        .replace("range = [0.3, 0.95]", "range = [0.3, 0.9]\nsteps = 4")
    )
    assert len(sw.build_design(sw.load_spec(write_spec(tmp_path, "g", text=grid)))) == 12
    assert len(sw.build_design(sw.load_spec(write_spec(tmp_path, "s", "sobol", 8, 1)))) == 8 * (2 + 2)
    assert len(sw.build_design(sw.load_spec(write_spec(tmp_path, "m", "morris", 5, 1)))) == 5 * (2 + 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("[parameters.hegemony]", "[parameters.hegemonie]", "parameters.hegemonie: not a model parameter or driver"),
        ("range = [0.1, 0.6]", "range = [0.1, 3.0]", "parameters.belief_erosion: 3 is outside the parameter's bounds"),
        ("range = [0.1, 0.6]", "range = [0.6, 0.1]", "parameters.belief_erosion: range must be [low, high]"),
        ('design = "lhs"', 'design = "factorial"', "sweep.design"),
        ('design = "lhs"', 'design = "grid"', "a grid needs levels"),
        ('"peak_dissent"', '"peak_desent"', "outcomes.scalars[3]: unknown outcome 'peak_desent'"),
        ('"communist:1950"', '"communist:1850"', "outcomes.scalars[0]: 'communist:1850': expected communist:YEAR"),
        ('"exit_year:*"', '"exit_year:XXX"', "the scenario has no state 'XXX'"),
        ('scenario = "stylized"', 'scenario = "nowhere"', "sweep.scenario: nowhere: no such scenario"),
        ("replicates = 2", "replicates = 2\ncolour = 1", "sweep.colour: unknown key"),
        ("until = 1956", "until = 1900", "sweep.until: expected a year in 1946-2000"),
        ("seed = 99", "seed = [99", "malformed TOML"),
    ],
)  # fmt: skip
def test_a_bad_spec_gets_a_clear_error(tmp_path, old, new, message):
    text = SPEC.format(name="bad", design="lhs", samples=6, replicates=2, until=1956)
    assert old in text
    path = write_spec(tmp_path, "bad", text=text.replace(old, new, 1))
    with pytest.raises(sw.SweepError) as err:
        sw.load_spec(path)
    assert str(path) in str(err.value) and message in str(err.value), str(err.value)


def test_bad_spec_on_the_command_line_exits_2_and_writes_nothing(tmp_path):
    text = SPEC.format(name="bad", design="lhs", samples=6, replicates=2, until=1956)
    path = write_spec(tmp_path, "bad", text=text.replace("[parameters.hegemony]", "[parameters.x]"))
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "sim", "sweep", str(path), "--out", str(out)], capture_output=True,
                          text=True)  # fmt: skip
    assert proc.returncode == 2 and "parameters.x: not a model parameter" in proc.stderr
    assert not out.exists()


def test_identical_results_sequentially_in_a_process_pool_and_on_a_local_dask_cluster(tmp_path):
    spec = write_spec(tmp_path)
    seq = sw.run_sweep(spec, tmp_path / "seq", scheduler="sequential", progress=False)
    pool = sw.run_sweep(spec, tmp_path / "pool", workers=2, chunk_size=2, progress=False)
    dask = sw.run_sweep(spec, tmp_path / "dask", workers=2, scheduler="local", chunk_size=3, progress=False)
    assert seq.done == pool.done == dask.done == 12 and seq.failed == 0
    reference = comparable(seq.folder)
    assert set(reference.columns) >= {"communist:1950", "exit_year:BLA", "peak_dissent", "belief_erosion"}
    pd.testing.assert_frame_equal(reference, comparable(pool.folder))
    pd.testing.assert_frame_equal(reference, comparable(dask.folder))
    series = sw.load_results(seq.folder, "series")
    assert len(series) == 12 * (1956 - 1945 + 1) and set(series.columns) == {"run_id", "year", "communist", "hybrid"}
    pd.testing.assert_frame_equal(series, sw.load_results(dask.folder, "series"))


def test_a_run_that_raises_is_recorded_and_the_rest_complete(tmp_path, monkeypatch):
    spec = sw.load_spec(write_spec(tmp_path))
    design = sw.build_design(spec)
    bad_seed = int(design.seed[5])
    original = sw.simulate

    def flaky(scenario, overrides, seed, until):
        if seed == bad_seed:
            raise RuntimeError("a deliberately failing run")
        return original(scenario, overrides, seed, until)

    monkeypatch.setattr(sw, "simulate", flaky)
    result = sw.run_sweep(spec, tmp_path / "out", scheduler="sequential", progress=False)
    assert (result.done, result.failed) == (11, 1)
    failures = pd.read_parquet(result.folder / "failures.parquet")
    assert failures.run_id.tolist() == [5] and "deliberately failing" in failures.error[0]
    assert "Traceback" in failures.traceback[0] and "flaky" in failures.traceback[0]
    assert 5 not in sw.load_results(result.folder).run_id.tolist()
    monkeypatch.setattr(sw, "simulate", original)  # fixed: --retry-failed runs only that one again
    again = sw.run_sweep(spec, tmp_path / "out", scheduler="sequential", retry_failed=True, progress=False)
    assert (again.done, again.failed, again.ran_now) == (12, 0, 1)


def test_a_sweep_killed_with_sigkill_resumes_and_records_every_run_exactly_once(tmp_path):
    spec = write_spec(tmp_path, "killed", samples=20, replicates=2, until=2000)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--workers", "2",
               "--chunk-size", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    manifests = out / "killed" / "manifests"
    deadline = time.time() + 120
    while len(list(manifests.glob("chunk-*.json"))) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep finished before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its worker processes, with no chance to clean up
    proc.wait()
    partial = sw.load_results(out / "killed")
    assert 4 <= len(partial) < 40
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    results = sw.load_results(out / "killed")
    assert sorted(results.run_id.tolist()) == list(range(40))  # every run exactly once
    reference = sw.run_sweep(spec, tmp_path / "reference", scheduler="sequential", progress=False)
    pd.testing.assert_frame_equal(results.drop(columns=["runtime_s"]), comparable(reference.folder))


def test_short_runs_are_grouped_into_chunks_of_about_a_second(tmp_path, monkeypatch):
    # runs estimated at 40 ms: a chunk of ~1 s holds 25 of them (not one run per part file), whatever the machine
    spec = sw.load_spec(write_spec(tmp_path, "short", samples=30, replicates=2, until=1950))
    monkeypatch.setattr(sw, "estimate_run_seconds", lambda sweep: 0.04)
    assert sw.chunk_size_for(spec, pending=60, workers=1) == 25
    assert sw.chunk_size_for(spec, pending=60, workers=4) == 15  # never so large that a worker stays idle
    result = sw.run_sweep(spec, tmp_path / "out", scheduler="sequential", progress=False)
    manifests = sorted((result.folder / "manifests").glob("chunk-*.json"))
    assert result.done == 60
    assert [m.stem for m in manifests] == ["chunk-000000000", "chunk-000000025", "chunk-000000050"]
    assert len(list((result.folder / "results").glob("*.parquet"))) == 3


def test_a_folder_holding_another_sweep_is_refused(tmp_path):
    sw.run_sweep(write_spec(tmp_path), tmp_path / "out", scheduler="sequential", progress=False)
    changed = write_spec(tmp_path, text=SPEC.format(name="tiny", design="lhs", samples=7, replicates=2, until=1956))
    with pytest.raises(sw.SweepError, match="holds a different sweep"):
        sw.run_sweep(changed, tmp_path / "out", scheduler="sequential", progress=False)


def test_a_small_sobol_design_is_analysed(tmp_path):
    spec = write_spec(tmp_path, "sobol", "sobol", samples=8, replicates=1, until=1975)
    result = sw.run_sweep(spec, tmp_path / "out", workers=2, progress=False)
    assert result.done == 8 * 4
    table, _censored, method = indices(sw.load_spec(spec), result.folder)
    assert method == "Sobol indices"
    varied = table[~table.get("constant_outcome", False)]
    assert set(varied.columns) >= {"S1", "S1_conf", "ST", "ST_conf"}
    assert np.isfinite(varied[["S1", "ST", "ST_conf"]].to_numpy()).all()
    assert set(table.parameter) == {"belief_erosion", "hegemony"}
    target = analyze(result.folder)
    assert (target / "indices.csv").exists() and (target / "report.md").exists()
    assert list(target.glob("*.png"))
    # hegemony drives interventions in the bloc: its total index is the larger one
    inter = table[table.outcome == "interventions"].set_index("parameter")
    if "ST" in inter and inter.ST.notna().all():
        assert inter.ST["hegemony"] > inter.ST["belief_erosion"]
