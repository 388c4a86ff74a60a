"""Nothing lost, nothing half-written (issue 16): each failure found on main, as a test.

Outputs are transactions that never touch a folder the program did not write; a sweep folder has one writer and
a commit protocol covering every table; signals stop cleanly and leave no process behind; every error path is a
message (exit 2, the file, the key, what was expected; no traceback); seeds stay exact integers.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim import output
from sim import sweep as sw
from sim.cli import main
from sim.scenario import SCENARIO_DIR

SPEC = """
[sweep]
name = "rel"
scenario = "stylized"
design = "lhs"
samples = {samples}
replicates = 2
seed = 11
until = {until}

[parameters.belief_erosion]
range = [0.1, 0.6]

[parameters.hegemony]
range = [0.3, 0.95]

[outcomes]
scalars = ["communist:1950", "peak_dissent"]
series = ["communist", "hybrid"]
"""


def write_spec(folder: Path, samples: int = 5, until: int = 1950, text: str | None = None) -> Path:
    path = folder / "rel.toml"
    path.write_text(text or SPEC.format(samples=samples, until=until), encoding="utf-8")
    return path


def cli(*args: str) -> tuple[int, str]:
    """Run the command line in this process: (exit status, standard error)."""
    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.StringIO()):
        try:
            main([str(a) for a in args])
        except SystemExit as exc:
            return int(exc.code or 0), err.getvalue()
    return 0, err.getvalue()


def sim(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sim", *map(str, args)], capture_output=True, text=True, **kwargs)


def assert_message(code: int, stderr: str, *parts: str) -> None:
    assert code == 2, stderr
    assert stderr.startswith("error: ") and "Traceback" not in stderr, stderr
    for part in parts:
        assert part in stderr, stderr


def session_pids(sid: int) -> list[int]:
    """Live processes of a session (read from /proc: psutil is not a dependency)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[3]) == sid:
            pids.append(int(entry.name))
    return pids


def wait_until_gone(sid: int, seconds: float = 15.0) -> list[int]:
    deadline = time.time() + seconds
    while (left := session_pids(sid)) and time.time() < deadline:
        time.sleep(0.2)
    return left


@contextmanager
def mount(target: Path, *args: str):
    """Mount something on ``target`` for the test (skipped where mounting is not permitted), unmount afterwards."""
    target.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run(["mount", *args, str(target)], check=True, capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"this machine does not permit mounting a test file system ({exc})")
    try:
        yield target
    finally:
        subprocess.run(["umount", "-l", str(target)], capture_output=True)


@contextmanager
def read_only(tmp_path: Path):
    """A read-only folder even for root (tests run as root, so chmod would not stop a write): a read-only bind."""
    source = tmp_path / "ro-source"
    source.mkdir()
    with mount(tmp_path / "ro", "--bind", str(source)) as target:
        proc = subprocess.run(["mount", "-o", "remount,bind,ro", str(target)], capture_output=True, text=True)
        if proc.returncode != 0:
            pytest.skip(f"cannot remount the bind read-only: {proc.stderr.strip()}")
        yield target


def fill(disk: Path, leave: int) -> Path:
    """Fill a small file system until ``leave`` bytes remain free."""
    filler = disk / "filler"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


# -- outputs are transactions ---------------------------------------------------------------------------------


def test_a_run_never_replaces_a_folder_it_did_not_write(tmp_path):
    notes = tmp_path / "stylized" / "notes"
    notes.mkdir(parents=True)
    (notes / "notes.txt").write_text("my notes", encoding="utf-8")
    code, err = cli("run", "stylized", "--until", "1946", "--out", tmp_path, "--name", "notes", "--quiet")
    assert_message(code, err, str(notes), "not an output of this program")
    assert (notes / "notes.txt").read_text(encoding="utf-8") == "my notes" and len(list(notes.iterdir())) == 1


@pytest.mark.parametrize("name", [".", "..", "../elsewhere", ".hidden", "a/b"])
def test_names_that_leave_the_results_folder_are_refused(tmp_path, name):
    out = tmp_path / "results"
    assert cli("run", "stylized", "--until", "1946", "--out", out, "--quiet")[0] == 0
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, err = cli("run", "stylized", "--until", "1946", "--out", out, "--name", name, "--quiet")
    assert_message(code, err, repr(name))
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # every other run kept


