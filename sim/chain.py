"""The causal chain of a what-if: from the changed cause, through the first divergence and the diverging events, to
the changed outcome, read from the two worlds' tables (nothing in it is specific to a variant or a state).

1. **Causes**: the variant's diff against the baseline scenario (dated events removed, replaced or added;
   parameters and schedules changed, old and new values), :func:`causes`.
2. **First divergence**: per seed, the earliest year in which the two event logs differ (events matched on year,
   state, kind and a normalised text: numbers with decimals and percentages do not count) or a state's status or
   features differ, :func:`first_divergences`. With common random numbers the worlds are identical until the cause
   acts, so this year is never before the cause's.
3. **Links**: the diverging events that happen in at least half of the seeds, in time order, preferring the
   turning points, the movement-wide events and those that precede a changed status in the same state; the model
   series (hegemony, tolerance and those marked ``whatif`` in :mod:`sim.observe`) where their medians part; and the
   public dissent of the states whose fate changes.
4. **Outcomes**: the states whose fate differs (the comparison's ``fates`` and ``shift_summary``).

The chain is a table with the columns :data:`CHAIN_COLUMNS` (``chain.csv``) and a few sentences
(:func:`chain_sentences`) at the top of the what-if report; ``divergences.csv`` lists every diverging event seed by
seed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.events import EVENT_PREFIX
from sim.features import FEATURES, Status
from sim.observe import MODEL_REPORTERS, WHATIF_SERIES
from sim.params import PARAMETERS
from sim.timeline import Schedule
from sim.vocab import EventKind

if TYPE_CHECKING:
    from sim.ensemble import Ensemble
    from sim.scenario import Scenario

CHAIN_COLUMNS = (
    "step", "role", "year", "years", "state", "kind", "measure", "world", "seeds", "share", "baseline", "variant",
    "text",
)  # fmt: skip
"""``chain.csv``, one row per step:

- ``step``: 1, 2, ... in reading order;
- ``role``: ``cause``, ``first_divergence``, ``link``, ``outcome`` or ``no_divergence``;
- ``year``: the cause's year, or the median over seeds; ``years``: the range over seeds (``1989-1991``; for a
  moved event, ``baseline years -> variant years``; for an outcome, ``baseline year -> variant year``);
- ``state``: a state code, empty for the movement or the whole world;
- ``kind``: an event kind (:class:`sim.vocab.EventKind`), ``parameter``, ``schedule``, ``series`` or ``status``;
- ``measure``: for a series, its name (a model series, or a column of the ``states`` table); for an outcome, the
  change of status in words;
- ``world``: ``input`` (a cause), ``baseline only``, ``variant only``, ``changed`` (the same year, state and kind
  with another text), ``moved`` (to another year) or ``both`` (a series or an outcome);
- ``seeds`` and ``share``: the seeds in which the step holds, and their share;
- ``baseline`` and ``variant``: what each world has; ``text``: the step in words.
"""
DIVERGENCE_COLUMNS = ("seed", "year", "code", "kind", "world", "label_baseline", "label_variant", "baseline",
                      "variant")  # fmt: skip
"""``divergences.csv``: every event that exists in one world and not the other, seed by seed (``changed``: an event
of the same year, state and kind with another text)."""
CHAIN_SERIES = tuple(dict.fromkeys(("hegemony", "tolerance", *WHATIF_SERIES)))
"""The model series a chain reads."""
LINK_SHARE = 0.5
"""A divergence is a link, and a state's fate an outcome, in at least this share of seeds."""
SHARE_GAP = 0.05
"""Medians of a share (hegemony, public dissent) part when they are further apart than this."""
COUNT_GAP = 1.0
"""Medians of a count (states in a status) part when they are at least this far apart."""
RELATIVE_GAP = 0.05
"""Medians of a large count (members) part when they differ by more than this share of the baseline's."""
MAX_LINKS = 8
"""At most this many diverging events are links (the series and public dissent come on top)."""
MAX_LINKS_PER_STATE = 3
MAX_OTHER_LINKS = 2
"""At most this many links in states that are neither the cause's nor among the outcomes."""
MAX_OUTCOMES = 8
"""At most this many states are listed as minority outcomes (every state that differs in most seeds is listed)."""
MILLION = 1e6
TEXT_WIDTH = 120
_NUMBER = re.compile(r"\d+\.\d+|\d+%")
_SNAKE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")
_STATUS_WORDS = {s.value: s.value.replace("_", "-") for s in Status}
_REPORTERS = {r.name: r for r in MODEL_REPORTERS}


