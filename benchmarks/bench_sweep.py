"""Sweep throughput with 1 and 2 workers, and the driver's memory on a 100,000-run design (run on demand).

    uv run python benchmarks/bench_sweep.py throughput [--runs 200] [--scenario historical] [--scheduler local]
    uv run python benchmarks/bench_sweep.py memory [--runs 100000]

``throughput`` first measures the machine's own parallel efficiency for this work, without any sweep machinery (20
stylized runs in one process, then 20 runs in each of two independent processes at once): on a machine whose two
vCPUs do not give two cores' worth of throughput, no sweep can do better than that ceiling.
Then it runs the same LHS sweep of the stylized scenario (full runs, 1945-2000) with a process pool of 1 and
of 2 workers and prints runs per second, counted from the first finished chunk to the last (the one-off start of
the worker processes is reported apart), runs an hour, and the parallel efficiency rate(2) / (2 rate(1)).
``--scenario historical`` sweeps the historical scenario (1917-2030; the runs a calibration draws) instead;
``--scheduler local`` runs the sweep on a local Dask cluster of 1 and of 2 single-threaded worker processes
(the executor a cluster gives) instead of the process pool.

``memory`` runs a 100,000-run LHS design of one-year runs of the stylized scenario on 2 workers and samples the
driver process's resident memory every 2 s; it prints the peak (``ru_maxrss``) and the samples' quartiles, to show
that memory stays flat while the results stream to disk.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

from sim import sweep as sw

SPEC = """
[sweep]
name = "bench"
scenario = "{scenario}"
design = "lhs"
samples = {samples}
replicates = 1
seed = 1
{until}

[parameters.belief_erosion]
range = [0.1, 0.6]

[parameters.contagion]
range = [0.0, 0.7]

[outcomes]
scalars = ["communist:1946", "exit_year:*", "peak_dissent"]
"""


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def spec(tmp: Path, samples: int, until: str = "", scenario: str = "stylized") -> sw.Sweep:
    path = tmp / "bench.toml"
    path.write_text(SPEC.format(samples=samples, until=until, scenario=scenario), encoding="utf-8")
    return sw.load_spec(path)


def _models(n: int, scenario: str = "stylized") -> float:
    from sim import CommunistWorld

    CommunistWorld(scenario, rng=0, collect=("states",)).run()  # warm up
    started = time.perf_counter()
    for seed in range(n):
        CommunistWorld(scenario, rng=seed, collect=("states",)).run()
    return time.perf_counter() - started


def machine_ceiling(n: int = 20, scenario: str = "stylized") -> float:
    """Parallel efficiency of this machine for this work, with no sweep machinery: ``n`` stylized runs in one
    process, then ``n`` runs in each of two independent processes at once (1.0 = twice the work in the same time)."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1) as pool:
        alone = pool.submit(_models, n, scenario).result()
    with ProcessPoolExecutor(2) as pool:
        together = max(pool.map(_models, [n, n], [scenario, scenario]))
    return alone / together


def throughput(runs: int, scenario: str = "stylized", scheduler: str = "pool") -> None:
    ceiling = machine_ceiling(10 if scenario == "historical" else 20, scenario)
    print(f"machine: 2 independent processes running the model reach {ceiling:.0%} parallel efficiency (the ceiling)")
    rates = {}
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as tmp:
            sweep = spec(Path(tmp), runs, scenario=scenario)
            started = time.perf_counter()
            parts = Path(tmp) / "out" / "bench" / "results"  # one Parquet file per finished chunk
            first: list[float] = []

            def watch(parts=parts, first=first) -> None:
                while not first:
                    if parts.exists() and any(parts.glob("chunk-*.parquet")):
                        first.append(time.perf_counter())
                    time.sleep(0.01)

            threading.Thread(target=watch, daemon=True).start()
            result = sw.run_sweep(sweep, Path(tmp) / "out", workers=workers, scheduler=scheduler, progress=False)
            ended = time.perf_counter()
            first_chunk = first[0] if first else started
            chunks = len(list(parts.glob("chunk-*.parquet")))
            first_runs = runs / chunks
            steady = (result.done - first_runs) / (ended - first_chunk)
            rates[workers] = steady
            print(f"{workers} worker(s): {result.done} runs in {ended - started:.1f} s wall "
                  f"(first chunk after {first_chunk - started:.1f} s), steady {steady:.2f} runs/s, "
                  f"{3600 * steady:,.0f} runs an hour")  # fmt: skip
    efficiency = rates[2] / (2 * rates[1])
    print(f"{scenario}, {scheduler}: parallel efficiency rate(2) / (2 rate(1)) = {efficiency:.0%} "
          f"({efficiency / ceiling:.0%} of the ceiling)")  # fmt: skip


def memory(runs: int) -> None:
    samples: list[float] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(rss_mb())
            stop.wait(2.0)

    with tempfile.TemporaryDirectory() as tmp:
        sweep = spec(Path(tmp), runs, "until = 1946")
        before = rss_mb()
        thread = threading.Thread(target=sample, daemon=True)
        thread.start()
        started = time.perf_counter()
        result = sw.run_sweep(sweep, Path(tmp) / "out", workers=2, progress=True)
        stop.set()
        thread.join()
        elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    q = np.percentile(samples, [0, 25, 50, 75, 100])
    print(f"{result.done} runs ({result.failed} failed) in {elapsed:.0f} s on 2 workers")
    print(f"driver resident memory: before {before:.0f} MB, peak {peak:.0f} MB; samples every 2 s: "
          f"min {q[0]:.0f}, quartiles {q[1]:.0f}/{q[2]:.0f}/{q[3]:.0f}, max {q[4]:.0f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["throughput", "memory"])
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--scenario", choices=["stylized", "historical"], default="stylized")
    parser.add_argument("--scheduler", choices=["pool", "local"], default="pool", help="local: a local Dask cluster")
    args = parser.parse_args()
    if args.what == "throughput":
        throughput(args.runs or 200, args.scenario, args.scheduler)
    else:
        memory(args.runs or 100_000)


if __name__ == "__main__":
    main()