def test_a_previous_run_of_the_program_is_replaced(tmp_path):
    for _ in range(2):
        assert cli("run", "stylized", "--until", "1946", "--out", tmp_path, "--name", "again", "--quiet")[0] == 0
    assert output.is_program_output(tmp_path / "stylized" / "again")
    assert not [p for p in (tmp_path / "stylized").iterdir() if p.name.startswith(".")]


def test_leftover_temporary_folders_are_recognised_and_removed(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has ended
    stale = tmp_path / f".run.tmp-{pid}"
    stale.mkdir()
    (stale / output.TEMP_MARKER).write_text(str(pid))
    foreign = tmp_path / f".mine.tmp-{pid}"  # the same pattern without the marker: not ours, kept
    foreign.mkdir()
    alive = tmp_path / f".busy.tmp-{os.getppid()}"  # a live process's temporary folder: kept
    alive.mkdir()
    (alive / output.TEMP_MARKER).write_text("x")
    moved = tmp_path / f".prev.old-{pid}"  # a previous run moved aside by a killed replacement: put back
    moved.mkdir()
    (moved / "metadata.json").write_text(json.dumps({"versions": {output.PROGRAM: "0"}}))
    cleaned = output.remove_leftovers(tmp_path)
    assert sorted(p.name for p in cleaned) == sorted([stale.name, moved.name])
    assert not stale.exists() and foreign.exists() and alive.exists() and (tmp_path / "prev").is_dir()


def test_a_history_killed_while_writing_leaves_a_temporary_folder_that_the_rerun_removes(tmp_path):
    command = ["history", "--replicates", "1", "--workers", "1", "--no-counterfactual", "--out", tmp_path]
    killed = sim(*command, env={**os.environ, output.FAULT_ENV: "1"}, timeout=600)
    assert killed.returncode == -signal.SIGKILL
    folder = tmp_path / "historical"
    assert [p.name for p in folder.iterdir()] == [f".ensemble-s1-n1.tmp-{p}" for p in [_pid_of(folder)]]
    rerun = sim(*command, timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    assert [p.name for p in folder.iterdir()] == ["ensemble-s1-n1"]


def _pid_of(folder: Path) -> int:
    (entry,) = folder.iterdir()
    return int(entry.name.rsplit("-", 1)[1])


# -- the sweep commit protocol -------------------------------------------------------------------------------


def test_a_second_command_on_a_locked_sweep_folder_is_refused_naming_the_holder(tmp_path):
    spec = write_spec(tmp_path)
    folder = tmp_path / "out" / "rel"
    folder.mkdir(parents=True)
    with sw.folder_lock(folder):
        code, err = cli("sweep", spec, "--out", tmp_path / "out", "--scheduler", "sequential", "--quiet")
        assert_message(code, err, str(folder), f"pid {os.getpid()}", "--wait")
        waiting = subprocess.Popen([sys.executable, "-m", "sim", "sweep", spec, "--out", tmp_path / "out", "--wait",
                                    "--workers", "1", "--quiet"], stderr=subprocess.PIPE, text=True)  # fmt: skip
        time.sleep(1.0)
        assert waiting.poll() is None  # it waits for the lock
        assert not (folder / "design.parquet").exists()
    assert waiting.wait(300) == 0, waiting.stderr.read()
    assert sorted(sw.load_results(folder).run_id) == list(range(10))


def test_two_sweeps_started_at_once_record_each_run_once(tmp_path):
    spec = write_spec(tmp_path, samples=10)
    command = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "1",
               "--chunk-size", "2", "--quiet", "--wait"]  # fmt: skip
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    for proc in procs:
        assert proc.wait(600) == 0, proc.stderr.read()
    results = sw.load_results(tmp_path / "out" / "rel")
    assert sorted(results.run_id) == list(range(20))
    assert sorted(sw.load_results(tmp_path / "out" / "rel", "series").groupby("run_id").size().index) == list(range(20))


@pytest.fixture
def finished(tmp_path) -> tuple[Path, pd.DataFrame]:
    """A finished sweep (five chunks) and its results."""
    spec = write_spec(tmp_path)
    result = sw.run_sweep(spec, tmp_path / "out", scheduler="sequential", chunk_size=2, progress=False)
    return result.folder, sw.load_results(result.folder).drop(columns=["runtime_s"])


@pytest.mark.parametrize("damage", ["truncated", "empty", "garbage"])
def test_a_damaged_part_is_named_set_aside_and_run_again(finished, damage):
    folder, reference = finished
    part = folder / "series" / "chunk-000000004.parquet"
    data = part.read_bytes()
    part.write_bytes({"truncated": data[: len(data) // 2], "empty": b"", "garbage": os.urandom(300)}[damage])
    with pytest.warns(sw.SweepWarning, match="chunk-000000004"):
        partial = sw.load_results(folder, "series")
    assert 4 not in set(partial.run_id) and len(partial) == 8 * 6  # a damaged chunk is not read
    err = io.StringIO()
    with redirect_stderr(err):
        again = sw.run_sweep(folder.parent.parent / "rel.toml", folder.parent, scheduler="sequential", progress=False)
    assert again.ran_now == 2 and (again.done, again.failed) == (10, 0)
    assert "manifests/chunk-000000004.json" in err.getvalue() and "does not match its checksum" in err.getvalue()
    assert (folder / "quarantine" / "series" / "chunk-000000004.parquet").exists()  # set aside, not deleted
    pd.testing.assert_frame_equal(sw.load_results(folder).drop(columns=["runtime_s"]), reference)
    assert sorted(sw.load_results(folder, "series").groupby("run_id").size().index) == list(range(10))


def test_a_foreign_file_in_a_table_folder_is_never_read_and_is_set_aside(finished):
    folder, reference = finished
    shutil.copy(folder / "results" / "chunk-000000000.parquet", folder / "results" / "copy.parquet")
    (folder / "results" / "notes.txt").write_text("mine")
    pd.testing.assert_frame_equal(sw.load_results(folder).drop(columns=["runtime_s"]), reference)  # no duplicates
    err = io.StringIO()
    with redirect_stderr(err):
        again = sw.run_sweep(folder.parent.parent / "rel.toml", folder.parent, scheduler="sequential", progress=False)
    assert again.ran_now == 0 and "results/copy.parquet: no committed chunk lists it" in err.getvalue()
    assert (folder / "quarantine" / "results" / "notes.txt").read_text() == "mine"


def test_a_truncated_marker_or_a_design_without_its_marker_is_recovered(finished):
    folder, reference = finished
    spec = folder.parent.parent / "rel.toml"
    (folder / sw.MARKER).write_text('{"sweep_sha')
    code, err = cli("sweep", spec, "--out", folder.parent, "--scheduler", "sequential", "--quiet")
    assert code == 0 and f"{folder / sw.MARKER}: unreadable" in err, err
    (folder / sw.MARKER).unlink()  # as after a kill between the design and the marker
    assert cli("sweep", spec, "--out", folder.parent, "--scheduler", "sequential", "--quiet")[0] == 0
    assert json.loads((folder / sw.MARKER).read_text())["design_sha256"]
    pd.testing.assert_frame_equal(sw.load_results(folder).drop(columns=["runtime_s"]), reference)


def test_a_design_of_another_sweep_without_a_marker_is_refused(finished):
    folder, _ = finished
    (folder / sw.MARKER).unlink()
    other = write_spec(folder.parent.parent, text=SPEC.format(samples=6, until=1950))
    code, err = cli("sweep", other, "--out", folder.parent, "--scheduler", "sequential", "--quiet")
    assert_message(code, err, str(folder), "holds a different sweep")


def test_every_part_carries_its_provenance(finished):
    folder, _ = finished
    sweep = sw.load_spec(folder.parent.parent / "rel.toml")
    for table in ("results", "series"):
        meta = output.parquet_provenance(next((folder / table).glob("*.parquet")))
        assert meta["table"] == table and meta["sweep_sha256"] == sweep.sha256
        assert meta["scenario_sha256"] == sweep.scenario.sha256 and meta["program_version"]
        assert meta["spec"]["sweep"]["name"] == "rel"
    assert output.parquet_provenance(folder / "design.parquet")["table"] == "design"


def test_analysis_reads_only_committed_chunks(finished):
    from sim.analyze import point_means

    folder, _ = finished
    sweep = sw.load_spec(folder.parent.parent / "rel.toml")
    before = point_means(sweep, folder)[3]
    for n in range(3):  # copies of a part, as a second writer without the lock wrote on main
        shutil.copy(folder / "results" / "chunk-000000000.parquet", folder / "results" / f"chunk-00000000{n}x.parquet")
    assert point_means(sweep, folder)[3].tolist() == before.tolist() == [2] * 5


# -- error paths -------------------------------------------------------------------------------------------------


def test_a_huge_design_needs_force(tmp_path):
    text = SPEC.format(samples=10_000_000, until=1950).replace("replicates = 2", "replicates = 2000")
    spec = write_spec(tmp_path, text=text)
    code, err = cli("sweep", spec, "--out", tmp_path / "out", "--quiet")
    assert_message(code, err, str(spec), "20,000,000,000 runs", "--force")
    assert not (tmp_path / "out").exists()


def test_design_size_is_the_number_of_design_rows(tmp_path):
    for design, extra in (("lhs", ""), ("sobol", ""), ("morris", ""), ("sobol", "second_order = true\n")):
        text = SPEC.format(samples=4, until=1950).replace('design = "lhs"', f'design = "{design}"\n{extra}')
        sweep = sw.load_spec(write_spec(tmp_path, text=text))
        assert sw.design_size(sweep) == len(sw.build_design(sweep)), design


@pytest.mark.parametrize("scheduler", ["bogus", "tcp://127.0.0.1:{port}", "tcp://nohost"])
def test_an_unknown_or_unreachable_scheduler_is_refused_before_anything_is_written(tmp_path, scheduler):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # free once closed: nothing listens there
    code, err = cli("sweep", write_spec(tmp_path), "--out", tmp_path / "out", "--scheduler",
                    scheduler.format(port=port), "--quiet")  # fmt: skip
    assert_message(code, err, "--scheduler")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--seed", "-5"], "--seed -5: expected an integer in [0, 2**63 - 1]"),
        (["--seed", str(2**64)], f"--seed {2**64}: expected an integer"),
        (["--seed", str(2**63 - 1), "--replicates", "2"], "the last seed is 9223372036854775808"),
    ],
)
def test_seeds_outside_the_int64_range_are_refused(tmp_path, args, expected):
    code, err = cli("run", "stylized", "--until", "1946", "--out", tmp_path / "out", "--quiet", *args)
    assert_message(code, err, expected)
    assert not (tmp_path / "out").exists()


def test_the_largest_seed_stays_an_exact_integer(tmp_path):
    assert cli("run", "stylized", "--until", "1946", "--out", tmp_path, "--seed", 2**63 - 1, "--quiet")[0] == 0
    seeds = pq.read_table(next(tmp_path.glob("stylized/*/states.parquet"))).column("seed")
    assert str(seeds.type) == "int64" and set(seeds.to_pylist()) == {2**63 - 1}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("-1", "greater than or equal to 0"), (str(2**63), "less than"), ("1.5", "integer"), ('"7"', "integer")],
)
def test_a_spec_seed_must_be_an_int64_integer(tmp_path, value, expected):
    spec = write_spec(tmp_path, text=SPEC.format(samples=5, until=1950).replace("seed = 11", f"seed = {value}"))
    code, err = cli("sweep", spec, "--out", tmp_path / "out", "--quiet")
    assert_message(code, err, str(spec), "sweep.seed", expected)


