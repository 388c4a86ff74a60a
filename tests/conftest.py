"""Shared fixtures: cached stylized runs, so pattern tests reuse one ensemble."""

from __future__ import annotations

import functools
import os

import pandas as pd
import pytest

from sim import CommunistWorld

CI_SEEDS = tuple(range(4))
"""Seeds of the ensemble pattern tests in CI; ``--ensemble`` (marker ``ensemble``) uses ENSEMBLE_SEEDS."""
ENSEMBLE_SEEDS = tuple(range(int(os.environ.get("SIM_ENSEMBLE_SEEDS", "30"))))

HISTORY_CI_SEEDS = tuple(range(1, 9))
"""Seeds of the historical checks in CI: the first eight of ``sim history`` (and of the regression baseline)."""
HISTORY_ENSEMBLE_SEEDS = tuple(range(1, 1 + int(os.environ.get("SIM_ENSEMBLE_SEEDS", "30"))))
WORKERS = min(2, os.cpu_count() or 1)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--ensemble", action="store_true", help="run the pattern tests over the full ensemble")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--ensemble"):
        return
    skip = pytest.mark.skip(reason="full-ensemble pattern test: run with --ensemble")
    for item in items:
        if "ensemble" in item.keywords:
            item.add_marker(skip)


@functools.cache
def run_stylized(seed: int, **overrides) -> CommunistWorld:
    """A finished stylized run (cached per seed and overrides; do not mutate the returned model)."""
    return CommunistWorld("stylized", rng=seed, **overrides).run()


def stylized_run(seed: int, **overrides) -> CommunistWorld:
    """:func:`run_stylized` with list-valued overrides made hashable."""
    frozen = {k: tuple(map(tuple, v)) if isinstance(v, list) else v for k, v in overrides.items()}
    return run_stylized(seed, **frozen)


def statuses(model: CommunistWorld) -> pd.DataFrame:
    """Status by year (rows) and state code (columns)."""
    return model.table("states").pivot(index="year", columns="code", values="status")


@functools.cache
def historical_ensemble(seeds: tuple[int, ...]):
    """The historical scenario run for ``seeds`` and the pattern-2 counterfactual (to 1992) with the same seeds."""
    from sim.ensemble import run_ensemble
    from sim.history import TARGETS
    from sim.targets import load_targets

    targets = load_targets(TARGETS)  # the counterfactual world (variant, last year) is declared there
    ens = run_ensemble(targets.scenario, list(seeds), workers=WORKERS, progress=False)
    until = targets.until("counterfactual")
    cf = run_ensemble(targets.ensembles["counterfactual"], list(seeds), workers=WORKERS, progress=False, until=until)
    return ens, cf


@pytest.fixture(params=CI_SEEDS)
def seed(request: pytest.FixtureRequest) -> int:
    """One CI seed."""
    return request.param