def words(text: str) -> str:
    """Names of the vocabulary in words: ``non_communist`` -> ``non-communist``, ``party_rule`` -> ``party rule``."""
    return _SNAKE.sub(lambda m: _STATUS_WORDS.get(m.group(), m.group().replace("_", " ")), str(text))


def _clip(text: str) -> str:
    """The head of an event's text (to its first clause of context), without its year and state, in words."""
    head = words(EVENT_PREFIX.sub("", str(text)).split("; ")[0])
    return head if len(head) <= TEXT_WIDTH else head[: TEXT_WIDTH - 3].rstrip() + "..."


def _years(values) -> tuple[int, str]:
    values = pd.Series(values, dtype=float).dropna()
    lo, hi, mid = int(values.min()), int(values.max()), round(float(values.median()))
    return mid, (f"{lo}" if lo == hi else f"{lo}-{hi}")


# -- 1. the changed causes -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cause:
    """One input that differs between the baseline and the variant scenario."""

    year: int
    state: str
    kind: str
    baseline: str
    variant: str
    text: str


def _canonical(entry: dict[str, Any]) -> tuple:
    return tuple(sorted((k, repr(v)) for k, v in entry.items()))


def _event_slot(e: dict[str, Any]) -> tuple:
    return e["year"], e["kind"], e.get("state") or "", tuple(e.get("states") or ()), e.get("party") or ""


def _event_where(e: dict[str, Any]) -> str:
    states = list(e.get("states") or ())
    listed = ", ".join(states[:4]) + (", ..." if len(states) > 4 else "")
    return e.get("state") or listed or e.get("party") or "movement"


def _event_words(e: dict[str, Any] | None) -> str:
    if e is None:
        return "none"
    value = e.get("value")
    detail = e.get("name") or e.get("note")
    text = words(f"{value:g}" if isinstance(value, float) else str(value)) if value is not None else ""
    return f"{text} ({detail})".strip() if detail else (text or "(no value)")


def _event_causes(base: list[dict], variant: list[dict]) -> list[Cause]:
    left, right = Counter(map(_canonical, base)), Counter(map(_canonical, variant))
    removed = [e for e in base if left[_canonical(e)] > right[_canonical(e)]]
    added = [e for e in variant if right[_canonical(e)] > left[_canonical(e)]]
    out = []
    for old in removed:
        new = next((e for e in added if _event_slot(e) == _event_slot(old)), None)
        if new is not None:
            added.remove(new)
        change = f"{_event_words(old)} -> {_event_words(new)}" if new else f"{_event_words(old)} removed"
        out.append(Cause(old["year"], old.get("state") or "", old["kind"], _event_words(old), _event_words(new),
                         f"{old['year']} {_event_where(old)} {words(old['kind'])}: {change}"))  # fmt: skip
    out += [
        Cause(e["year"], e.get("state") or "", e["kind"], "none", _event_words(e),
              f"{e['year']} {_event_where(e)} {words(e['kind'])}: {_event_words(e)} added")
        for e in added
    ]  # fmt: skip
    return out


def _points(schedule: dict[str, Any] | None) -> str:
    if schedule is None:
        return "no schedule"
    points = ", ".join(f"{y}: {v:g}" for y, v in schedule["points"])
    return f"{points} ({schedule.get('interpolation', 'linear')})"


def _schedule_causes(base: list[dict], variant: list[dict], start: int, end: int) -> list[Cause]:
    def by_slot(schedules):
        return {(s["variable"], tuple(s.get("states") or ("*",))): s for s in schedules}

    old, new = by_slot(base), by_slot(variant)
    out = []
    for slot in dict.fromkeys([*old, *new]):
        a, b = old.get(slot), new.get(slot)
        if a is not None and b is not None and _canonical(a) == _canonical(b):
            continue
        curves = [Schedule(list(s["points"]), s.get("interpolation", "linear")) if s else None for s in (a, b)]
        year, values = next(
            ((y, [c(y) if c else None for c in curves]) for y in range(start, end + 1)
             if (curves[0](y) if curves[0] else None) != (curves[1](y) if curves[1] else None)),
            (start, [None, None]),
        )  # fmt: skip
        variable, states = slot
        where = "" if states == ("*",) else f" for {', '.join(states)}"
        first = " -> ".join("none" if v is None else f"{v:g}" for v in values)
        out.append(Cause(year, "" if states == ("*",) else ",".join(states), "schedule", _points(a), _points(b),
                         f"schedule of {words(variable)}{where} changed from {year} ({first} in {year})"))  # fmt: skip
    return out


