"""The model core's speed beside another checkout's, in interleaved A/B repeats (run on demand, never in CI).

    uv run python benchmarks/bench_core.py --against /work/main [--repeats 3] [--cases historical,members,history]

Each measurement runs in a fresh subprocess of a checkout's own environment (``<checkout>/.venv/bin/python``,
started in that checkout, so it imports that checkout's ``sim``); the two checkouts take turns, repeat by repeat,
in alternating order, so that a machine shared with other work slows both alike. Medians over the repeats are
printed side by side with the speed-up, and written to ``benchmarks/results-core.json``.

Cases (issue 13, item 5):

- ``historical``: one historical run (1917-2030, default resolution), build included, after import and a warm-up
  run: the median of three seeds per repeat, and the time per simulated year;
- ``members``: the stylized scenario with about 1,000,000 member rows for 100 years (1945-2045): build, run and
  peak resident memory of the process;
- ``history``: the command ``sim history`` (30 seeds and the counterfactual, on every core), wall time.

Sweep throughput (historical runs an hour) and the Dask parallel efficiency are in ``bench_sweep.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

HISTORICAL = """
import json, time
from sim import CommunistWorld
CommunistWorld("historical", rng=0).run()  # warm-up: lazily imported modules, caches
runs = []
for seed in (1, 2, 3):
    started = time.perf_counter()
    model = CommunistWorld("historical", rng=seed).run()
    runs.append(time.perf_counter() - started)
print(json.dumps({"runs_s": runs, "years": model.year - model.start_year}))
"""

MEMBERS = """
import json, resource, time
from sim import CommunistWorld
from sim.scenario import load
parties = sum(p.family == "communist" for p in load("stylized").spec.parties)
started = time.perf_counter()
model = CommunistWorld("stylized", rng=1, member_slots={n} // parties, end_year=2045)
built = time.perf_counter()
model.run()
ended = time.perf_counter()
print(json.dumps({{"members": model.members.size, "years": model.year - model.start_year, "build_s": built - started,
                  "run_s": ended - built, "wall_s": ended - started,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def python_of(checkout: Path) -> Path:
    """The interpreter of a checkout's own environment."""
    python = checkout / ".venv" / "bin" / "python"
    if not python.exists():
        raise SystemExit(f"{checkout}: no .venv/bin/python (run `uv sync --frozen` there first)")
    return python


def run_script(checkout: Path, code: str) -> dict:
    """Run ``code`` in a fresh process of ``checkout``'s environment; its last stdout line is JSON."""
    out = subprocess.run(
        [str(python_of(checkout)), "-c", code], cwd=checkout, capture_output=True, text=True, env=_env(checkout)
    )
    if out.returncode != 0:
        raise RuntimeError(f"{checkout}: measurement failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _env(checkout: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PYTHONPATH"] = str(checkout)
    return env


def historical(checkout: Path) -> dict:
    result = run_script(checkout, HISTORICAL)
    wall = statistics.median(result["runs_s"])
    return {"run_s": wall, "ms_per_year": 1000 * wall / result["years"], "runs_s": result["runs_s"]}


def members(checkout: Path, n: int = 1_000_000) -> dict:
    return run_script(checkout, MEMBERS.format(n=n))


def history(checkout: Path) -> dict:
    """Wall time of ``sim history`` (30 seeds and the counterfactual), import included, into a scratch folder."""
    sim = checkout / ".venv" / "bin" / "sim"
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        started = time.perf_counter()
        out = subprocess.run(
            [str(sim), "history", "--out", tmp], cwd=checkout, capture_output=True, text=True, env=_env(checkout)
        )
        wall = time.perf_counter() - started
    if out.returncode != 0:
        raise RuntimeError(f"{checkout}: sim history failed:\n{out.stderr[-2000:]}")
    return {"wall_s": wall}


def _medians(runs: list[dict]) -> dict:
    """The median of every scalar figure over the repeats."""
    scalars = [key for key, value in runs[0].items() if not isinstance(value, list)]
    return {key: statistics.median(r[key] for r in runs) for key in scalars}


CASES = {"historical": historical, "members": members, "history": history}
HEADLINE = {"historical": "run_s", "members": "wall_s", "history": "wall_s"}


def compare(this: Path, against: Path, cases: list[str], repeats: int = 3) -> dict:
    """Every case on both checkouts, in interleaved repeats; medians per side and the speed-up of ``this``."""
    unknown = sorted(set(cases) - set(CASES))
    if unknown:
        raise SystemExit(f"--cases: unknown {unknown}; expected some of {sorted(CASES)}")
    sides = {"this": this.resolve(), "against": against.resolve()}
    results: dict = {"date": date.today().isoformat(), "cpus": os.cpu_count(), "repeats": repeats,
                     "checkouts": {k: str(v) for k, v in sides.items()}, "cases": {}}  # fmt: skip
    for case in cases:
        samples: dict[str, list[dict]] = {"this": [], "against": []}
        for r in range(repeats):
            order = ("this", "against") if r % 2 == 0 else ("against", "this")
            for side in order:
                print(f"{case} repeat {r + 1}/{repeats}: {side} ...", file=sys.stderr, flush=True)
                samples[side].append(CASES[case](sides[side]))
        medians = {side: _medians(runs) for side, runs in samples.items()}
        key = HEADLINE[case]
        medians["speedup"] = medians["against"][key] / medians["this"][key]
        results["cases"][case] = {"median": medians, "samples": samples}
        print(f"{case}: this {medians['this']}  against {medians['against']}  speed-up {medians['speedup']:.2f}x")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--against", type=Path, required=True, help="the other checkout (e.g. /work/main)")
    parser.add_argument("--this", type=Path, default=ROOT, help="this checkout (default: the one holding this file)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved A/B repeats per case")
    parser.add_argument("--cases", default="historical,members,history", help="comma-separated: " + ", ".join(CASES))
    parser.add_argument("--out", type=Path, default=HERE / "results-core.json")
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    results = compare(args.this, args.against, cases, args.repeats)
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
