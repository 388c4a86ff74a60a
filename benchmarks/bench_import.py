"""Start-up time: ``import sim``, ``sim --help`` and the model's import, each in fresh processes (run on demand).

    uv run python benchmarks/bench_import.py [--repeats 15] [--compare /path/to/other/checkout/.venv]

Like ``hyperfine``: every command runs ``--repeats`` times in a new process after two warm-up runs, and the table
gives the median, the minimum and the maximum wall time. ``--compare`` times the same commands with another
environment's interpreter and ``sim`` (for instance the main checkout's ``.venv``) in the same run, interleaved
with this one, so both see the same load. The figures go to ``benchmarks/import.json``; the slowest imports of
``sim --help`` (``python -X importtime``) are listed below the table. Goal (issue 13): ``import sim`` and
``sim --help`` under 1 s.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
GOAL_S = 1.0
COMMANDS = {
    "import sim": ["{python}", "-c", "import sim"],
    "sim --help": ["{sim}", "--help"],
    "sim --version": ["{sim}", "--version"],
    "import sim.model (Mesa, pandas, scipy)": ["{python}", "-c", "import sim.model"],
}


def environment(venv: Path) -> dict[str, str]:
    """The interpreter and the ``sim`` script of a virtual environment."""
    return {"python": str(venv / "bin" / "python"), "sim": str(venv / "bin" / "sim")}


def once(command: list[str]) -> float | None:
    """Wall time of one run of ``command`` (output discarded), or None when it fails (a command the other
    environment does not have, such as ``--version`` before it existed)."""
    started = time.perf_counter()
    proc = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started if proc.returncode == 0 else None


def slowest_imports(python: str, code: str, top: int = 8) -> list[tuple[str, float]]:
    """The modules with the largest cumulative import time when running ``code`` (``-X importtime``)."""
    proc = subprocess.run([python, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    rows = []
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = (part.strip() for part in line.removeprefix("import time:").split("|"))
            rows.append((name, int(cumulative) / 1e6))
    return sorted(rows, key=lambda r: -r[1])[:top]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--compare", type=Path, help="another virtual environment to time side by side")
    args = parser.parse_args()
    envs = {"this": environment(Path(sys.prefix))}
    if args.compare:
        envs["compare"] = environment(args.compare)
    times: dict[str, dict[str, list[float]]] = {name: {} for name in envs}
    for label, template in COMMANDS.items():
        runs = {}
        for name, env in envs.items():
            command = [part.format(**env) for part in template]
            if all(once(command) is not None for _ in range(2)):  # two warm-up runs; skipped where it fails
                runs[name] = command
        for _ in range(args.repeats):
            for name, command in runs.items():  # interleaved, so both environments see the same load
                times[name].setdefault(label, []).append(once(command) or float("nan"))
    result = {
        "date": date.today().isoformat(),
        "machine": {"python": platform.python_version(), "platform": platform.platform()},
        "repeats": args.repeats,
        "goal_s": GOAL_S,
        "environments": {name: str(Path(env["python"]).parent.parent) for name, env in envs.items()},
        "median_s": {name: {k: statistics.median(v) for k, v in t.items()} for name, t in times.items()},
        "min_s": {name: {k: min(v) for k, v in t.items()} for name, t in times.items()},
        "max_s": {name: {k: max(v) for k, v in t.items()} for name, t in times.items()},
        "slowest_imports_of_sim_help": slowest_imports(
            envs["this"]["python"], "import sim.cli; sim.cli.app(['--help'], standalone_mode=False)"
        ),
    }
    (HERE / "import.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    header = f"{'command':<40} " + " ".join(f"{name + ' median (min-max) s':>28}" for name in envs)
    print(header)
    for label in COMMANDS:
        cells = []
        for name in envs:
            if label not in times[name]:
                cells.append("n/a".rjust(28))
                continue
            med, lo, hi = (result[k][name][label] for k in ("median_s", "min_s", "max_s"))
            cells.append(f"{med:>12.3f} ({lo:.3f}-{hi:.3f})".rjust(28))
        print(f"{label:<40} " + " ".join(cells))
    for label in ("import sim", "sim --help"):
        met = result["median_s"]["this"][label] < GOAL_S
        print(f"goal {label} < {GOAL_S:g} s: {'met' if met else 'NOT met'}")
    print("slowest imports of `sim --help` (cumulative s):")
    for name, seconds in result["slowest_imports_of_sim_help"]:
        print(f"  {seconds:6.3f}  {name}")


if __name__ == "__main__":
    main()
