"""Pattern-oriented validation on the stylized world (MODEL.md section 4, patterns 1, 2, 4, 7, 8, 12).

Every target of ``scenarios/targets/stylized.toml`` must pass: in CI on a few seeds (``CI_SEEDS``), with
``pytest --ensemble`` on ``ENSEMBLE_SEEDS`` (30 by default, ``SIM_ENSEMBLE_SEEDS`` to change). The targets, their
worlds (hegemony held, hegemony falling in 1967, three reform paths) and their thresholds are in the file, measured
by the engine of :mod:`sim.targets`; the rates are the same in both ensembles (with four seeds, "at least 90% of
seeds" means every seed).
"""

from __future__ import annotations

import functools

import pytest

from sim import targets as tg
from tests.conftest import CI_SEEDS, ENSEMBLE_SEEDS, WORKERS

TARGETS = tg.load_targets("stylized")
IDS = [t.id for t in TARGETS.rows]


@functools.cache
def checks(seeds: tuple[int, ...]) -> dict[str, tg.Check]:
    runs = tg.run_ensembles(TARGETS, seeds, workers=WORKERS)
    return {c.id: c for c in tg.evaluate(TARGETS, runs)}


def test_every_stylized_pattern_has_targets():
    assert [c for c in checks(CI_SEEDS)] == IDS  # every target measured, none skipped
    patterns = {i.rstrip("abcdefg") for i in IDS}
    assert patterns == {"S1", "S2", "S4", "S7", "S8", "S12"}


@pytest.mark.parametrize("target_id", IDS)
def test_stylized_target(target_id):
    check = checks(CI_SEEDS)[target_id]
    assert check.passed, f"{check.id} {check.title}: {check.value:.3g} ({check.requirement}); {check.detail}"


@pytest.mark.ensemble
@pytest.mark.parametrize("target_id", IDS)
def test_stylized_target_ensemble(target_id):
    check = checks(ENSEMBLE_SEEDS)[target_id]
    assert check.passed, f"{check.id} {check.title}: {check.value:.3g} ({check.requirement}); {check.detail}"
