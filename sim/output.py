"""Writing a run to disk: Parquet tables, metadata, a readable summary and a summary figure.

Every output is a transaction. A run directory is written to a temporary sibling (``.<name>.tmp-<pid>``, holding a
``.sim-temporary`` marker) and renamed into place at the end, so an interrupted or failed run leaves nothing partial
behind; a temporary sibling left by a killed process (its pid dead, or older than a day) is removed by the next
write into the same parent. An existing folder is replaced only when its ``metadata.json`` shows that this program
wrote it; anything else is refused, and so are names such as ``.`` or ``..`` that leave the results folder. Single
files go through :func:`commit_file` (temporary sibling, fsync, rename). Same scenario and seed give byte-identical
Parquet files.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from importlib import metadata as importlib_metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.palette import STATUS_COLOURS
from sim.resources import CHECKOUT, PACKAGE_ROOT
from sim.runner import TABLES, RunResult
from sim.scenario import ScenarioError
from sim.vocab import EventKind

PROGRAM = "communist-systems-sim"
"""The distribution name: ``metadata.json`` files whose ``versions`` name it were written by this program."""
TEMP_MARKER = ".sim-temporary"
"""A file inside every temporary folder: the pid that made it (a folder with a dead pid is a leftover)."""
STALE_AFTER_S = 24 * 3600.0
"""A temporary folder older than this is a leftover even if its pid is alive again (pids are reused)."""
FAULT_ENV = "SIM_FAULT_AT"
"""Fault injection for tests: ``SIM_FAULT_AT=n`` makes the n-th write boundary kill this process with SIGKILL."""
_TEMP_NAME = re.compile(r"^\.(?P<name>.+)\.(?P<kind>tmp|old)-(?P<pid>\d+)$")
_boundaries = 0
MAIN_EVENT_KINDS = tuple(str(k) for k in EventKind if k.main)
"""The event kinds a run's summary lists (the turning points: :attr:`sim.vocab.EventKind.main`)."""


def default_run_name(result: RunResult) -> str:
    """``s<seed>-r<replicates>`` (plus ``-u<year>`` when stopped early): rerunning the same command overwrites it."""
    name = f"s{result.seed}-r{result.replicates}"
    if result.until != result.scenario.spec.scenario.end_year:
        name += f"-u{result.until}"
    return name


class OutputError(ScenarioError):
    """An output folder or name cannot be used (it is not ours, it leaves the results folder, ...)."""


def write_boundary() -> None:
    """Mark a write boundary: with ``SIM_FAULT_AT=n`` the n-th boundary of this process kills it (tests only)."""
    global _boundaries
    target = os.environ.get(FAULT_ENV)
    if not target:
        return
    _boundaries += 1
    if _boundaries == int(target):
        os.kill(os.getpid(), signal.SIGKILL)


def temp_sibling(path: Path) -> Path:
    """The temporary name under which ``path`` is written before it is renamed into place."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def is_temporary(path: Path) -> bool:
    """Whether ``path`` has the name of a temporary sibling (``.<name>.tmp-<pid>``)."""
    match = _TEMP_NAME.match(path.name)
    return match is not None and match["kind"] == "tmp"


def _fsync(path: Path, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def commit_file(path: Path, write: Callable[[Path], None]) -> None:
    """Write one file as a transaction: ``write(temporary)``, fsync, rename onto ``path``, fsync the folder.

    A kill at any instant leaves either the old state or the new file, plus at most a temporary sibling.
    """
    tmp = temp_sibling(path)
    try:
        write(tmp)
        _fsync(tmp)
        write_boundary()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent, directory=True)
    write_boundary()


def write_parquet(frame: pd.DataFrame, path: Path, metadata: Mapping[str, object] | None = None) -> None:
    """Write a DataFrame as Parquet without the index (deterministic bytes for equal data).

    ``metadata`` (provenance) goes, as JSON under the key ``sim``, into the file's key-value metadata.
    """
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        table = table.replace_schema_metadata({**(table.schema.metadata or {}), b"sim": json.dumps(dict(metadata))})
    pq.write_table(table, path, compression="zstd")


def parquet_provenance(path: Path) -> dict[str, object]:
    """The ``sim`` key-value metadata of a Parquet file written by :func:`write_parquet` (empty if none)."""
    meta = pq.read_schema(path).metadata or {}
    return json.loads(meta[b"sim"]) if b"sim" in meta else {}


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages the results depend on."""
    versions = {"python": platform.python_version()}
    for package in ("communist-systems-sim", "mesa", "numpy", "networkx", "pandas", "pyarrow"):
        try:
            versions[package] = importlib_metadata.version(package)
        except importlib_metadata.PackageNotFoundError:
            versions[package] = "not installed"
    return versions