def test_an_unknown_parameter_group_is_a_message():
    code, err = cli("params", "nonsense")
    assert_message(code, err, "nonsense", "features")


def test_a_folder_given_as_a_scenario_or_a_variant_is_a_message(tmp_path):
    assert_message(*cli("run", SCENARIO_DIR, "--out", tmp_path / "out"), str(SCENARIO_DIR), "is a folder")
    assert_message(*cli("whatif", "historical", SCENARIO_DIR / "whatif", "--out", tmp_path / "out"), "is a folder")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
        ("[variant]\nname = 'caf\u00e9'\n".encode("latin-1"), "not UTF-8 text"),
        (b'[variant]\nname = "x"\x00\n', "malformed TOML"),
    ],
)
def test_a_binary_or_non_utf8_variant_is_a_message(tmp_path, content, expected):
    path = tmp_path / "variant.toml"
    path.write_bytes(content)
    code, err = cli("whatif", "historical", path, "--out", tmp_path / "out")
    assert_message(code, err, str(path), expected)


@pytest.mark.parametrize(
    ("rule", "key"),
    [
        ('[[replace_events]]\nmatch = { year = 1985, kind = "leader", state = "SUN" }\nset = { states = 5 }',
         "replace_events[0].set.states: expected a list of codes"),
        ('[[replace_events]]\nmatch = { year = 1985, kind = "leader", state = "SUN" }\nset = { state = 7 }',
         "replace_events[0].set.state: expected a state code"),
        ('[[add_events]]\nyear = "1970"\nkind = "leader"\nstate = "CSK"\nvalue = "reformer"',
         "add_events[0].year: expected an integer year"),
        ('[[add_events]]\nkind = "leader"\nstate = "CSK"\nvalue = "reformer"', "add_events[0].year"),
        ('[[schedules]]\nvariable = "tolerance"\nstates = "SUN"\npoints = [[1917, 0.2]]',
         "schedules[0].states: expected a list of codes"),
    ],
)  # fmt: skip
def test_a_variant_with_a_wrong_type_names_the_key(tmp_path, rule, key):
    path = tmp_path / "variant.toml"
    path.write_text(f'[variant]\nname = "typed"\nbase = "historical"\n\n{rule}\n', encoding="utf-8")
    code, err = cli("whatif", "historical", path, "--out", tmp_path / "out")
    assert_message(code, err, str(path), key)


