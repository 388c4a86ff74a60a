"""Tests that try to break the sweep protocol and the input checks: a kill at every write boundary, then a resume;
mutated scenario, variant and spec files given to the command line.

Counts: ``SIM_FAULT_REPORT=1`` prints how many fault points and mutated inputs were tried and how many held.
"""

from __future__ import annotations

import io
import json
import math
import os
import signal
import sys
import tomllib
import traceback
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import output
from sim import sweep as sw
from sim.cli import main
from sim.scenario import SCENARIO_DIR

SPEC = """
[sweep]
name = "faults"
scenario = "stylized"
design = "lhs"
samples = 5
replicates = 2
seed = 5
until = 1950

[parameters.belief_erosion]
range = [0.1, 0.6]

[parameters.hegemony]
range = [0.3, 0.95]

[outcomes]
scalars = ["communist:1950", "exit_year:*", "peak_dissent"]
series = ["communist", "hybrid"]
"""
FAILING_RUN = 3
"""The design row whose run raises: the failures table gets parts too."""
TALLY: Counter = Counter()


def _failing_simulate(original, bad_seed):
    def simulate(scenario, overrides, seed, until):
        if seed == bad_seed:
            raise RuntimeError("a deliberately failing run")
        return original(scenario, overrides, seed, until)

    return simulate


@pytest.fixture
def spec(tmp_path, monkeypatch) -> sw.Sweep:
    path = tmp_path / "faults.toml"
    path.write_text(SPEC, encoding="utf-8")
    sweep = sw.load_spec(path)
    bad_seed = int(sw.build_design(sweep).seed[FAILING_RUN])
    monkeypatch.setattr(sw, "simulate", _failing_simulate(sw.simulate, bad_seed))
    monkeypatch.delenv(output.FAULT_ENV, raising=False)
    return sweep


@pytest.fixture(autouse=True)
def _fork_is_fine(recwarn):
    """The forked child runs the sweep only (no thread of the test process is needed there)."""
    import warnings

    warnings.filterwarnings("ignore", message=".*use of fork.. may lead to deadlocks", category=DeprecationWarning)


def _sweep_killed_at(sweep: sw.Sweep, out: Path, boundary: int) -> bool:
    """Run the sweep in a forked child whose ``boundary``-th write boundary SIGKILLs it; True if it was killed."""
    pid = os.fork()
    if pid == 0:  # the child: no cleanup of any kind may run, as after a real kill
        code = 0
        try:
            os.environ[output.FAULT_ENV] = str(boundary)
            output._boundaries = 0
            with redirect_stderr(io.StringIO()):
                sw.run_sweep(sweep, out, scheduler="sequential", chunk_size=2, progress=False)
        except BaseException:
            traceback.print_exc()
            code = 1
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return True
    assert os.WEXITSTATUS(status) == 0, f"the sweep failed at boundary {boundary} instead of being killed"
    return False


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    results = sw.load_results(folder).drop(columns=["runtime_s"])
    failures = sw.load_results(folder, "failures").drop(columns=["traceback"])
    return {"results": results, "series": sw.load_results(folder, "series"), "failures": failures}


def _assert_exactly_once(tables: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame], n: int) -> None:
    ran = sorted(tables["results"].run_id.tolist() + tables["failures"].run_id.tolist())
    assert ran == list(range(n)), "every run exactly once in results or failures"
    years = tables["series"].groupby("run_id").size()
    assert (years == 1950 - 1945 + 1).all() and len(years) == n - 1, "every finished run's series exactly once"
    for name, frame in reference.items():
        pd.testing.assert_frame_equal(tables[name], frame, obj=name)


def test_a_kill_at_every_write_boundary_resumes_to_the_uninterrupted_sweep(spec, tmp_path):
    reference_run = sw.run_sweep(spec, tmp_path / "reference", scheduler="sequential", chunk_size=2, progress=False)
    assert (reference_run.done, reference_run.failed) == (9, 1)
    reference = _tables(reference_run.folder)
    boundary, held = 0, 0
    while True:
        boundary += 1
        out = tmp_path / f"killed-{boundary}"
        if not _sweep_killed_at(spec, out, boundary):
            break  # past the last boundary: the sweep completed
        with redirect_stderr(io.StringIO()):
            resumed = sw.run_sweep(spec, out, scheduler="sequential", chunk_size=2, progress=False)
        assert (resumed.done, resumed.failed, resumed.runs) == (9, 1, 10), f"boundary {boundary}"
        _assert_exactly_once(_tables(resumed.folder), reference, 10)
        assert not [p for p in resumed.folder.rglob("*") if output.is_temporary(p)], "no temporary file left"
        held += 1
    points = boundary - 1
    TALLY.update({"fault points": points, "fault points held": held})
    # spec, design, marker; 5 chunks of results, series and manifest, one failures part; failures.parquet, sweep.json
    assert points == 2 * (3 + 5 * 3 + 1 + 2)


