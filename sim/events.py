"""The event log: every status change and every feature gained or lost, with its drivers in words.

Events are rows of the model's DataCollector table ``"events"`` (so they travel with the rest of the collected
data); :func:`feature_change_text` writes sentences such as

    1989 BLA communist -> non_communist: F1 lost (monopoly 0.95 -> 0.55) after a concession to mass protest
    (public dissent 0.62); under a conservative leader (since 1971); hegemony 0.25
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from sim.features import FEATURES, INDICATOR_OF, Classification, Indicators, Status, classify, indicators_of
from sim.vocab import EventKind

if TYPE_CHECKING:
    import mesa

    from sim.agents import StateAgent
    from sim.model import CommunistWorld

EVENT_COLUMNS = ("year", "code", "kind", "text", "from_status", "to_status", "features_lost", "features_gained")


EVENT_PREFIX = re.compile(r"^-?\d+ (?:[A-Z][A-Z0-9_]+ )?")
"""The year and state code that :meth:`EventLog.record` puts before every event's text (a code only for a state's)."""


class EventLog:
    """Writes events into the DataCollector table ``"events"``.

    Kinds: :class:`sim.vocab.EventKind` (``status`` and ``feature`` for classification changes, ``takeover``,
    ``leader``, ``intervention``, ...); ``EventKind.main`` marks the turning points.
    """

    def __init__(self, datacollector: mesa.DataCollector):
        self._dc = datacollector

    def record(
        self,
        year: int,
        code: str,
        kind: EventKind,
        text: str,
        from_status: str = "",
        to_status: str = "",
        features_lost: str = "",
        features_gained: str = "",
    ) -> None:
        """Append one event."""
        prefix = f"{year} {code} " if code else f"{year} "
        self._dc.add_table_row(
            "events",
            {
                "year": year,
                "code": code,
                "kind": kind,
                "text": prefix + text,
                "from_status": from_status,
                "to_status": to_status,
                "features_lost": features_lost,
                "features_gained": features_gained,
            },
        )

    def __len__(self) -> int:
        return len(self._dc.tables["events"]["year"])


def _indicator_text(feature: str, before: Indicators, after: Indicators) -> str:
    name = INDICATOR_OF[feature]
    if feature == "f6":
        return "recognition lost" if before.recognised else "recognised"
    return f"{name} {getattr(before, name):.2f} -> {getattr(after, name):.2f}"


def feature_change_text(
    state: StateAgent,
    before: Classification,
    after: Classification,
    ind_before: Indicators,
    ind_after: Indicators,
    hegemony: float,
) -> tuple[str, str, str]:
    """Sentence for a change of features or status, and the lost and gained feature lists (``"F1,F2"``)."""
    lost = [f for f, b, a in zip(FEATURES, before.features, after.features, strict=True) if b and not a]
    gained = [f for f, b, a in zip(FEATURES, before.features, after.features, strict=True) if a and not b]
    parts = [f"{f.upper()} lost ({_indicator_text(f, ind_before, ind_after)})" for f in lost]
    parts += [f"{f.upper()} gained ({_indicator_text(f, ind_before, ind_after)})" for f in gained]
    if before.status != after.status:
        head = f"{before.status.value} -> {after.status.value}: "
    else:
        head = f"stays {after.status.value}: "
    drivers = "; ".join(state.causes)
    context = []
    if state.public_dissent >= 0.05:
        context.append(f"public dissent {state.public_dissent:.2f}")
    party = state.communist
    if party is not None and party.leader is not None:
        context.append(f"under {party.leader.describe()}")
    context.append(f"hegemony {hegemony:.2f}")
    text = head + ", ".join(parts)
    if drivers:
        text += f" after {drivers}"
    text += "; " + "; ".join(context)
    return text, ",".join(f.upper() for f in lost), ",".join(f.upper() for f in gained)


def classify_states(world: CommunistWorld, record_events: bool = True) -> None:
    """Recompute every state's indicators, features and status (:func:`sim.features.classify`); log every change
    (not for the initial classification, ``record_events=False``, nor for a state that has ended)."""
    hegemony = world.primary_centre.hegemony if world.primary_centre else 0.0
    for state in world.states:
        ind = indicators_of(state)
        cls = classify(ind, world.thresholds, world.convention)
        before = state.classification
        if record_events and before is not None and cls != before and state.exists:
            text, lost, gained = feature_change_text(state, before, cls, state.indicators, ind, hegemony)
            kind = EventKind.STATUS if before.status != cls.status else EventKind.FEATURE
            world.log.record(world.year, state.code, kind, text, before.status.value, cls.status.value, lost, gained)
        state.indicators, state.classification = ind, cls
        state.ever_communist = state.ever_communist or cls.status != Status.NON_COMMUNIST


def step(world: CommunistWorld) -> None:
    """Every state's six features and status this year, and the event log of every change."""
    classify_states(world, record_events=True)