def causes(baseline: Scenario, variant: Scenario) -> list[Cause]:
    """The inputs that differ between the baseline and the variant scenario, in the order of their years."""
    a, b = baseline.spec.model_dump(mode="python"), variant.spec.model_dump(mode="python")
    start, end = a["scenario"]["start_year"], a["scenario"]["end_year"]
    out = _event_causes(a["drivers"]["events"], b["drivers"]["events"])
    out += _schedule_causes(a["drivers"]["schedules"], b["drivers"]["schedules"], start, end)
    old, new = baseline.spec.parameter_values(), variant.spec.parameter_values()
    for name in (n for n in old if old[n] != new.get(n)):
        doc = PARAMETERS[name].doc.rstrip(".") if name in PARAMETERS else ""
        out.append(Cause(start, "", "parameter", f"{old[name]:g}", f"{new[name]:g}",
                         f"parameter {name} ({doc}): {old[name]:g} -> {new[name]:g}"))  # fmt: skip
    for key in (k for k in a if k not in ("parameters", "drivers") and a[k] != b.get(k)):
        out.append(Cause(start, "", "scenario", "", "", f"the scenario's {key} differ"))
    return sorted(out, key=lambda c: c.year)


# -- 2. where the worlds part --------------------------------------------------------------------------------------


def _normalised(events: pd.DataFrame) -> list[str]:
    out = []
    for year, code, text in zip(events.year, events.code, events.text, strict=True):
        prefix = f"{year} {code} " if code else f"{year} "
        out.append(_NUMBER.sub("#", text[len(prefix) :] if text.startswith(prefix) else text))
    return out


def _labels(events: pd.DataFrame, normal: list[str]) -> list[str]:
    """What an event is, comparable across seeds: its change of status or features, else its text without numbers."""
    out = []
    for row, text in zip(events.itertuples(index=False), normal, strict=True):
        lost, gained = (str(x or "") for x in (row.features_lost, row.features_gained))
        if row.from_status and row.to_status and row.from_status != row.to_status:
            out.append(words(f"{row.from_status} -> {row.to_status}"))
        elif lost or gained:
            changes = [f"{f} lost" for f in lost.split(",") if f] + [f"{f} gained" for f in gained.split(",") if f]
            out.append(words(f"stays {row.to_status}: " + ", ".join(changes)))
        else:
            out.append(_clip(re.sub(r"\d+", "#", text)))
    return out


def event_divergences(baseline: pd.DataFrame, variant: pd.DataFrame) -> pd.DataFrame:
    """Every event that exists in one world and not the other, seed by seed (:data:`DIVERGENCE_COLUMNS`)."""
    slot = ["seed", "year", "code", "kind"]
    frames = []
    for ev in (baseline, variant):
        normal = _normalised(ev)
        ev = ev.assign(normal=normal, label=_labels(ev, normal))
        frames.append(ev.assign(nth=ev.groupby([*slot, "normal"]).cumcount())[[*slot, "normal", "nth", "text",
                                                                                "label"]])  # fmt: skip
    both = frames[0].merge(frames[1], on=[*slot, "normal", "nth"], how="outer", suffixes=("_b", "_v"), indicator=True)
    sides = []
    for side, flag in (("b", "left_only"), ("v", "right_only")):
        only = both[both._merge == flag][[*slot, f"text_{side}", f"label_{side}"]]
        sides.append(only.assign(k=only.groupby(slot).cumcount()))
    pairs = sides[0].merge(sides[1], on=[*slot, "k"], how="outer")
    if pairs.empty:
        return pd.DataFrame(columns=list(DIVERGENCE_COLUMNS))
    world = np.where(pairs.text_b.isna(), "variant only", np.where(pairs.text_v.isna(), "baseline only", "changed"))
    out = pd.DataFrame({
        **{c: pairs[c] for c in slot}, "world": world,
        "label_baseline": pairs.label_b.fillna(""), "label_variant": pairs.label_v.fillna(""),
        "baseline": pairs.text_b.fillna(""), "variant": pairs.text_v.fillna(""),
    })  # fmt: skip
    return out.sort_values(["seed", "year", "code", "kind"]).reset_index(drop=True)[list(DIVERGENCE_COLUMNS)]