def git_state() -> dict[str, object]:
    """The repository's commit and whether the working tree had uncommitted changes (None outside a checkout)."""
    if CHECKOUT is None:
        return {"git_commit": None, "git_dirty": None}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=CHECKOUT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=CHECKOUT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.strip()
        )
        return {"git_commit": commit, "git_dirty": dirty}
    except (OSError, subprocess.CalledProcessError):
        return {"git_commit": None, "git_dirty": None}


def run_metadata(result: RunResult, command: list[str] | None = None) -> dict[str, object]:
    """Everything needed to reproduce the run (no timestamps, so reruns give identical files)."""
    scenario = result.scenario
    path = scenario.path
    if path is not None:
        try:
            path_text = str(path.resolve().relative_to(PACKAGE_ROOT.parent))  # sim/scenarios/... for shipped files
        except ValueError:
            path_text = str(path)
    else:
        path_text = None
    return {
        "scenario": scenario.name,
        "title": scenario.spec.scenario.title,
        "scenario_file": path_text,
        "scenario_sha256": scenario.sha256,
        "seed": result.seed,
        "replicates": result.replicates,
        "seeds": result.seeds,
        "start_year": scenario.spec.scenario.start_year,
        "until": result.until,
        "convention": scenario.spec.scenario.convention,
        "overrides": {k: v for k, v in result.overrides.items()},
        "command": command,
        "versions": package_versions(),
        **git_state(),
        "tables": {name: list(result.frames[name].columns) for name in TABLES},
    }


def is_program_output(folder: Path) -> bool:
    """Whether ``folder`` holds an output of this program: a ``metadata.json`` whose ``versions`` name it."""
    try:
        meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and isinstance(meta.get("versions"), dict) and PROGRAM in meta["versions"]


def safe_child(root: Path, *names: str) -> Path:
    """``root/names[0]/names[1]/...``, refusing any name that is empty, ``.``, ``..``, hidden, or holds a path
    separator, and any result outside ``root``."""
    path = Path(root)
    for name in names:
        if name in ("", ".", "..") or name.startswith(".") or "/" in name or os.sep in name or "\0" in name:
            raise OutputError(
                f"{root}: folder name {name!r}: expected a plain name (letters, digits, _ - .; not starting with "
                "a dot) that stays inside the results folder"
            )
        path = path / name
    if not path.resolve().is_relative_to(Path(root).resolve()):
        raise OutputError(f"{path}: outside the results folder {root}")
    return path


def _pid_alive(pid: int) -> bool:
    from sim.executors import process_alive

    return pid != os.getpid() and process_alive(pid)  # our own pid: a leftover of an earlier call of this process


