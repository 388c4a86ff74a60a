"""Writing a run to disk: Parquet tables, metadata, a readable summary and a summary figure.

A run directory is written to a temporary sibling first and renamed into place at the end, so an interrupted or
failed run leaves nothing partial behind. Same scenario and seed give byte-identical Parquet files.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import metadata as importlib_metadata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.palette import STATUS_COLOURS
from sim.runner import TABLES, RunResult

REPO_ROOT = Path(__file__).resolve().parent.parent
MAIN_EVENT_KINDS = (
    "status",
    "takeover",
    "split",
    "expulsion",
    "rival_centre",
    "intervention",
    "concession",
    "crackdown",
    "coalition",
    "coup",
    "readmission",
)


def default_run_name(result: RunResult) -> str:
    """``s<seed>-r<replicates>`` (plus ``-u<year>`` when stopped early): rerunning the same command overwrites it."""
    name = f"s{result.seed}-r{result.replicates}"
    if result.until != result.scenario.spec.scenario.end_year:
        name += f"-u{result.until}"
    return name


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write a DataFrame as Parquet without the index (deterministic bytes for equal data)."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, path, compression="zstd")


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
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain", "--untracked-files=no"],
                cwd=REPO_ROOT,
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
            path_text = str(path.resolve().relative_to(REPO_ROOT))
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


@contextmanager
def atomic_dir(final: Path) -> Iterator[Path]:
    """Yield a temporary sibling of ``final`` to write into; on success it replaces ``final``, on any error
    (or Ctrl-C) it is removed, so a reader never sees a partial directory."""
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        old = final.with_name(f".{final.name}.old-{os.getpid()}")
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        if old.exists():
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
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
    """Pretty, key-sorted JSON with a final newline (stable diffs)."""
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def write_run(
    result: RunResult, out: str | Path = "results", name: str | None = None, command: list[str] | None = None
) -> Path:
    """Write ``result`` to ``out/<scenario>/<name>/`` atomically and return that directory."""
    final = Path(out) / result.scenario.name / (name or default_run_name(result))
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
