"""Time a what-if comparison as ``sim whatif`` runs it (run on demand; never part of the test suite).

    uv run python benchmarks/bench_whatif.py [--replicates 50] [--variant conservative_1985] [--workers N]

Prints the wall time of each phase: the baseline ensemble, the variant ensemble (both on ``--workers`` processes,
default all cores), and the comparison with its figures and tables written to a temporary folder; and the total.
The ~3 s import of the package is timed separately (``sim whatif`` pays it once).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

T0 = time.perf_counter()
from sim.ensemble import run_ensemble  # noqa: E402
from sim.executors import default_workers  # noqa: E402
from sim.scenario import load  # noqa: E402
from sim.variants import load_variant  # noqa: E402
from sim.whatif import write_comparison  # noqa: E402

IMPORT_S = time.perf_counter() - T0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--replicates", type=int, default=50)
    parser.add_argument("--variant", default="conservative_1985")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    workers = args.workers or default_workers()
    seeds = list(range(1, args.replicates + 1))
    base = load("historical")
    variant = load_variant(args.variant)
    world = variant.apply(base)
    phases = {}
    start = t = time.perf_counter()
    b = run_ensemble(base, seeds, workers, progress=False)
    phases["baseline ensemble"], t = time.perf_counter() - t, time.perf_counter()
    v = run_ensemble(world, seeds, workers, progress=False)
    phases["variant ensemble"], t = time.perf_counter() - t, time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_comparison(b, v, variant.title, "", Path(tmp) / "cmp", {"seeds": seeds})
    phases["comparison, figures, tables"] = time.perf_counter() - t
    total = time.perf_counter() - start
    print(f"what-if {args.variant} vs historical, {args.replicates} replicates each, {workers} workers")
    print(f"  {'package import':<30} {IMPORT_S:6.1f} s")
    for name, seconds in phases.items():
        print(f"  {name:<30} {seconds:6.1f} s")
    print(f"  {'total (after import)':<30} {total:6.1f} s")
    print(f"  {'total with import':<30} {total + IMPORT_S:6.1f} s")
    rate = 2 * args.replicates / (phases["baseline ensemble"] + phases["variant ensemble"])
    print(f"  {'runs per second':<30} {rate:6.2f}")


if __name__ == "__main__":
    main()