def _differs(a: pd.Series, b: pd.Series) -> pd.Series:
    return (a != b) & ~(a.isna() & b.isna())


def state_divergences(baseline: pd.DataFrame, variant: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Per seed, state and year: where status or features differ (with what differed), and per seed the first year
    in which any number of the ``states`` table differs."""
    keys = ["seed", "year", "code"]
    both = baseline.merge(variant, on=keys, suffixes=("_b", "_v"))
    values = [c for c in baseline.columns if c not in (*keys, "replicate") and c in variant.columns]
    any_value = np.zeros(len(both), bool)
    for c in values:
        any_value |= _differs(both[f"{c}_b"], both[f"{c}_v"]).to_numpy()
    first_value = both[any_value].groupby("seed").year.min()
    what = pd.Series("", index=both.index)
    for c in ("status", *FEATURES):
        if c not in values:
            continue
        hit = _differs(both[f"{c}_b"], both[f"{c}_v"])
        if c == "status":
            text = (
                both[hit].status_b.map(words) + " in the baseline, " + both[hit].status_v.map(words) + " in the variant"
            )
        else:
            text = f"{c.upper()} holds in " + np.where(both[hit][f"{c}_b"].astype(bool), "the baseline only",
                                                       "the variant only")  # fmt: skip
        what[hit] = np.where(what[hit] == "", text, what[hit] + "; " + text)
    hits = both[what != ""].assign(what=what[what != ""])
    return hits[[*keys, "what"]].reset_index(drop=True), first_value


def first_divergences(divergences: pd.DataFrame, states: pd.DataFrame, seeds: list[int]) -> pd.DataFrame:
    """Per seed: the first year the event logs or a state's status or features differ, and what differed."""
    rows = []
    for seed in seeds:
        ev = divergences[divergences.seed == seed]
        st = states[states.seed == seed]
        years = [y for y in (ev.year.min() if len(ev) else None, st.year.min() if len(st) else None) if y is not None]
        if not years:
            rows.append({"seed": seed, "year": np.nan, "what": ""})
            continue
        year = int(min(years))
        what = [
            f"{r.code or 'movement'} {words(r.kind)}: {_divergence_words(r)}" for r in ev[ev.year == year].itertuples()
        ]
        what += [f"{r.code}: {r.what}" for r in st[st.year == year].itertuples()]
        rows.append({"seed": seed, "year": year, "what": " | ".join(what)})
    return pd.DataFrame(rows, columns=["seed", "year", "what"])


def _divergence_words(r) -> str:
    if r.world == "moved":
        return f'"{_clip(r.baseline)}" moves to {r.variant_years}'
    if r.world == "changed":
        return f'"{_clip(r.baseline)}" becomes "{_clip(r.variant)}"'
    text = _clip(r.baseline if r.world == "baseline only" else r.variant)
    return f'"{text}" ' + ("does not happen" if r.world == "baseline only" else "happens only in the variant")


# -- 3. the links ----------------------------------------------------------------------------------------------


def _event_groups(divergences: pd.DataFrame, n: int) -> pd.DataFrame:
    """Diverging events summarised over seeds, one row per state, kind, world and label (year: the first per seed).

    An event that a seed has only in the baseline in one year and only in the variant in another (the same state,
    kind and label) has *moved* in that seed (world ``moved``: ``years`` reads ``baseline years -> variant years``).
    """
    keys = ["code", "kind", "world", "label_baseline", "label_variant"]
    if divergences.empty:
        return pd.DataFrame(columns=[*keys, "seeds", "year", "years", "variant_years", "baseline", "variant"])
    first = divergences.sort_values("year").groupby([*keys, "seed"], sort=False).first().reset_index()
    first["label"] = first.label_baseline.where(first.world != "variant only", first.label_variant)
    one_side = first[first.world != "changed"]
    b = one_side[one_side.world == "baseline only"].set_index(["code", "kind", "label", "seed"])
    v = one_side[one_side.world == "variant only"].set_index(["code", "kind", "label", "seed"])
    both = b.index.intersection(v.index)
    moved = b.loc[both].reset_index().assign(world="moved", variant_year=v.loc[both].year.to_numpy(),
                                             variant=v.loc[both].variant.to_numpy())  # fmt: skip
    moved["label_variant"] = moved.label
    rest = first[~first.set_index(["code", "kind", "label", "seed"]).index.isin(both)]
    rows = []
    for frame in (rest, moved):
        for key, g in frame.groupby(keys, sort=False):
            year, years = _years(g.year)
            later = _years(g.variant_year)[1] if "variant_year" in g else ""
            rows.append({**dict(zip(keys, key, strict=True)), "seeds": g.seed.nunique(), "year": year,
                         "years": years, "variant_years": later, "baseline": g.baseline.iloc[0],
                         "variant": g.variant.iloc[0]})  # fmt: skip
    return pd.DataFrame(rows)


def _event_link_text(r) -> str:
    where = r.code or "movement"
    return f"{r.years} {where} {words(r.kind)}: {_divergence_words(r)}"


def _series_gap(kind: str, baseline: np.ndarray) -> np.ndarray:
    if kind == "count":
        return np.maximum(COUNT_GAP, RELATIVE_GAP * np.abs(baseline))
    return np.full(len(baseline), SHARE_GAP)


def _span(values: pd.Series, kind: str) -> str:
    """The range of ``values`` (``0.20-0.85``, ``4-7``, ``71.0-78.0 million``)."""
    lo, hi, unit = float(values.min()), float(values.max()), ""
    if kind == "count" and max(abs(lo), abs(hi)) >= MILLION:
        lo, hi, unit = lo / MILLION, hi / MILLION, " million"
    digits = 0 if kind == "count" and not unit else (1 if unit else 2)
    a, b = f"{lo:.{digits}f}", f"{hi:.{digits}f}"
    return (a if a == b else f"{a}-{b}") + unit


def series_link(base: pd.DataFrame, variant: pd.DataFrame, column: str, kind: str, label: str, until: int | None,
                state: str = "") -> dict[str, Any] | None:  # fmt: skip
    """Where the medians over seeds of a yearly series part (first year beyond the gap, to the widest gap before
    ``until``), with the ranges of both worlds' medians over that span and the seeds in which they part at all."""
    b = base.pivot_table(index="year", columns="seed", values=column)
    v = variant.pivot_table(index="year", columns="seed", values=column).reindex_like(b)
    mb, mv = b.median(axis=1), v.median(axis=1)
    gap = _series_gap(kind, mb.to_numpy())
    parted = np.abs(mv - mb).to_numpy() > gap
    if not parted.any():
        return None
    start = int(mb.index[parted.argmax()])
    window = (mb.index >= start) & (mb.index <= (until if until is not None and until >= start else mb.index.max()))
    stop = int(mb.index[window][np.abs(mv - mb)[window].to_numpy().argmax()])
    span = (mb.index >= start) & (mb.index <= stop)
    seed_gap = _series_gap(kind, b.to_numpy().ravel()).reshape(b.shape)
    seeds = int((np.abs(v - b).to_numpy() > seed_gap).any(axis=0).sum())
    years = f"{start}" if start == stop else f"{start}-{stop}"
    old, new = _span(mb[span], kind), _span(mv[span], kind)
    where = f"{state} " if state else ""
    return {"year": start, "years": years, "state": state, "kind": "series", "measure": column, "world": "both",
            "seeds": seeds,
            "baseline": old, "variant": new,
            "text": f"{years} {where}{label}: {new} in the variant instead of {old}"}  # fmt: skip


def _series_label(name: str) -> str:
    reporter = _REPORTERS.get(name)
    return words(re.sub(r"\s*\(.*\)$", "", reporter.help)) if reporter else words(name)


# -- 4. outcomes, and the chain -------------------------------------------------------------------------------------


def outcomes(shift_summary: pd.DataFrame, fates: pd.DataFrame, n: int, end: int) -> list[dict[str, Any]]:
    """The states whose fate (status in a key year) differs, or whose status changes in another year, in most seeds
    (else, at most ``MAX_OUTCOMES`` of those that differ in any seed, marked as a minority), with their status
    changes that move most."""
    share = fates.set_index("code").share_of_seeds_differing if len(fates) else pd.Series(dtype=float)
    if len(shift_summary):
        share = pd.concat([share, shift_summary.groupby("code").share_changed.max()], axis=1).max(axis=1)
    share = share.sort_values(ascending=False, kind="stable")
    chosen = share[share >= LINK_SHARE]
    minority = chosen.empty
    chosen = share[share > 0].head(MAX_OUTCOMES) if minority else chosen  # every state that differs in most seeds
    rows = []
    for code, differs in chosen.items():
        moved = shift_summary[(shift_summary.code == code) & (shift_summary.share_changed > 0)].head(2)
        for r in moved.itertuples():
            by, vy = r.median_baseline_year, r.median_variant_year
            change = words(r.change)
            notes = [f"differs in {r.share_changed * n:.0f}/{n} seeds" + (", a minority" if minority else "")]
            if r.baseline_seeds == 0:
                what = f"{change} only in the variant, median {vy:.0f}"
                notes.insert(0, f"in {r.variant_seeds}/{n} seeds")
            elif r.variant_seeds == 0:
                what = f"{change} does not happen by {end} (in the baseline: median {by:.0f})"
            else:
                what = f"{change} in {vy:.0f} instead of {by:.0f}" if vy != by else f"{change} in {by:.0f} in both"
                unit = "year" if abs(r.median_shift) == 1 else "years"
                notes.insert(0, "median years" + ("" if np.isnan(r.median_shift) else
                                                  f", shift {r.median_shift:+.0f} {unit}"))  # fmt: skip
                if r.variant_seeds < r.baseline_seeds:
                    notes.append(f"not by {end} in {r.baseline_seeds - r.variant_seeds}/{n}")
            year = vy if not np.isnan(vy) else by
            rows.append({"year": int(year), "years": f"{by:.0f} -> {vy:.0f}".replace("nan", "none"), "state": code,
                         "kind": "status", "measure": change, "world": "both", "seeds": round(r.share_changed * n),
                         "baseline": "none" if np.isnan(by) else f"{by:.0f}",
                         "variant": "none" if np.isnan(vy) else f"{vy:.0f}",
                         "text": f"{code}: {what} ({'; '.join(notes)})",
                         "_status_years": (by, vy), "_differs": differs})  # fmt: skip
    return rows


@dataclass
class Chain:
    """A what-if's causal chain: the table (:data:`CHAIN_COLUMNS`), every diverging event seed by seed, the first
    divergence per seed, and whether the worlds are identical."""

    table: pd.DataFrame
    divergences: pd.DataFrame
    first: pd.DataFrame
    identical: bool
    n: int

    def rows(self, role: str) -> pd.DataFrame:
        """The steps of one role."""
        return self.table[self.table.role == role]


def _links(groups: pd.DataFrame, outcome_rows: list[dict], cause_states: set[str], first_key, n: int) -> list[dict]:
    ends = {}
    for o in outcome_rows:
        years = [y for y in o["_status_years"] if not np.isnan(y)]
        ends[o["state"]] = max([ends.get(o["state"], -np.inf), *years])
    candidates = []
    for r in groups.itertuples(index=False):
        kind = EventKind(r.kind) if r.kind in set(EventKind) else None
        if (kind is not None and kind.routine) or r.seeds < LINK_SHARE * n:
            continue
        if r.world == "changed" and r.label_baseline == r.label_variant:
            continue  # the same event with other numbers or context
        if (r.code, r.kind, r.world, r.label_baseline, r.label_variant) == first_key:
            continue
        if r.code in ends and r.kind in (EventKind.STATUS, EventKind.FEATURE):
            continue  # the outcome says it
        precedes = r.code in ends and r.year <= ends[r.code]
        central = r.code == "" or r.code in cause_states
        main = kind is not None and kind.main
        candidates.append(((precedes or central, main, r.seeds, -r.year), precedes or central, r))
    candidates.sort(key=lambda c: c[0], reverse=True)
    chosen, per_state, others = [], Counter(), 0
    for _score, connected, r in candidates:
        if len(chosen) >= MAX_LINKS or per_state[r.code] >= MAX_LINKS_PER_STATE:
            continue
        if not connected and others >= MAX_OTHER_LINKS:
            continue  # a state neither in the cause nor among the outcomes: the effect spreading, not the chain
        others += not connected
        per_state[r.code] += 1
        years = f"{r.years} -> {r.variant_years}" if r.world == "moved" else r.years
        chosen.append({"year": r.year, "years": years, "state": r.code, "kind": r.kind, "world": r.world,
                       "seeds": r.seeds, "baseline": _clip(r.baseline), "variant": _clip(r.variant),
                       "text": _event_link_text(r)})  # fmt: skip
    return chosen


def causal_chain(base: Ensemble, variant: Ensemble, shift_summary: pd.DataFrame, fates: pd.DataFrame) -> Chain:
    """The chain from the changed causes to the changed outcomes (see the module's docstring)."""
    n = len(base.seeds)
    found = causes(base.scenario, variant.scenario)
    divergences = event_divergences(base.table("events"), variant.table("events"))
    b_states, v_states = base.table("states"), variant.table("states")
    states, first_value = state_divergences(b_states, v_states)
    first = first_divergences(divergences, states, base.seeds)
    first["first_value_year"] = first.seed.map(first_value)
    end = int(b_states.year.max())
    rows: list[dict[str, Any]] = [
        {"role": "cause", "year": c.year, "years": str(c.year), "state": c.state, "kind": c.kind, "world": "input",
         "seeds": n, "baseline": c.baseline, "variant": c.variant, "text": c.text}
        for c in found
    ] or [{"role": "cause", "year": np.nan, "years": "", "state": "", "kind": "", "world": "input", "seeds": n,
           "baseline": "", "variant": "", "text": "no input of the variant differs from the baseline"}]  # fmt: skip
    parted = first.dropna(subset=["year"])
    identical = parted.empty
    if identical:
        values = first.first_value_year.dropna()
        text = (f"no event, status or feature differs in any seed, though the worlds' numbers differ from "
                f"{_years(values)[1]} in {len(values)}/{n} seeds" if len(values) else
                f"the two worlds are identical in every seed to {end}: the variant changes nothing")  # fmt: skip
        rows.append({"role": "no_divergence", "year": np.nan, "years": "", "state": "", "kind": "", "world": "both",
                     "seeds": n, "baseline": "", "variant": "", "text": text})  # fmt: skip
        return _finish(rows, divergences, first, True, n)
    year, years = _years(parted.year)
    groups = _event_groups(divergences, n)
    first_rows = divergences.merge(parted[["seed", "year"]], on=["seed", "year"])
    first_groups = _event_groups(first_rows, n)
    first_key = None
    if not first_groups.empty:
        top = first_groups.sort_values(["seeds", "year"], ascending=[False, True]).iloc[0]
        first_key = tuple(top[["code", "kind", "world", "label_baseline", "label_variant"]])
        what = f"{top.code or 'movement'} {words(top.kind)}: {_divergence_words(top)}"
        what += f" ({top.seeds}/{n} seeds)" if top.seeds != len(parted) else ""
        state, kind, world, old, new = top.code, top.kind, top.world, _clip(top.baseline), _clip(top.variant)
    else:
        what = parted.what.mode().iloc[0]
        state, kind, world, old, new = "", "status", "changed", "", ""
    rows.append({"role": "first_divergence", "year": year, "years": years, "state": state, "kind": kind,
                 "world": world, "seeds": len(parted), "baseline": old, "variant": new,
                 "text": f"the worlds first part in {years} ({len(parted)}/{n} seeds): {what}"})  # fmt: skip
    outcome_rows = outcomes(shift_summary, fates, n, end)
    links = _links(groups, outcome_rows, {c.state for c in found if c.state}, first_key, n)
    model_b, model_v = base.table("model"), variant.table("model")
    horizon = max((o["year"] for o in outcome_rows), default=None)
    for name in CHAIN_SERIES:
        if name in model_b.columns:
            reporter = _REPORTERS.get(name)
            link = series_link(model_b, model_v, name, reporter.kind if reporter else "share", _series_label(name),
                               horizon)  # fmt: skip
            links += [link] if link and link["seeds"] >= LINK_SHARE * n else []
    for code in dict.fromkeys(o["state"] for o in outcome_rows):
        until = min((y for o in outcome_rows if o["state"] == code for y in o["_status_years"] if not np.isnan(y)),
                    default=None)  # fmt: skip
        link = series_link(b_states[b_states.code == code], v_states[v_states.code == code], "public_dissent",
                           "share", "public dissent", until, code)  # fmt: skip
        links += [link] if link and link["seeds"] >= LINK_SHARE * n else []
    rows += [{"role": "link", **link} for link in sorted(links, key=_time_order)]
    rows += [{"role": "outcome", **{k: v for k, v in o.items() if not k.startswith("_")}} for o in outcome_rows]
    return _finish(rows, divergences, first, False, n)


def _time_order(link: dict[str, Any]) -> tuple:
    """Links in time order: by the first year over seeds, then the median, then the state."""
    return int(str(link["years"]).split("-")[0]), link["year"], link["state"]


def _finish(rows: list[dict], divergences: pd.DataFrame, first: pd.DataFrame, identical: bool, n: int) -> Chain:
    table = pd.DataFrame(rows)
    table.insert(0, "step", range(1, len(table) + 1))
    table["share"] = table.seeds / n
    table["measure"] = table.get("measure", pd.Series("", index=table.index)).fillna("")
    return Chain(table[list(CHAIN_COLUMNS)], divergences, first, identical, n)


# -- in words --------------------------------------------------------------------------------------------------------


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _in_sentence(r) -> bool:
    """Diverging events and the centre's shares (hegemony, tolerance) go into the sentences; counts of states and
    members (the outcome, summed) and each state's public dissent stay in the table."""
    if r.kind != "series":
        return True
    reporter = _REPORTERS.get(r.measure)
    return not r.state and reporter is not None and reporter.kind == "share"


def chain_sentences(chain: Chain) -> list[str]:
    """The chain in a few plain sentences: the cause, the first divergence, the links in time order, the outcome."""
    t = chain.table
    found = t[t.role == "cause"].text.tolist()
    lines = [_sentence(("The changed cause: " if len(found) == 1 else "The changed causes: ") + "; ".join(found))]
    if chain.identical:
        return [*lines, _sentence(t[t.role == "no_divergence"].text.iloc[0])]
    lines.append(_sentence(t[t.role == "first_divergence"].text.iloc[0]))
    links = t[t.role == "link"]
    links = links[[_in_sentence(r) for r in links.itertuples()]]
    if len(links):
        lines.append(_sentence("Then, in time order: " + " -> ".join(
            f"{r.text} ({r.seeds}/{chain.n})" for r in links.itertuples())))  # fmt: skip
    out = t[t.role == "outcome"]
    lines.append(_sentence("Outcome: " + "; ".join(out.text)) if len(out) else
                 "Outcome: no state's status changes in another year or way in any seed.")  # fmt: skip
    return lines


_WORLD_WORDS = {
    "baseline only": "only in the baseline",
    "variant only": "only in the variant",
    "changed": "changed",
    "moved": "moved",
    "input": "",
    "both": "",
}


def _what(r) -> str:
    """A step's subject in words: the kind of event (and where it happens), the series, the change of status."""
    if r.kind == "series":
        return _series_label(r.measure) if not r.state else words(r.measure)
    if r.role == "outcome":
        return r.measure
    where = _WORLD_WORDS.get(r.world, r.world)
    return words(r.kind) + (f" ({where})" if where else "")


def chain_markdown(chain: Chain) -> list[str]:
    """The sentences (one paragraph each), then the chain as a table (lines of Markdown)."""
    lines = [line for sentence in chain_sentences(chain) for line in (sentence, "")]
    lines += ["## The chain from the cause to the outcome", "",
              "| step | role | years | state | what | in the baseline | in the variant | seeds |",
              "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in chain.table.itertuples():
        cells = [str(r.step), words(r.role), r.years, r.state or "", _what(r), r.baseline, r.variant,
                 f"{r.seeds}/{chain.n}"]  # fmt: skip
        if r.role in ("cause", "no_divergence") and not r.baseline and not r.variant:
            cells[5] = r.text
        lines.append("| " + " | ".join(str(c).replace("|", "/") for c in cells) + " |")
    return lines
