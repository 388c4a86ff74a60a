"""`sim run` end to end: the files it writes, their content, and byte-identical reruns."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from sim.cli import parse_assignments

TABLES = ("model", "states", "parties", "events", "elections")


def sim(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("results")
    proc = sim("run", "stylized", "--seed", "3", "--replicates", "2", "--until", "1992", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    return out / "stylized" / "s3-r2-u1992"


def test_run_writes_every_file(run_dir):
    for name in (*(f"{t}.parquet" for t in TABLES), "metadata.json", "summary.txt", "summary.png"):
        assert (run_dir / name).stat().st_size > 0, name
    assert not list(run_dir.parent.glob(".*"))  # no temporary folders left behind


def test_states_table_has_the_documented_columns(run_dir):
    states = pd.read_parquet(run_dir / "states.parquet")
    required = ["seed", "year", "code", "status", "monopoly", "centralism", "ownership", "command", "goal",
                "recognised", "f1", "f2", "f3", "f4", "f5", "f6"]  # fmt: skip
    assert set(required) <= set(states.columns)
    assert states[["f1", "f2", "f3", "f4", "f5", "f6", "recognised"]].dtypes.eq(bool).all()
    assert set(states.seed) == {3, 4} and states.year.max() == 1992
    assert set(states.status) <= {"communist", "hybrid", "non_communist"}


def test_metadata_records_what_reproduces_the_run(run_dir):
    meta = json.loads((run_dir / "metadata.json").read_text())
    assert meta["scenario"] == "stylized" and meta["scenario_file"] == "sim/scenarios/stylized.toml"
    assert len(meta["scenario_sha256"]) == 64
    assert meta["seed"] == 3 and meta["seeds"] == [3, 4] and meta["until"] == 1992
    assert {"python", "mesa", "numpy", "networkx", "pandas", "pyarrow"} <= set(meta["versions"])
    assert "git_commit" in meta


def test_summary_reads_as_timelines_and_events(run_dir):
    text = (run_dir / "summary.txt").read_text()
    assert "Status timelines" in text and "BLA " in text and "communist" in text
    assert "Main events" in text


def test_same_scenario_and_seed_give_byte_identical_files(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for out in (a, b):
        proc = sim(
            "run", "stylized", "--seed", "11", "--replicates", "2", "--until", "1970", "--out", str(out), "--quiet"
        )
        assert proc.returncode == 0, proc.stderr
    for name in (*(f"{t}.parquet" for t in TABLES), "summary.txt", "summary.png"):
        assert (a / "stylized/s11-r2-u1970" / name).read_bytes() == (b / "stylized/s11-r2-u1970" / name).read_bytes(), (
            name
        )


def test_console_script_and_module_agree(tmp_path):
    sim_exe = Path(sys.executable).parent / "sim"
    proc = subprocess.run([str(sim_exe), "validate", "stylized"], capture_output=True, text=True)
    assert proc.returncode == 0 and "valid" in proc.stdout
    assert sim("params", "features").stdout.count("threshold") == 5


def test_overrides_from_the_command_line(tmp_path):
    proc = sim("run", "stylized", "--until", "1950", "--out", str(tmp_path), "--quiet", "--set", "hegemony=0.2")
    assert proc.returncode == 0, proc.stderr
    states = pd.read_parquet(Path(proc.stdout.strip()) / "states.parquet")
    assert not (states[states.code.str.startswith("BL")].status != "non_communist").any()  # no backing, no takeover
    assert parse_assignments(["hegemony=[(1945, 0.9), (1989, 0.1)]", "convention=kornai"]) == {
        "hegemony": [(1945, 0.9), (1989, 0.1)],
        "convention": "kornai",
    }