def test_an_out_that_is_a_file_is_a_message(tmp_path):
    target = tmp_path / "file"
    target.write_text("not a folder")
    assert_message(
        *cli("run", "stylized", "--until", "1946", "--out", target, "--quiet"), str(target), "Not a directory"
    )
    code, err = cli("sweep", write_spec(tmp_path), "--out", target, "--scheduler", "sequential", "--quiet")
    assert_message(code, err, str(target))
    assert target.read_text() == "not a folder"


def test_a_read_only_out_is_a_message(tmp_path):
    with read_only(tmp_path) as folder:
        code, err = cli("run", "stylized", "--until", "1946", "--out", folder / "results", "--quiet")
        assert_message(code, err, str(folder / "results"), "Read-only file system")
        code, err = cli("sweep", write_spec(tmp_path), "--out", folder, "--scheduler", "sequential", "--quiet")
        assert_message(code, err, str(folder), "Read-only file system")


def test_a_full_disk_during_a_run_is_a_message_and_leaves_nothing(tmp_path):
    with mount(tmp_path / "disk", "-t", "tmpfs", "-o", "size=512k", "tmpfs") as disk:
        fill(disk, 24 * 1024)
        code, err = cli("run", "stylized", "--out", disk / "results", "--quiet")
        assert_message(code, err, "No space left on device", "expected free space")
        assert not [p for p in (disk / "results").rglob("*") if p.is_file()]  # no partial run, no temporary