def remove_leftovers(parent: Path) -> list[Path]:
    """Remove the temporary folders in ``parent`` left by killed processes, and put back a folder that a killed
    replacement had moved aside; returns what was cleaned. Recognised by name (``.<name>.tmp-<pid>`` with a
    ``.sim-temporary`` marker, or ``.<name>.old-<pid>`` holding an output of this program) and a dead pid or age."""
    cleaned: list[Path] = []
    if not parent.is_dir():
        return cleaned
    for entry in parent.iterdir():
        match = _TEMP_NAME.match(entry.name)
        if match is None or not entry.is_dir() or entry.is_symlink():
            continue
        ours = (entry / TEMP_MARKER).is_file() if match["kind"] == "tmp" else is_program_output(entry)
        if not ours:
            continue
        age = time.time() - entry.stat().st_mtime
        if _pid_alive(int(match["pid"])) and age < STALE_AFTER_S:
            continue
        final = parent / match["name"]
        if match["kind"] == "old" and not final.exists():
            entry.rename(final)  # killed between moving the previous run aside and moving the new one in
        else:
            shutil.rmtree(entry)
        cleaned.append(entry)
    return cleaned


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``final`` to write into; on success it replaces ``final``, on any error
    (or Ctrl-C) it is removed, so a reader never sees a partial directory.

    Raises:
        OutputError: ``final`` exists and is not an output of this program (see :func:`is_program_output`).
    """
    if final.is_symlink() or (final.exists() and not (final.is_dir() and is_program_output(final))):
        raise OutputError(
            f"{final}: exists and is not an output of this program (no metadata.json written by it); refusing to "
            "replace it: choose another name or --out, or move it away"
        )
    final.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(final.parent)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    (tmp / TEMP_MARKER).write_text(f"{os.getpid()}\n", encoding="utf-8")
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    try:
        yield tmp
        (tmp / TEMP_MARKER).unlink()
        write_boundary()
        if final.exists():
            final.rename(old)
        write_boundary()
        tmp.rename(final)
        write_boundary()
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not final.exists():
            old.rename(final)
        raise


def save_figure(fig, path: Path, files: list[str] | None = None) -> None:
    """Lay out, save (reproducibly: no software stamp) and close a matplotlib figure; note its name in ``files``."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})
    plt.close(fig)
    if files is not None:
        files.append(path.name)


