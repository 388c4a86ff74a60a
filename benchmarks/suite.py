"""The benchmark suite: one command, a table, and ``benchmarks/results.json`` (run on demand, never in CI).

    uv run python benchmarks/suite.py [--quick]

Measures, on this machine:

1. the historical scenario (1917-2030) and the stylized one (1945-2000), one run at default resolution: wall time
   after import, build included (median of 5 seeds), and time per simulated year; and the package import time;
2. member-heavy runs of the stylized scenario for 100 simulated years (1945-2045) with about 10,000, 100,000 and
   1,000,000 member super-individuals: build and run time, member-updates per second (rows x years / run time),
   peak resident memory, and the scaling ratio (run time at 10x the members over run time at 1x);
3. side by side, in the same process as each member-heavy run: Mesa's own Boltzmann wealth example
   (``mesa.examples``) with the same number of agents on a square grid of about one cell per agent, its
   agent-steps per second, and the ratio of our member-updates per second to it.

Each size runs in a fresh subprocess so that its peak memory is its own. ``--quick`` skips the 1,000,000 case.
Goals (issue 6): updates/s >= 10x Boltzmann; 1M members x 100 years < 30 s and < 2 GB; scaling <= 12x; historical
run < 1 s after import. With ``--against CHECKOUT`` (issue 13, item 5) it also times, beside that checkout in
interleaved repeats (``bench_core.py``), one historical run (goal: 5x faster), 1,000,000 members x 100 years
(goal: under 10 s and 1 GB) and ``sim history`` (goal: under 10 s); sweep throughput and Dask efficiency are
measured by ``bench_sweep.py throughput --scenario historical [--scheduler local]``.
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZES = (10_000, 100_000, 1_000_000)
BOLTZMANN_STEPS = {10_000: 20, 100_000: 5, 1_000_000: 2}


def member_case(n: int) -> dict:
    """Our stylized model with about ``n`` members for 100 years, then Boltzmann with ``n`` agents (same process)."""
    import resource

    from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

    from sim import CommunistWorld
    from sim.scenario import load

    parties = sum(p.family == "communist" for p in load("stylized").spec.parties)
    started = time.perf_counter()
    model = CommunistWorld("stylized", rng=1, member_slots=n // parties, end_year=2045)
    built = time.perf_counter()
    model.run()
    ended = time.perf_counter()
    rows, years = model.members.size, model.year - model.start_year
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ours = rows * years / (ended - built)
    del model
    side = max(1, round(math.sqrt(n)))
    b0 = time.perf_counter()
    boltzmann = BoltzmannWealth(BoltzmannScenario(n=n, width=side, height=side, rng=1))
    b1 = time.perf_counter()
    steps = BOLTZMANN_STEPS.get(n, 3)
    for _ in range(steps):
        boltzmann.step()
    b2 = time.perf_counter()
    theirs = n * steps / (b2 - b1)
    return {
        "members": rows,
        "years": years,
        "build_s": built - started,
        "run_s": ended - built,
        "wall_s": ended - started,
        "member_updates_per_s": ours,
        "peak_mb": peak_mb,
        "boltzmann_agents": n,
        "boltzmann_build_s": b1 - b0,
        "boltzmann_steps": steps,
        "boltzmann_agent_steps_per_s": theirs,
        "ratio_to_boltzmann": ours / theirs,
    }


def scenario_case(name: str = "historical") -> dict:
    """One run of a scenario at its default resolution (median of 5 seeds), build included, after import."""
    from sim import CommunistWorld

    CommunistWorld(name, rng=0).run(CommunistWorld(name, rng=0).start_year + 5)  # warm lazily imported modules
    runs = []
    for seed in range(1, 6):
        started = time.perf_counter()
        model = CommunistWorld(name, rng=seed).run()
        runs.append(time.perf_counter() - started)
    years = model.year - model.start_year
    wall = statistics.median(runs)
    return {"run_s": wall, "years": years, "ms_per_year": 1000 * wall / years, "members": model.members.size,
            "runs_s": runs}  # fmt: skip


def historical_case() -> dict:
    return scenario_case("historical")


def stylized_case() -> dict:
    return scenario_case("stylized")


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import sim.model; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def in_subprocess(case: str, n: int = 0) -> dict:
    call = f"suite.{case}({n or ''})"
    code = f"import json, sys; sys.path.insert(0, {str(HERE)!r}); import suite; print(json.dumps({call}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{case}({n}) failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def versions() -> dict:
    from importlib.metadata import version

    return {p: version(p) for p in ("mesa", "numpy", "pandas", "solara")} | {"python": platform.python_version()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="skip the 1,000,000-member case")
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        help="also time the issue-13 cases beside this checkout (bench_core.py), e.g. /work/main",
    )
    parser.add_argument("--repeats", type=int, default=3, help="interleaved A/B repeats with --against")
    args = parser.parse_args()
    import os

    sizes = SIZES[:2] if args.quick else SIZES
    results: dict = {"date": date.today().isoformat(), "machine": {"cpus": os.cpu_count(), **versions(),
                     "platform": platform.platform()}}  # fmt: skip
    print("import ...", flush=True)
    results["import_s"] = import_seconds()
    print("historical ...", flush=True)
    results["historical"] = in_subprocess("historical_case")
    print("stylized ...", flush=True)
    results["stylized"] = in_subprocess("stylized_case")
    results["members"] = {}
    for n in sizes:
        print(f"{n:,} members and Boltzmann ...", flush=True)
        results["members"][str(n)] = in_subprocess("member_case", n)
    runs = [results["members"][str(n)]["run_s"] for n in sizes]
    results["scaling"] = {f"{sizes[i + 1]}/{sizes[i]}": runs[i + 1] / runs[i] for i in range(len(sizes) - 1)}
    h = results["historical"]
    one_m = results["members"].get("1000000")
    results["goals"] = {
        "historical_under_1s": h["run_s"] < 1.0,
        "ratio_to_boltzmann_at_least_10": all(m["ratio_to_boltzmann"] >= 10 for m in results["members"].values()),
        "scaling_at_most_12": all(r <= 12 for r in results["scaling"].values()),
        "one_million_under_30s_and_2gb": (one_m["wall_s"] < 30 and one_m["peak_mb"] < 2048) if one_m else None,
    }
    if args.against is not None:
        sys.path.insert(0, str(HERE))
        import bench_core

        versus = bench_core.compare(HERE.parent, args.against, list(bench_core.CASES), args.repeats)
        results["versus"] = versus
        cases = versus["cases"]
        results["goals"] |= {
            "historical_5x_faster": cases["historical"]["median"]["speedup"] >= 5,
            "one_million_under_10s_and_1gb": cases["members"]["median"]["this"]["wall_s"] < 10
            and cases["members"]["median"]["this"]["peak_mb"] < 1024,
            "history_under_10s": cases["history"]["median"]["this"]["wall_s"] < 10,
        }
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print()
    print(f"import of the package: {results['import_s']:.2f} s")
    print(f"historical run (1917-2030, median of 5): {h['run_s']:.3f} s after import, {h['ms_per_year']:.2f} ms/year")
    st = results["stylized"]
    rows = f"{st['members']:,} member rows"
    print(f"stylized run (1945-2000, {rows}): {st['run_s']:.3f} s, {st['ms_per_year']:.2f} ms/year")
    print()
    print(f"{'members':>10} {'build s':>8} {'run s':>7} {'updates/s':>12} {'peak MB':>8} | "
          f"{'Boltzmann steps/s':>17} {'ratio':>6}")  # fmt: skip
    for m in results["members"].values():
        ours = f"{m['members']:>10,} {m['build_s']:>8.2f} {m['run_s']:>7.2f} {m['member_updates_per_s']:>12,.0f}"
        theirs = f"{m['boltzmann_agent_steps_per_s']:>17,.0f} {m['ratio_to_boltzmann']:>6.1f}"
        print(f"{ours} {m['peak_mb']:>8.0f} | {theirs}")
    for k, v in results["scaling"].items():
        print(f"scaling {k}: {v:.2f}x the time")
    print(f"goals: {json.dumps(results['goals'])}")
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