def test_a_full_disk_mid_sweep_is_a_message_and_the_sweep_resumes_after(tmp_path):
    spec = write_spec(tmp_path)
    reference = sw.run_sweep(spec, tmp_path / "reference", scheduler="sequential", chunk_size=1, progress=False)
    with mount(tmp_path / "disk", "-t", "tmpfs", "-o", "size=512k", "tmpfs") as disk:
        filler = fill(disk, 64 * 1024)
        args = ("sweep", spec, "--out", disk, "--scheduler", "sequential", "--chunk-size", "1", "--quiet")
        code, err = cli(*args)
        assert_message(code, err, "No space left on device", "rerun the same command")
        assert 0 < len(list((disk / "rel" / "manifests").glob("*.json"))) < 10  # some chunks were committed
        filler.unlink()
        assert cli(*args)[0] == 0
        for table in ("results", "series"):
            got, want = sw.load_results(disk / "rel", table), sw.load_results(reference.folder, table)
            pd.testing.assert_frame_equal(got.drop(columns="runtime_s", errors="ignore"),
                                          want.drop(columns="runtime_s", errors="ignore"))  # fmt: skip


# -- signals ---------------------------------------------------------------------------------------------------


def _sweep_process(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    spec = write_spec(tmp_path, samples=20, until=2000)
    command = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(tmp_path / "out"), "--workers", "2",
               "--chunk-size", "1", "--quiet"]  # fmt: skip
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    manifests = tmp_path / "out" / "rel" / "manifests"
    deadline = time.time() + 300
    while proc.poll() is None and time.time() < deadline and len(list(manifests.glob("*.json"))) < 2:
        time.sleep(0.05)
    assert proc.poll() is None, "the sweep finished before it could be stopped"
    assert len(session_pids(proc.pid)) >= 4  # driver, forkserver, resource tracker, workers
    return proc, spec


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_a_sweep_cleanly_and_it_resumes(tmp_path, signum):
    proc, spec = _sweep_process(tmp_path)
    os.kill(proc.pid, signum)  # the driver only, as `kill PID` or a supervisor would
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, stderr
    assert "Traceback" not in stderr and "rerun the same command" in stderr and signal.Signals(signum).name in stderr
    assert wait_until_gone(proc.pid) == [], "no worker, forkserver or resource tracker may survive"
    finished = sim("sweep", spec, "--out", tmp_path / "out", "--workers", "1", "--quiet", timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert sorted(sw.load_results(tmp_path / "out" / "rel").run_id) == list(range(40))


def test_workers_die_with_a_driver_killed_by_sigkill(tmp_path):
    proc, _ = _sweep_process(tmp_path)
    os.kill(proc.pid, signal.SIGKILL)  # the driver alone: no chance to stop its workers
    proc.communicate(timeout=60)
    assert wait_until_gone(proc.pid) == [], "workers must die with their driver"


def test_sigterm_stops_an_ensemble_cleanly_and_writes_nothing(tmp_path):
    command = [sys.executable, "-m", "sim", "history", "--replicates", "4", "--workers", "2", "--no-counterfactual",
               "--out", str(tmp_path)]  # fmt: skip
    proc = subprocess.Popen(command, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while proc.poll() is None and time.time() < deadline and len(session_pids(proc.pid)) < 5:
        time.sleep(0.05)
    time.sleep(1.0)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 143 and "Traceback" not in stderr, stderr
    assert wait_until_gone(proc.pid) == []
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_an_analysis_can_be_rerun_and_replaces_its_own_folder(finished):
    from sim.analyze import analyze

    folder, _ = finished
    first = analyze(folder)
    assert output.is_program_output(first)
    assert analyze(folder) == first and (first / "indices.csv").exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(".analysis")]


def test_a_worker_killed_from_outside_is_a_message_and_the_sweep_resumes(tmp_path):
    proc, spec = _sweep_process(tmp_path)
    stats = {pid: (Path(f"/proc/{pid}/stat").read_text()) for pid in session_pids(proc.pid)}
    parents = {pid: int(stat[stat.rindex(")") + 2 :].split()[1]) for pid, stat in stats.items()}
    forkserver = next(pid for pid, stat in stats.items() if "forkserver" in Path(f"/proc/{pid}/cmdline").read_text())
    worker = next(pid for pid, parent in parents.items() if parent == forkserver)
    os.kill(worker, signal.SIGKILL)  # as the out-of-memory killer would
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 2 and "Traceback" not in stderr and "a worker process died" in stderr, stderr
    assert wait_until_gone(proc.pid) == []
    finished = sim("sweep", spec, "--out", tmp_path / "out", "--workers", "1", "--quiet", timeout=600)
    assert finished.returncode == 0, finished.stderr
    assert sorted(sw.load_results(tmp_path / "out" / "rel").run_id) == list(range(40))


@pytest.mark.parametrize("assignment", ["end_year=abc", "member_slots=1.5", "citizens=[1]", "start_year=None",
                                        "end_year=1e400"])  # fmt: skip
def test_a_world_override_of_the_wrong_type_is_a_message(tmp_path, assignment):
    code, err = cli("run", "stylized", "--until", "1946", "--out", tmp_path / "out", "--set", assignment, "--quiet")
    assert_message(code, err, "stylized.toml", f"override {assignment.split('=')[0]}: expected an integer")
    assert not (tmp_path / "out").exists()


def test_analysing_a_sweep_with_a_damaged_design_is_a_message(finished):
    folder, _ = finished
    (folder / "design.parquet").write_bytes(b"PAR1 damaged")
    code, err = cli("analyze", folder)
    assert_message(code, err, str(folder / "design.parquet"), "unreadable")