def test_repeated_kills_and_resumes_record_every_run_exactly_once(spec, tmp_path):
    reference = _tables(sw.run_sweep(spec, tmp_path / "reference", scheduler="sequential", progress=False).folder)
    out = tmp_path / "killed"
    kills = 0
    while _sweep_killed_at(spec, out, 8):  # each attempt dies at its eighth boundary: after one chunk or more
        kills += 1
        assert kills < 40, "the sweep makes no progress between kills"
    # the preparation (+ a part of chunk 1), chunk 1 (+ a part), chunk 2 (four parts), chunks 3 and 4 (+ a part
    # each), chunk 5 and failures.parquet; the seventh attempt completes
    assert kills == 6
    assert list((out / "faults" / "quarantine").rglob("*.parquet")), "the parts of interrupted chunks set aside"
    _assert_exactly_once(_tables(out / "faults"), reference, 10)


def test_the_fault_variable_kills_the_command_line_at_a_write_boundary(spec, tmp_path):
    import subprocess

    env = {**os.environ, output.FAULT_ENV: "15"}  # the second chunk's series part, before its rename
    command = [sys.executable, "-m", "sim", "sweep", str(spec.path), "--out", str(tmp_path), "--workers", "1",
               "--chunk-size", "2", "--quiet"]  # fmt: skip
    killed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -signal.SIGKILL
    assert len(list((tmp_path / "faults" / "manifests").glob("*.json"))) == 1  # one chunk committed, no more
    finished = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr  # (without the failing run: the child has its own simulate)
    ids = sorted(sw.load_results(tmp_path / "faults").run_id.tolist())
    assert ids == list(range(10))


# -- mutated input files -------------------------------------------------------------------------------------------


