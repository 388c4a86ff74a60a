"""Classification: Brown's six features and the status rule, including the chapter's own cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.features import (
    FEATURES,
    Indicators,
    Status,
    Thresholds,
    classify,
    feature_flags,
    status_from_features,
)

CLASSICAL = Indicators(monopoly=0.95, centralism=0.9, ownership=0.9, command=0.85, goal=1.0, recognised=True)


def test_classical_system_is_communist():
    result = classify(CLASSICAL)
    assert result.features == (True,) * 6
    assert result.status is Status.COMMUNIST


@pytest.mark.parametrize("feature", FEATURES)
def test_each_feature_reads_its_own_indicator(feature):
    """Dropping one indicator just below its threshold removes exactly that feature."""
    th = Thresholds.default()
    values = {
        "monopoly": th.monopoly - 0.01,
        "centralism": th.centralism - 0.01,
        "ownership": th.ownership - 0.01,
        "command": th.command - 0.01,
        "goal": th.goal - 0.01,
        "recognised": False,
    }
    name = {"f1": "monopoly", "f2": "centralism", "f3": "ownership", "f4": "command", "f5": "goal", "f6": "recognised"}[
        feature
    ]
    fields = {
        f: getattr(CLASSICAL, f) for f in ("monopoly", "centralism", "ownership", "command", "goal", "recognised")
    }
    fields[name] = values[name]
    flags = feature_flags(Indicators(**fields), th)
    assert [f for f, holds in zip(FEATURES, flags, strict=True) if not holds] == [feature]


def test_thresholds_are_inclusive():
    th = Thresholds.default()
    at = Indicators(th.monopoly, th.centralism, th.ownership, th.command, th.goal, True)
    assert classify(at, th).status is Status.COMMUNIST


def test_elected_coalition_including_communists_is_not_communist():
    """Chile 1970-73: Communists in an elected socialist-led coalition hold office but no monopoly."""
    coalition = Indicators(monopoly=0.2, centralism=0.85, ownership=0.4, command=0.3, goal=1.0, recognised=True)
    result = classify(coalition)
    assert not result.holds("f1")
    assert result.status is Status.NON_COMMUNIST


def test_state_without_communist_party_in_office_is_non_communist_whatever_its_economy():
    """A state that never had a ruling Communist party is non_communist, even with a large state sector."""
    statist = Indicators(0.0, 0.0, ownership=0.8, command=0.7, goal=0.0, recognised=False, communist_in_office=False)
    result = classify(statist)
    assert result.features[:2] == (False, False)
    assert result.status is Status.NON_COMMUNIST


def test_losing_centralism_alone_ends_communist_status():
    """The USSR during 1989: F2 went (open debate) while the monopoly still held; the state was no longer Communist."""
    glasnost = Indicators(monopoly=0.85, centralism=0.6, ownership=0.85, command=0.8, goal=1.0, recognised=True)
    result = classify(glasnost)
    assert result.holds("f1") and not result.holds("f2")
    assert result.status is Status.NON_COMMUNIST


def test_hybrid_keeps_the_political_core():
    """China today: monopoly and centralism kept, state ownership and the plan given up."""
    china = Indicators(monopoly=0.92, centralism=0.82, ownership=0.35, command=0.25, goal=0.9, recognised=True)
    result = classify(china)
    assert result.holds("f1") and result.holds("f2")
    assert not result.holds("f3") and not result.holds("f4")
    assert result.status is Status.HYBRID


def test_kornai_convention_counts_hybrids_as_non_communist():
    china = Indicators(monopoly=0.92, centralism=0.82, ownership=0.35, command=0.25, goal=0.9, recognised=True)
    assert classify(china, convention="brown").status is Status.HYBRID
    assert classify(china, convention="kornai").status is Status.NON_COMMUNIST
    assert classify(CLASSICAL, convention="kornai").status is Status.COMMUNIST


def test_losing_recognition_alone_makes_a_hybrid():
    """A party outside the movement (expelled, not recognised by any ruling party) keeps only the political core."""
    isolated = Indicators(monopoly=0.95, centralism=0.9, ownership=0.9, command=0.85, goal=1.0, recognised=False)
    assert classify(isolated).status is Status.HYBRID


def test_status_rule_rejects_wrong_number_of_features():
    with pytest.raises(ValueError, match="six"):
        status_from_features((True,) * 5)


unit = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)


@given(
    monopoly=unit, centralism=unit, ownership=unit, command=unit, goal=unit, recognised=st.booleans(),
    office=st.booleans(), convention=st.sampled_from(["brown", "kornai"]),
)  # fmt: skip
def test_status_is_consistent_with_features(
    monopoly, centralism, ownership, command, goal, recognised, office, convention
):
    """Property: communist iff all six; hybrid iff F1 and F2 but not all (brown only); otherwise non_communist."""
    ind = Indicators(monopoly, centralism, ownership, command, goal, recognised, communist_in_office=office)
    result = classify(ind, convention=convention)
    f = result.features
    if all(f):
        assert result.status is Status.COMMUNIST
    elif f[0] and f[1] and convention == "brown":
        assert result.status is Status.HYBRID
    else:
        assert result.status is Status.NON_COMMUNIST
    if not office:
        assert result.status is Status.NON_COMMUNIST
