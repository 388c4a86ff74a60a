"""The regression baseline: history never changes silently.

The summary of the historical ensemble on the baseline seeds (status changes, status counts, members, events and
check values, seed by seed) must equal ``tests/baselines/historical.json``. If a change is meant to move history,
run ``uv run sim baseline --update`` and commit the JSON with it: its diff shows what moved.
"""

from __future__ import annotations

import json

from sim import baseline
from tests.conftest import HISTORY_CI_SEEDS, historical_ensemble


def test_historical_ensemble_matches_the_stored_baseline():
    assert baseline.SEEDS == HISTORY_CI_SEEDS
    assert baseline.BASELINE_PATH.exists(), "no baseline stored: run `uv run sim baseline --update`"
    stored = json.loads(baseline.BASELINE_PATH.read_text(encoding="utf-8"))
    ens, _ = historical_ensemble(HISTORY_CI_SEEDS)
    current = json.loads(json.dumps(baseline.summarise(ens)))  # the same JSON round trip as the stored file
    diffs = baseline.differences(stored, current)
    assert not diffs, (
        f"{len(diffs)} differences from the stored baseline (stored -> current); if intended, run "
        "`uv run sim baseline --update` and commit the JSON:\n" + "\n".join(diffs[:40])
    )


def test_differences_are_readable():
    stored = {"runs": {"1": {"status_changes": ["1989 SUN communist->non_communist"], "members": {"1950": 5}}}}
    current = {"runs": {"1": {"status_changes": ["1990 SUN communist->non_communist"], "members": {"1950": 6}}}}
    assert baseline.differences(stored, current) == [
        "runs.1.members.1950: 5 -> 6",
        "runs.1.status_changes: - 1989 SUN communist->non_communist",
        "runs.1.status_changes: + 1990 SUN communist->non_communist",
    ]
    assert baseline.differences(stored, stored) == []