def toml_text(data: dict) -> str:
    """A TOML document for a parsed mapping (every top-level key as one inline value)."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + "}"
        raise TypeError(type(v))

    return "".join(f"{json.dumps(k)} = {value(v)}\n" for k, v in data.items())


def _paths(node, prefix=()):
    """Every key path of a parsed document (tables, arrays, leaves), at every depth."""
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _get(node, path):
    for key in path:
        node = node[key]
    return node


WRONG_VALUES = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.booleans(),
    st.lists(st.integers(-5, 5), max_size=3),
    st.just({"zz": 1}),
    st.just([[1, "a"], {"b": 2}]),
)


@st.composite
def mutations(draw, document: dict):
    """(kind, bytes) of a mutated document: a value replaced at any depth, a key removed, an unknown key added at
    any depth, or an encoding broken."""
    kind = draw(st.sampled_from(["replace", "remove", "unknown_key", "encoding", "truncate"]))
    data = json.loads(json.dumps(document))  # a deep copy
    paths = [p for p in _paths(data) if p]
    if kind in ("replace", "remove"):
        path = draw(st.sampled_from(paths))
        parent = _get(data, path[:-1])
        if kind == "remove" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(WRONG_VALUES)
        return kind, toml_text(data).encode()
    if kind == "unknown_key":
        tables = [p for p in _paths(data) if isinstance(_get(data, p), dict)]
        _get(data, draw(st.sampled_from(tables)))["zz_unknown_key"] = draw(WRONG_VALUES)
        return kind, toml_text(data).encode()
    raw = toml_text(data).encode()
    if kind == "truncate":
        return kind, raw[: draw(st.integers(0, len(raw) - 1))]
    at = draw(st.integers(0, len(raw)))
    bad = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\x00", b"\xfe\xff\x00\x01", b"\x80abc"]))
    return kind, raw[:at] + bad + raw[at:]


class Accepted(BaseException):
    """The mutated file passed every check: the command went on to run (not needed for the property)."""


def _cli(args: list[str]) -> tuple[int | str, str]:
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        try:
            main(args)
        except SystemExit as exc:
            return exc.code, err.getvalue()
        except Accepted:
            return "accepted", err.getvalue()
    return 0, err.getvalue()


def _check_rejection(kind: str, path: Path, out: Path, code, stderr: str) -> None:
    TALLY[f"mutated {path.stem} inputs"] += 1
    assert "Traceback" not in stderr, stderr
    if kind in ("unknown_key", "encoding"):  # never valid
        assert code == 2, (code, stderr)
    assert code in (0, 2, "accepted"), (code, stderr)
    if code == 2:
        assert stderr.startswith("error: ") and str(path) in stderr, stderr
        assert not out.exists(), "nothing may be written for a rejected file"
        TALLY[f"mutated {path.stem} inputs rejected cleanly"] += 1
    else:
        TALLY[f"mutated {path.stem} inputs valid (accepted)"] += 1


SCENARIO = tomllib.loads((SCENARIO_DIR / "stylized.toml").read_text(encoding="utf-8"))
VARIANT = tomllib.loads((SCENARIO_DIR / "whatif" / "conservative_1985.toml").read_text(encoding="utf-8"))
SWEEP_SPEC = tomllib.loads(SPEC.replace("samples = 5", "samples = 2").replace("until = 1950", "until = 1947"))
FUZZ = settings(
    max_examples=int(os.environ.get("SIM_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


def _fresh(tmp_path: Path, name: str) -> tuple[Path, Path]:
    import tempfile

    where = Path(tempfile.mkdtemp(dir=tmp_path))
    return where / name, where / "out"


@FUZZ
@given(mutation=mutations(SCENARIO))
def test_a_mutated_scenario_is_rejected_cleanly_or_valid(tmp_path, mutation):
    kind, raw = mutation
    path, out = _fresh(tmp_path, "scenario.toml")
    path.write_bytes(raw)
    code, stderr = _cli(["run", str(path), "--until", "1946", "--out", str(out), "--quiet"])
    _check_rejection(kind, path, out, code, stderr)


@FUZZ
@given(mutation=mutations(VARIANT))
def test_a_mutated_variant_is_rejected_cleanly_or_valid(tmp_path, monkeypatch, mutation):
    import sim.ensemble

    def accepted(*args, **kwargs):
        raise Accepted

    monkeypatch.setattr(sim.ensemble, "run_ensemble", accepted)
    kind, raw = mutation
    path, out = _fresh(tmp_path, "variant.toml")
    path.write_bytes(raw)
    code, stderr = _cli(["whatif", "historical", str(path), "--replicates", "1", "--workers", "1", "--out", str(out)])
    _check_rejection(kind, path, out, code, stderr)


@FUZZ
@given(mutation=mutations(SWEEP_SPEC))
def test_a_mutated_sweep_spec_is_rejected_cleanly_or_valid(tmp_path, mutation):
    kind, raw = mutation
    path, out = _fresh(tmp_path, "spec.toml")
    path.write_bytes(raw)
    code, stderr = _cli(["sweep", str(path), "--out", str(out), "--scheduler", "sequential", "--quiet"])
    _check_rejection(kind, path, out, code, stderr)


@pytest.mark.ensemble
@settings(FUZZ, max_examples=400)
@given(document=st.sampled_from(["scenario", "variant", "spec"]), data=st.data())
def test_many_mutated_inputs_are_rejected_cleanly_or_valid(tmp_path, monkeypatch, document, data):
    """The three mutation tests above with many more examples (run with --ensemble)."""
    import sim.ensemble

    def accepted(*args, **kwargs):
        raise Accepted

    monkeypatch.setattr(sim.ensemble, "run_ensemble", accepted)
    base = {"scenario": SCENARIO, "variant": VARIANT, "spec": SWEEP_SPEC}[document]
    kind, raw = data.draw(mutations(base))
    path, out = _fresh(tmp_path, f"{document}.toml")
    path.write_bytes(raw)
    args = {
        "scenario": ["run", str(path), "--until", "1946", "--out", str(out), "--quiet"],
        "variant": ["whatif", "historical", str(path), "--replicates", "1", "--workers", "1", "--out", str(out)],
        "spec": ["sweep", str(path), "--out", str(out), "--scheduler", "sequential", "--quiet"],
    }[document]
    code, stderr = _cli(args)
    _check_rejection(kind, path, out, code, stderr)


def teardown_module() -> None:
    if os.environ.get("SIM_FAULT_REPORT"):
        sys.__stderr__.write("\n" + "\n".join(f"{k}: {v}" for k, v in sorted(TALLY.items())) + "\n")