def write_json(data: object, path: Path) -> None:
    """Pretty, key-sorted JSON with a final newline (stable diffs), written as a transaction (:func:`commit_file`)."""
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    commit_file(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_run(
    result: RunResult, out: str | Path = "results", name: str | None = None, command: list[str] | None = None
) -> Path:
    """Write ``result`` to ``out/<scenario>/<name>/`` atomically and return that directory.

    Raises:
        OutputError: the name leaves ``out``, or ``out/<scenario>/<name>`` exists and is not a run of this program.
    """
    final = safe_child(Path(out), result.scenario.name, name or default_run_name(result))
    with atomic_dir(final) as tmp:
        for table in TABLES:
            write_parquet(result.frames[table], tmp / f"{table}.parquet")
        write_json(run_metadata(result, command), tmp / "metadata.json")
        text = summary_text(result)
        (tmp / "summary.txt").write_text(text + "\n", encoding="utf-8")
        summary_figure(result, tmp / "summary.png")
    return final


# -- summaries --------------------------------------------------------------------------------------------------


def modal_status(states: pd.DataFrame) -> pd.DataFrame:
    """Most frequent status of each state in each year across replicates (ties: communist > hybrid > non)."""
    order = {"communist": 0, "hybrid": 1, "non_communist": 2}
    counts = states.groupby(["code", "year", "status"]).size().rename("n").reset_index()
    counts["rank"] = counts["status"].map(order)
    counts = counts.sort_values(["code", "year", "n", "rank"], ascending=[True, True, False, True])
    return counts.drop_duplicates(["code", "year"]).pivot(index="code", columns="year", values="status")


def timeline(statuses: pd.Series) -> str:
    """``"1945-1988 communist, 1989-2000 non_communist"`` from a year-indexed status series."""
    spans: list[str] = []
    start = prev_year = None
    prev = None
    for year, status in statuses.items():
        if status != prev:
            if prev is not None:
                spans.append(f"{start}-{prev_year} {prev}" if start != prev_year else f"{start} {prev}")
            start, prev = year, status
        prev_year = year
    if prev is not None:
        spans.append(f"{start}-{prev_year} {prev}" if start != prev_year else f"{start} {prev}")
    return ", ".join(spans)


def status_change_table(states: pd.DataFrame) -> pd.DataFrame:
    """Every status change in every replicate: seed, replicate, code, year, from, to."""
    s = states.sort_values(["seed", "replicate", "code", "year"])
    prev = s.groupby(["seed", "replicate", "code"])["status"].shift()
    changed = s[prev.notna() & (prev != s["status"])].copy()
    changed["from_status"] = prev[changed.index]
    return changed[["seed", "replicate", "code", "year", "from_status", "status"]].rename(
        columns={"status": "to_status"}
    )


def first_changes(states: pd.DataFrame) -> pd.DataFrame:
    """The year of the first occurrence of each kind of status change, per seed and state."""
    changes = status_change_table(states).sort_values("year")
    return changes.groupby(["seed", "code", "from_status", "to_status"]).year.first().reset_index()


def summary_text(result: RunResult, where: Path | None = None) -> str:
    """A readable summary: each state's status timeline, status changes across replicates, the main events."""
    spec = result.scenario.spec
    states = result.frames["states"]
    events = result.frames["events"]
    names = {s.code: s.name for s in spec.states}
    lines = [
        f"Scenario {result.scenario.name}: {spec.scenario.title} ({spec.scenario.start_year}-{result.until}), "
        f"seed {result.seed}, {result.replicates} replicate{'s' if result.replicates != 1 else ''}, "
        f"{spec.scenario.convention} convention",
        "",
        "Status timelines" + (" (most frequent status across replicates)" if result.replicates > 1 else "") + ":",
    ]
    modal = modal_status(states)
    for code in [s.code for s in spec.states]:
        lines.append(f"  {code:<5} {names[code][:22]:<22} {timeline(modal.loc[code])}")
    changes = status_change_table(states)
    if not changes.empty:
        lines += ["", "Status changes (replicates with the change; median year [range]):"]
        grouped = changes.groupby(["code", "from_status", "to_status"])
        order = grouped["year"].median().sort_values().index
        for code, old, new in order:
            years = grouped.get_group((code, old, new))["year"]
            n = years.groupby(changes.loc[years.index, "replicate"]).size().size
            lines.append(
                f"  {code:<5} {old} -> {new}: {n}/{result.replicates}, median {int(years.median())} "
                f"[{years.min()}-{years.max()}]"
            )
    main = events[(events["replicate"] == 0) & events["kind"].isin(MAIN_EVENT_KINDS)]
    main = main[~((main["kind"] == "status") & (main["from_status"] == "non_communist"))]  # entries: see takeovers
    if not main.empty:
        lines += ["", f"Main events (replicate 0, seed {result.seed}):"]
        lines += [f"  {text}" for text in main["text"]]
    if where is not None:
        lines += ["", f"Files in {where}: {', '.join(f'{t}.parquet' for t in TABLES)}, metadata.json, summary.png"]
    return "\n".join(lines)


def summary_figure(result: RunResult, path: Path) -> None:
    """Status counts over time (median and range over replicates) above a state x year status chart."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    spec = result.scenario.spec
    model = result.frames["model"]
    states = result.frames["states"]
    codes = [s.code for s in spec.states]
    fig, (top, bottom) = plt.subplots(
        2, 1, figsize=(11, 4.2 + 0.28 * len(codes)), height_ratios=[2.2, 0.3 * len(codes) + 0.5], sharex=True
    )
    for status, colour in STATUS_COLOURS.items():
        by_year = model.groupby("year")[status]
        median = by_year.median()
        top.plot(median.index, median.values, color=colour if status != "non_communist" else "#7f8c8d", lw=2.2,
                 label=status.replace("_", "-"))  # fmt: skip
        if result.replicates > 1:
            top.fill_between(median.index, by_year.min().values, by_year.max().values, color=colour, alpha=0.25)
    top.set_ylabel("states")
    top.set_title(
        f"{spec.scenario.title}: status of {len(codes)} states"
        + (
            f" (median and range of {result.replicates} replicates)"
            if result.replicates > 1
            else f" (seed {result.seed})"
        )
    )
    top.legend(loc="upper left", frameon=False, ncol=3)
    top.grid(alpha=0.3)
    modal = modal_status(states).loc[codes]
    years = modal.columns.to_numpy()
    index = {"communist": 0, "hybrid": 1, "non_communist": 2}
    grid = modal.apply(lambda col: col.map(index)).to_numpy(dtype=float)
    cmap = ListedColormap([STATUS_COLOURS[s] for s in index])
    bottom.imshow(
        grid, aspect="auto", cmap=cmap, vmin=-0.5, vmax=2.5, interpolation="nearest",
        extent=(years[0] - 0.5, years[-1] + 0.5, len(codes) - 0.5, -0.5),
    )  # fmt: skip
    bottom.set_yticks(range(len(codes)), codes)
    bottom.set_xlabel("year")
    bottom.set_title("status of each state" + (" (most frequent across replicates)" if result.replicates > 1 else ""),
                     fontsize=10)  # fmt: skip
    save_figure(fig, path)


def print_summary(text: str) -> None:
    """Print a summary to standard output."""
    sys.stdout.write(text + "\n")
