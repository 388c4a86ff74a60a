"""Run one scenario for many seeds, in parallel, and keep every replicate's tables.

Used by ``sim history`` and ``sim whatif``. Replicate ``i`` uses seed ``seed + i`` (as ``sim run`` does), so a
baseline and a variant run with the same seeds draw the same random numbers wherever they do not differ (each
random process has its own named stream: :mod:`sim.streams`).
"""

from __future__ import annotations

from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import pandas as pd

from sim.executors import default_workers, make_executor
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


def run_jobs(
    jobs: list[tuple[Scenario, int, int, int | None]],
    workers: int | None = None,
    progress: bool = True,
    label: str = "runs",
    executor: Executor | None = None,
) -> list[dict[str, pd.DataFrame]]:
    """Run every ``(world, seed, replicate, until)`` job (``workers`` processes; 1 = in this process) and return each
    run's tables, in job order. The one runner of replicate sets: ensembles, what-ifs and posterior draws."""
    bar = None
    if progress:
        from sim.console import progress_bar

        bar = progress_bar(total=len(jobs), desc=label, unit="run", leave=False)
    runs: list[dict[str, pd.DataFrame]] = []
    workers = workers or default_workers()
    own = make_executor(workers) if executor is None else None
    pool = executor or own.executor
    abandon = True
    try:
        for frames in pool.map(_run, jobs, chunksize=max(1, len(jobs) // (4 * workers))):
            runs.append(frames)
            if bar:
                bar.update()
        abandon = False
    except BrokenProcessPool as exc:
        raise RuntimeError(
            "a worker process died before finishing its runs. If this was started from a script, put the "
            'code that runs ensembles under `if __name__ == "__main__":` (worker processes re-import the '
            "main script), or pass workers=1"
        ) from exc
    finally:
        if own is not None:
            own.close(abandon)  # after an error or a signal, the runs in flight are abandoned
        if bar:
            bar.close()
    return runs


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
    runs = run_jobs(jobs, workers, progress, label or scenario.name, executor)
    return Ensemble(scenario, list(seeds), runs)
