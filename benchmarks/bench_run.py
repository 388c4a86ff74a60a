"""Time the stylized scenario and a member-heavy variant (run on demand; never part of the test suite).

    uv run python benchmarks/bench_run.py [--repeats 5] [--members 100000]

Prints, for each case: member rows, construction time, run time (whole scenario), time per simulated year and
member-updates per second, as the median of ``--repeats`` runs with different seeds, plus peak memory (tracemalloc)
of one run.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

from sim import CommunistWorld
from sim.scenario import load


def slots_for(total_members: int) -> int:
    """member_slots per Communist party giving about ``total_members`` member rows in the stylized world."""
    n_parties = sum(p.family == "communist" for p in load("stylized").spec.parties)
    return max(45, total_members // n_parties)


def time_case(overrides: dict, repeats: int) -> dict:
    build, run, rows, years = [], [], 0, 0
    for seed in range(repeats):
        t0 = time.perf_counter()
        model = CommunistWorld("stylized", rng=seed, **overrides)
        t1 = time.perf_counter()
        model.run()
        t2 = time.perf_counter()
        build.append(t1 - t0)
        run.append(t2 - t1)
        rows, years = model.members.size, model.year - model.start_year
    tracemalloc.start()
    CommunistWorld("stylized", rng=0, **overrides).run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    run_s = statistics.median(run)
    return {
        "member_rows": rows,
        "years": years,
        "build_s": statistics.median(build),
        "run_s": run_s,
        "per_year_ms": 1000 * run_s / years,
        "member_updates_per_s": rows * years / run_s,
        "peak_mb": peak / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--members", type=int, default=100_000)
    args = parser.parse_args()
    cases = {
        "stylized (default resolution)": {},
        f"stylized, {args.members:,} members": {"member_slots": slots_for(args.members)},
    }
    print(f"{'case':<34} {'rows':>9} {'build s':>8} {'run s':>7} {'ms/year':>8} {'updates/s':>11} {'peak MB':>8}")
    for name, overrides in cases.items():
        r = time_case(overrides, args.repeats)
        print(
            f"{name:<34} {r['member_rows']:>9,} {r['build_s']:>8.3f} {r['run_s']:>7.3f} {r['per_year_ms']:>8.2f} "
            f"{r['member_updates_per_s']:>11,.0f} {r['peak_mb']:>8.1f}"
        )


if __name__ == "__main__":
    main()
