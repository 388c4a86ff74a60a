"""Run one scenario for many seeds, in parallel, and keep every replicate's tables.

Used by ``sim history`` and ``sim whatif``. Replicate ``i`` uses seed ``seed + i`` (as ``sim run`` does), so a
baseline and a variant run with the same seeds draw the same random numbers wherever they do not differ (each
random process has its own named stream: :mod:`sim.streams`).
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import pandas as pd

from sim.scenario import Scenario


def _run(args: tuple[Scenario, int, int, int | None]) -> dict[str, pd.DataFrame]:
    scenario, seed, replicate, until = args
    from sim.runner import model_frames, run_model

    model = run_model(scenario, seed, until)
    return model_frames(model, seed, replicate)


@dataclass
class Ensemble:
    """The tables of every replicate of one scenario, in seed order."""

    scenario: Scenario
    seeds: list[int]
    runs: list[dict[str, pd.DataFrame]] = field(default_factory=list)

    def table(self, name: str) -> pd.DataFrame:
        """One table of all replicates stacked (with its ``seed`` column)."""
        return pd.concat([run[name] for run in self.runs], ignore_index=True)

    def plot_status(self, ax=None):
        """States by status and year (median and band across seeds): :func:`sim.plots.plot_status`."""
        from sim.plots import plot_status

        return plot_status(self.table("states"), ax, self.scenario.spec.scenario.title or self.scenario.name)

    def plot_features(self, code: str):
        """The six feature indicators of state ``code`` against their thresholds: :func:`sim.plots.plot_features`."""
        from sim.plots import plot_features, thresholds_of

        return plot_features(self.table("states"), code, thresholds_of(self.scenario))


def process_pool(workers: int) -> ProcessPoolExecutor:
    """A pool whose workers fork from a clean server process that has already imported the model (fast start; no
    fork of a multi-threaded parent). Falls back to the platform default where forkserver does not exist."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sim.model", "sim.runner"])
        return ProcessPoolExecutor(workers, mp_context=ctx)
    return ProcessPoolExecutor(workers)


def default_workers() -> int:
    """All cores."""
    return max(1, os.cpu_count() or 1)


def run_ensemble(
    scenario: Scenario,
    seeds: list[int],
    workers: int | None = None,
    until: int | None = None,
    progress: bool = True,
    label: str | None = None,
    executor: Executor | None = None,
) -> Ensemble:
    """Run ``scenario`` once per seed (``workers`` processes; 1 = in this process) and collect the tables."""
    jobs = [(scenario, seed, i, until) for i, seed in enumerate(seeds)]
    bar = None
    if progress:
        from sim.console import progress_bar

        bar = progress_bar(total=len(jobs), desc=label or scenario.name, unit="run", leave=False)
    runs: list[dict[str, pd.DataFrame]] = []
    workers = workers or default_workers()
    try:
        if executor is None and workers == 1:
            for job in jobs:
                runs.append(_run(job))
                if bar:
                    bar.update()
        else:
            own = executor is None
            pool = executor or process_pool(workers)
            try:
                for frames in pool.map(_run, jobs, chunksize=max(1, len(jobs) // (4 * workers))):
                    runs.append(frames)
                    if bar:
                        bar.update()
            except BrokenProcessPool as exc:
                raise RuntimeError(
                    "a worker process died before finishing its runs. If this was started from a script, put the "
                    'code that runs ensembles under `if __name__ == "__main__":` (worker processes re-import the '
                    "main script), or pass workers=1"
                ) from exc
            finally:
                if own:
                    pool.shutdown(cancel_futures=True)
    finally:
        if bar:
            bar.close()
    return Ensemble(scenario, list(seeds), runs)
