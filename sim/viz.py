"""What the live dashboard shows, computed from a model: chart options (Apache ECharts) and event sentences.

Every function here is pure: it reads a :class:`~sim.model.CommunistWorld` (its agents and the tables its
DataCollector has gathered so far) and returns plain dicts and lists, so the dashboard (``sim/dashboard/app.py``)
only lays them out, and the tests can check them without a browser. :func:`snapshot` gathers everything one
frame of the dashboard needs in one pass.

Charts are ECharts option dicts (rendered by ``solara.FigureEcharts``; the library's JavaScript is served from
the local assets of ``solara-assets``, so the dashboard works offline).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim import palette
from sim.features import FEATURE_LABELS, FEATURES, INDICATOR_OF
from sim.population import MEMBER_TYPES
from sim.vocab import EventKind

if TYPE_CHECKING:
    from sim.model import CommunistWorld

CATEGORIES = ("not_entered", "non_communist", "hybrid", "communist")
"""Map categories, in the order of their codes 0-3."""
LABELS = {
    "not_entered": "not yet entered",
    "non_communist": "non-communist",
    "hybrid": "hybrid",
    "communist": "communist",
}
COLOURS = palette.CATEGORY_COLOURS
FEATURE_NAMES = {f: f"{f.upper()} {FEATURE_LABELS[f]}" for f in FEATURES}
FEATURE_SHORT = {f: f.upper() for f in FEATURES}
TYPE_COLOURS = palette.MEMBER_TYPE_COLOURS
CAMP_COLOURS = palette.CAMP_COLOURS
TEXT_STYLE = {"fontFamily": "Roboto, Helvetica, Arial, sans-serif"}
MAIN_KINDS = frozenset(k for k in EventKind if not k.routine)
"""Event kinds the main event log shows (every kind but the yearly admonitions, which a state's log shows)."""
KIND_LABELS = {
    "status": "status change", "feature": "feature change", "takeover": "takeover", "split": "split",
    "expulsion": "expulsion", "rival_centre": "rival centre", "intervention": "intervention", "crisis": "mass protest",
    "crackdown": "crackdown", "concession": "concession", "standoff": "standoff", "coup": "coup",
    "coalition": "coalition", "readmission": "readmission", "leader": "new leader", "election": "free election",
    "institution": "institution", "doctrine": "doctrine", "occupation": "occupation", "withdrawal": "withdrawal",
    "policy": "policy", "founding": "party founded", "movement": "movement", "rename": "renamed", "ban": "party banned",
    "election_called": "election called", "party_rule": "party rule", "admonition": "admonition",
    "breakup": "break-up", "unification": "unification", "border": "border", "credibility": "credibility",
}  # fmt: skip
"""Each event kind in words (the log's tag)."""


# -- the state of each state this year -------------------------------------------------------------------------


def category(model: CommunistWorld, state) -> str:
    """The map category of a state this year: its status, or ``not_entered`` before its Communist entry year."""
    if state.entry_year is not None and not state.entered and not state.was_communist_ruled:
        return "not_entered"
    return state.status.value


def layout(model: CommunistWorld) -> dict[str, tuple[int, int]]:
    """Tile position (row, column) of every state: the scenario's ``map`` positions, or a grid in scenario order."""
    positions: dict[str, tuple[int, int]] = {}
    taken: set[tuple[int, int]] = set()
    for state in model.states:
        if state.map_position:
            pos = (int(state.map_position[0]), int(state.map_position[1]))
            positions[state.code] = pos
            taken.add(pos)
    width = max([c for _, c in taken], default=5) + 1
    free = (divmod(i, width) for i in range(10_000))
    for state in model.states:
        if state.code not in positions:
            pos = next(p for p in free if p not in taken)
            positions[state.code] = pos
            taken.add(pos)
    return positions


def _base(title: str = "") -> dict[str, Any]:
    option: dict[str, Any] = {"animation": False, "textStyle": TEXT_STYLE}
    if title:
        option["title"] = {"text": title, "left": 8, "top": 4, "textStyle": {"fontSize": 14, "fontWeight": 500}}
    return option


# -- one year, kept: what the timeline can go back to -------------------------------------------------------------


@dataclass(frozen=True)
class YearRecord:
    """What the world looked like at the end of one simulated year (kept per year, so the timeline can return).

    Attributes:
        year: the calendar year.
        running: whether the run goes on after this year.
        categories: each state's map category (code -> one of :data:`CATEGORIES`).
        features: each present state's six features (code -> six booleans), from its classification.
        values: the same states' six indicator values (recognition as 0 or 1).
        summaries: each state's one-line description that year (status, party, leader, members, route).
        network: the movement network's chart option that year.
        hegemony: the primary centre's hegemony that year.
        credibility: the publics' belief in its backing that year (:func:`sim.mechanisms.enforcement.learn`).
        ended: the states that no longer exist (unified with a neighbour): drawn, but left out of the counts.
    """

    year: int
    running: bool
    categories: dict[str, str]
    features: dict[str, tuple[bool, ...]]
    values: dict[str, tuple[float, ...]]
    summaries: dict[str, dict[str, str]]
    network: dict[str, Any]
    hegemony: float
    credibility: float = 0.0
    ended: frozenset[str] = frozenset()

    @property
    def counts(self) -> dict[str, int]:
        """Number of states in each map category."""
        counts = dict.fromkeys(CATEGORIES, 0)
        for code, cat in self.categories.items():
            if code not in self.ended:
                counts[cat] += 1
        return counts


def record(model: CommunistWorld) -> YearRecord:
    """The model's current year as a :class:`YearRecord` (computed from its agents)."""
    categories, features, values = {}, {}, {}
    for state in model.states:
        cat = category(model, state)
        categories[state.code] = cat
        if cat != "not_entered" and state.classification is not None and state.exists:
            features[state.code] = tuple(bool(h) for h in state.classification.features)
            ind = state.indicators
            values[state.code] = tuple(round(float(getattr(ind, INDICATOR_OF[f])), 2) for f in FEATURES)
    centre = model.primary_centre
    return YearRecord(
        year=model.year,
        running=bool(model.running),
        categories=categories,
        features=features,
        values=values,
        summaries={s.code: state_summary(model, s.code) for s in model.states},
        network=network_option(model),
        hegemony=round(float(centre.hegemony), 3) if centre is not None else 0.0,
        credibility=round(float(centre.credibility), 3) if centre is not None else 0.0,
        ended=frozenset(s.code for s in model.states if not s.exists),
    )


# -- the map ------------------------------------------------------------------------------------------------------


def map_option(
    model: CommunistWorld,
    year: YearRecord | None = None,
    selected: str | None = None,
    differs: frozenset[str] | set[str] = frozenset(),
    title: str = "",
    label_size: int = 12,
) -> dict[str, Any]:
    """A tile-grid map in geographic arrangement, each state coloured by its category in ``year``.

    A state not yet entered is a near-white tile with a dashed grey outline; the selected state has a black
    border; a state in ``differs`` (its fate differs in the other world of a what-if) a thick dashed one.
    """
    year = year or record(model)
    pos = layout(model)
    rows = max(r for r, _ in pos.values()) + 1
    cols = max(c for _, c in pos.values()) + 1
    data = []
    for state in model.states:
        r, c = pos[state.code]
        cat = year.categories[state.code]
        held = "".join("●" if h else "○" for h in year.features.get(state.code, ()))
        item: dict[str, Any] = {
            "value": [c, r, CATEGORIES.index(cat)],
            "name": f"{state.name}: {LABELS[cat]} {held}"
            if state.code not in year.ended
            else f"{state.name}: {ended_text(state)}",
            "label": {
                "show": True,
                "formatter": state.code,
                "fontSize": label_size,
                "fontWeight": 600 if label_size > 12 else 400,
                "color": "#fff" if cat in palette.DARK else "#1a1a1a",
            },
        }
        if cat == "not_entered" or state.code in year.ended:
            item["itemStyle"] = {"borderColor": palette.NOT_ENTERED_BORDER, "borderType": "dashed", "borderWidth": 1.5}
        if state.code in differs:
            item["itemStyle"] = {"borderColor": "#000", "borderType": "dashed", "borderWidth": 4}
        if state.code == selected:
            item["itemStyle"] = {"borderColor": "#000", "borderWidth": 4}
        data.append(item)
    option = _base(title)
    option.update(
        {
            "tooltip": {"formatter": "{b}"},
            "grid": {"left": 4, "right": 4, "top": 28 if title else 4, "bottom": 4},
            "xAxis": {"type": "category", "data": [str(i) for i in range(cols)], "show": False},
            "yAxis": {"type": "category", "data": [str(i) for i in range(rows)], "show": False, "inverse": True},
            "visualMap": {  # the page's status chips are the legend (an ECharts legend is cut in narrow boxes)
                "type": "piecewise",
                "dimension": 2,
                "show": False,
                "pieces": [{"value": i, "color": COLOURS[c]} for i, c in enumerate(CATEGORIES)],
            },
            "series": [
                {
                    "type": "heatmap",
                    "data": data,
                    "itemStyle": {"borderColor": "#fff", "borderWidth": 2, "borderRadius": 4},
                    "emphasis": {"itemStyle": {"borderColor": "#263238", "borderWidth": 2}},
                }
            ],
        }
    )
    return option


# -- series over time --------------------------------------------------------------------------------------------


def _table(model: CommunistWorld, name: str) -> Mapping[str, list]:
    return model.datacollector.tables[name]


def category_counts(model: CommunistWorld) -> dict[str, list[int]]:
    """Number of states in each map category, per collected year (``years`` first), from the states table."""
    table = _table(model, "states")
    years = np.asarray(table["year"])
    status = np.asarray(table["status"], dtype=object)
    entered = np.asarray(table["entered"], dtype=bool)
    entry = {s.code: s.entry_year for s in model.states}
    codes = np.asarray(table["code"], dtype=object)
    has_entry = np.array([entry[c] is not None for c in codes], dtype=bool)
    ruled = np.asarray(table["regime_age"]) >= 0
    # a state not yet entered: it has an entry year, has not reached it and has never been ruled so far
    ever_ruled: dict[str, bool] = {}
    not_entered = np.zeros(len(years), dtype=bool)
    for i in np.argsort(years, kind="stable"):
        code = codes[i]
        ever_ruled[code] = ever_ruled.get(code, False) or bool(ruled[i])
        not_entered[i] = has_entry[i] and not entered[i] and not ever_ruled[code]
    cats = np.where(not_entered, "not_entered", status)
    ended = {s.code: s.merged_year for s in model.states if s.merged_year is not None}
    exists = np.array([c not in ended or y < ended[c] for c, y in zip(codes, years, strict=True)], dtype=bool)
    unique_years = sorted(set(years.tolist()))
    index = {y: k for k, y in enumerate(unique_years)}
    counts = {c: [0] * len(unique_years) for c in CATEGORIES}
    for y, c, present in zip(years.tolist(), cats.tolist(), exists.tolist(), strict=True):
        if present:  # a state that has ended (unified with a neighbour) leaves the counts
            counts[c][index[y]] += 1
    return {"years": unique_years, **counts}


def counts_option(model: CommunistWorld, years: Sequence[YearRecord] | None = None) -> dict[str, Any]:
    """States in each category over time (stacked), with the centre's hegemony and its credibility (what the camp's
    publics believe of it) on a second axis.

    The year axis spans the whole run, so the chart does not rescale as the run goes on; ``years`` are the
    records to draw (by default the collected years of the model).
    """
    if years is None:
        counts = category_counts(model)
        drawn = counts["years"]
        series = model.datacollector.model_vars
        hegemony = [round(float(h), 3) for h in series.get("hegemony", [])[: len(drawn)]]
        credibility = [round(float(c), 3) for c in series.get("credibility", [])[: len(drawn)]]
    else:
        drawn = [r.year for r in years]
        per = [r.counts for r in years]
        counts = {c: [p[c] for p in per] for c in CATEGORIES}
        hegemony = [r.hegemony for r in years]
        credibility = [r.credibility for r in years]
    option = _base()
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {
                "type": "scroll",
                "top": 0,
                "itemGap": 8,
                "data": [LABELS[c] for c in reversed(CATEGORIES)] + ["hegemony", "credibility"],
            },
            "grid": {"left": 36, "right": 40, "top": 36, "bottom": 24},
            "xAxis": year_axis(model),
            "yAxis": [
                {"type": "value", "minInterval": 1, "max": len(model.states)},
                {"type": "value", "min": 0, "max": 1, "splitLine": {"show": False}},
            ],
            "series": [
                {
                    "name": LABELS[c],
                    "type": "line",
                    "stack": "states",
                    "areaStyle": {"opacity": 0.9},
                    "symbol": "none",
                    "lineStyle": {"width": 0},
                    "color": COLOURS[c] if c != "not_entered" else "#dddddd",
                    "data": [[str(y), n] for y, n in zip(drawn, counts[c], strict=True)],
                }
                for c in reversed(CATEGORIES)
            ]
            + [
                {
                    "name": name,
                    "type": "line",
                    "yAxisIndex": 1,
                    "symbol": "none",
                    "color": "#1a1a1a",
                    "lineStyle": style,
                    "data": [[str(y), v] for y, v in zip(drawn, values, strict=True)],
                }
                for name, values, style in (
                    ("hegemony", hegemony, {"width": 2, "type": "dashed"}),
                    ("credibility", credibility, {"width": 1.5, "type": "dotted"}),
                )
            ],
        }
    )
    return option


# -- the six features this year ---------------------------------------------------------------------------------


def feature_rows(model: CommunistWorld, year: YearRecord | None = None) -> list[dict[str, Any]]:
    """Each present state's features and indicator values, communist first, then hybrid, then others."""
    year = year or record(model)
    order = {"communist": 0, "hybrid": 1, "non_communist": 2}
    rows = [
        {
            "code": s.code,
            "name": s.name,
            "status": year.categories[s.code],
            "features": list(year.features[s.code]),
            "values": list(year.values[s.code]),
        }
        for s in model.states
        if s.code in year.features
    ]
    rows.sort(key=lambda r: (order[r["status"]], -sum(r["features"]), r["code"]))
    return rows


def features_height(rows: int) -> int:
    """Pixel height of the six-features chart with ``rows`` states (one readable row each)."""
    return 44 + 20 * max(rows, 3)


def features_option(model: CommunistWorld, year: YearRecord | None = None) -> dict[str, Any]:
    """States x features for one year: a filled cell is a feature the state has, labelled with its indicator.

    Labels are two digits (``.85``, a tick for recognition), so a cell stays readable at projector widths.
    """
    year = year or record(model)
    rows = feature_rows(model, year)
    labels = [f"{r['code']} {LABELS[r['status']]}" for r in rows]
    data = []
    for y, row in enumerate(rows):
        for x, (held, value) in enumerate(zip(row["features"], row["values"], strict=True)):
            text = ("✓" if value else "✗") if x == 5 else f"{value:.2f}".removeprefix("0").replace("1.00", "1")
            data.append({"value": [x, y, 1 if held else 0], "label": {"formatter": text}})
    option = _base()
    option.update(
        {
            "tooltip": {"show": False},
            "grid": {"left": 8, "right": 8, "top": 24, "bottom": 4, "containLabel": True},
            "xAxis": {
                "type": "category",
                "data": [FEATURE_SHORT[f] for f in FEATURES],
                "position": "top",
                "axisLabel": {"interval": 0, "fontSize": 12, "fontWeight": 600},
                "axisTick": {"show": False},
            },
            "yAxis": {
                "type": "category",
                "data": labels,
                "inverse": True,
                "axisLabel": {"fontSize": 11, "interval": 0},
                "axisTick": {"show": False},
            },
            "legend": {"show": False},
            "visualMap": {
                "type": "piecewise",
                "dimension": 2,
                "show": False,
                "pieces": [{"value": 0, "color": palette.FEATURE_LOST}, {"value": 1, "color": palette.FEATURE_HELD}],
            },
            "series": [
                {
                    "type": "heatmap",
                    "data": data,
                    "label": {"show": True, "fontSize": 11},
                    "itemStyle": {"borderColor": "#fff", "borderWidth": 1},
                }
            ],
        }
    )
    for item in data:
        item["label"]["color"] = "#fff" if item["value"][2] else "#333"
    return option


# -- the movement network -----------------------------------------------------------------------------------------


def _camp_of(model: CommunistWorld, party) -> str:
    if party.camp is None:
        return "independent"
    centre = next((c for c in model.centres if c.code == party.camp), None)
    return "rival" if centre is not None and centre.rival else "moscow"


def network_option(model: CommunistWorld, recent_years: int = 5) -> dict[str, Any]:
    """Parties of the movement as nodes at their state's map position, recognitions as edges, centres marked.

    Node colour: the camp (Moscow's, a rival centre's, independent; a scale of its own, not the status colours);
    a ruling party is drawn larger; a party that split or was expelled in the last ``recent_years`` years is drawn
    largest with its break's year. The axes keep the map's aspect ratio (nodes are not stretched by the box).
    """
    graph = model.movement.graph
    pos = layout(model)
    parties = {p.code: p for p in model.communist_parties}
    breaks: dict[str, int] = {}
    events = _table(model, "events")
    for year, kind, code in zip(events["year"], events["kind"], events["code"], strict=True):
        if kind in ("split", "expulsion") and year > model.year - recent_years:
            breaks[code] = year
    category_names = ["Moscow's camp", "rival camp", "independent", "centre"]
    kinds = ["moscow", "rival", "independent", "centre"]
    nodes = []
    for node, attrs in graph.nodes(data=True):
        if attrs.get("kind") == "centre":
            centre = next(c for c in model.centres if c.code == node)
            r, c = pos[centre.host.code]
            nodes.append(
                {
                    "name": node,
                    "value": f"{centre.name}, hegemony {centre.hegemony:.2f}, credibility {centre.credibility:.2f}",
                    "x": c * 100 - 38,
                    "y": r * 100 - 38,
                    "symbol": "diamond",
                    "symbolSize": 26,
                    "category": 3,
                    "label": {"show": True, "formatter": centre.code, "position": "top", "fontWeight": 700},
                }
            )
            continue
        party = parties.get(node)
        if party is None:
            continue
        state = party.state
        r, c = pos[state.code]
        camp = _camp_of(model, party)
        broke = breaks.get(state.code)
        node_item: dict[str, Any] = {
            "name": node,
            "value": f"{party.name} ({state.name}): {party.role.replace('_', ' ')}, {camp} camp",
            "x": c * 100,
            "y": r * 100,
            "symbolSize": (26 if broke else 18 if party.in_office else 10),
            "category": kinds.index(camp),
        }
        node_item["label"] = {"show": True, "formatter": f"{state.code} split {broke}" if broke else state.code}
        if broke:
            node_item["label"]["fontWeight"] = 700
        nodes.append(node_item)
    names = {n["name"] for n in nodes}
    centre_codes = {c.code for c in model.centres}
    links = []
    for u, v in graph.edges():
        if u not in names or v not in names:
            continue
        link: dict[str, Any] = {"source": u, "target": v}
        if u in centre_codes:
            link["lineStyle"] = {"color": "#000", "opacity": 0.5, "width": 1.2}
        links.append(link)
    option = _base()
    option.update(
        {
            "tooltip": {"formatter": "{c}"},
            "legend": {"type": "scroll", "top": 0, "data": category_names},
            "series": [
                {
                    "type": "graph",
                    "layout": "none",
                    # no box edges: ECharts then keeps the map's aspect ratio (80% of the box, centred)
                    "data": nodes,
                    "links": links,
                    "categories": [
                        {"name": n, "itemStyle": {"color": CAMP_COLOURS[k]}}
                        for n, k in zip(category_names, kinds, strict=True)
                    ],
                    "label": {"show": False, "position": "bottom", "fontSize": 10},
                    "lineStyle": {"color": "#9aa5ad", "opacity": 0.15, "width": 0.6, "curveness": 0.1},
                    "edgeSymbol": ["none", "arrow"],
                    "edgeSymbolSize": 4,
                    "emphasis": {"focus": "adjacency"},
                }
            ],
        }
    )
    return option


# -- one state over time ------------------------------------------------------------------------------------------


def year_axis(model: CommunistWorld) -> dict[str, Any]:
    """A category axis of every year of the run (years read as years, not as 1,920)."""
    return {
        "type": "category",
        "data": [str(y) for y in range(model.start_year, model.end_year + 1)],
        "boundaryGap": False,
        "axisLabel": {"hideOverlap": True},
    }


def _rows_of(table: Mapping[str, list], column: str, value: str, until: int | None = None) -> np.ndarray:
    rows = np.flatnonzero(np.asarray(table[column], dtype=object) == value)
    if until is not None:
        rows = rows[np.asarray(table["year"])[rows] <= until]
    return rows


def _line(name: str, years: list, values, colour: str, **extra) -> dict[str, Any]:
    return {
        "name": name,
        "type": "line",
        "symbol": "none",
        "color": colour,
        "data": [[str(y), None if v != v else round(float(v), 3)] for y, v in zip(years, values, strict=True)],
        **extra,
    }


def state_series(model: CommunistWorld, code: str, until: int | None = None) -> dict[str, Any]:
    """The collected history of one state and of its Communist party up to ``until`` (default: every year)."""
    states = _table(model, "states")
    rows = _rows_of(states, "code", code, until)
    out: dict[str, Any] = {"years": [int(states["year"][i]) for i in rows]}
    for column in ("monopoly", "centralism", "ownership", "command", "goal", "recognised", "public_dissent",
                   "private_opposition", "crisis", "status"):  # fmt: skip
        out[column] = [states[column][i] for i in rows]
    state = model.state_by_code[code]
    out["members"] = {t: [] for t in MEMBER_TYPES}
    out["member_years"] = []
    if state.communist is not None:
        parties = _table(model, "parties")
        prow = _rows_of(parties, "code", state.communist.code, until)
        out["member_years"] = [int(parties["year"][i]) for i in prow]
        members = np.asarray([parties["members"][i] for i in prow], dtype=float)
        for t in MEMBER_TYPES:
            share = np.nan_to_num(np.asarray([parties[f"share_{t}"][i] for i in prow], dtype=float))
            out["members"][t] = (members * share).tolist()
        out["member_dissent"] = [float(parties["member_dissent"][i]) for i in prow]
    return out


def ended_text(state) -> str:
    """How a state that no longer exists ended, in words (``merged into West Germany in 1990``)."""
    partner = state.model.state_by_code[state.merged_into]
    return f"merged into {partner.name} in {state.merged_year}"


def state_summary(model: CommunistWorld, code: str) -> dict[str, str]:
    """One line each: the state, its status and features, its ruling party and leader, its route to power."""
    state = model.state_by_code[code]
    cat = category(model, state)
    cls = state.classification
    held = [f.upper() for f, h in zip(FEATURES, cls.features, strict=True) if h] if cls else []
    party = state.communist
    leader = party.leader if party is not None else None
    return {
        "name": state.name,
        "status": LABELS[cat] if state.exists else f"{LABELS[cat]}, {ended_text(state)}",
        "category": cat,
        "features": ", ".join(held) if held else "none",
        "party": f"{party.name} ({party.role.replace('_', ' ')})" if party is not None else "no Communist party",
        "leader": leader.describe() if leader is not None and party is not None and party.in_office else "",
        "route": f"{state.route_to_power.replace('_', ' ')}" + (f", {state.entry_year}" if state.entry_year else ""),
        "members": f"{party.membership:,.0f}" if party is not None else "0",
    }


INDICATOR_COLOURS = ("#a51c30", "#6a3d9a", "#1b7837", "#e66100", "#0072b2", "#444444")
"""Line colours of the six indicators in a state's chart (distinct from one another, not a status scale)."""


def indicators_option(
    model: CommunistWorld,
    code: str,
    series: dict[str, Any] | None = None,
    real_years: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """A state's five indicators and recognition over time, each threshold a labelled dashed line.

    ``real_years`` (e.g. ``{"entry (historical)": 1947}``) are marked as vertical lines beside the simulated run.
    """
    s = series or state_series(model, code)
    th = model.thresholds
    thresholds = [th.monopoly, th.centralism, th.ownership, th.command, th.goal, None]
    names = [f"{f.upper()} {INDICATOR_OF[f]}" for f in FEATURES]
    series_list = []
    for f, name, colour, threshold in zip(FEATURES, names, INDICATOR_COLOURS, thresholds, strict=True):
        column = INDICATOR_OF[f]
        values = [float(v) for v in s[column]]
        extra: dict[str, Any] = {}
        if threshold is not None:
            extra["markLine"] = {
                "silent": True,
                "symbol": "none",
                "label": {
                    "show": True,
                    "position": "insideEndTop",
                    "formatter": f"{f.upper()} ≥ {threshold:g}",
                    "fontSize": 10,
                    "color": colour,
                },
                "lineStyle": {"type": "dashed", "color": colour, "opacity": 0.6},
                "data": [{"yAxis": round(float(threshold), 3)}],
            }
        if column == "recognised":
            extra["lineStyle"] = {"type": "dotted", "width": 2}
            extra["step"] = "end"
        series_list.append(_line(name, s["years"], values, colour, **extra))
    if real_years:
        series_list.append(
            {
                "name": "historical record",
                "type": "line",
                "data": [],
                "color": "#000",
                "markLine": {
                    "silent": True,
                    "symbol": "none",
                    "lineStyle": {"type": "solid", "color": "#000", "width": 1.5},
                    "label": {"formatter": "{b}", "position": "insideStartTop", "fontSize": 10},
                    "data": [{"xAxis": str(year), "name": f"{label} {year}"} for label, year in real_years.items()],
                },
            }
        )
    option = _base()
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"type": "scroll", "top": 0, "data": names + (["historical record"] if real_years else [])},
            "grid": {"left": 36, "right": 12, "top": 40, "bottom": 24},
            "xAxis": year_axis(model),
            "yAxis": {"type": "value", "min": 0, "max": 1},
            "series": series_list,
        }
    )
    return option


def _members_tick(value: float) -> str:
    return f"{value / 1e6:g}M" if value >= 1e6 else f"{value / 1e3:g}k" if value >= 1e3 else f"{value:g}"


def members_option(model: CommunistWorld, code: str, series: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state's Communist party members by derived type over time (stacked).

    Large parties are drawn in thousands or millions (the axis is named so), so that a tick reads ``2.5``, never a
    cut ``00,000,000``.
    """
    s = series or state_series(model, code)
    top = max((sum(v) for v in zip(*s["members"].values(), strict=True)), default=0.0)
    unit, divisor = (
        ("million members", 1e6) if top >= 2e6 else ("thousand members", 1e3) if top >= 2e3 else ("members", 1)
    )
    option = _base()
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"type": "scroll", "top": 0, "data": [t.replace("_", " ") for t in MEMBER_TYPES]},
            "grid": {"left": 8, "right": 12, "top": 48, "bottom": 24, "containLabel": True},
            "xAxis": year_axis(model),
            "yAxis": {"type": "value", "name": unit, "nameGap": 6, "nameTextStyle": {"align": "left"}},
            "series": [
                _line(
                    t.replace("_", " "),
                    s["member_years"],
                    [v / divisor for v in s["members"][t]],
                    TYPE_COLOURS[t],
                    stack="members",
                    areaStyle={"opacity": 0.85},
                    lineStyle={"width": 0},
                )
                for t in MEMBER_TYPES
            ],
        }
    )
    return option


def dissent_option(model: CommunistWorld, code: str, series: dict[str, Any] | None = None) -> dict[str, Any]:
    """Public dissent against private opposition: the gap that makes collapses sudden (Kuran 1991)."""
    s = series or state_series(model, code)
    crises = [[str(y), 1.0] for y, c in zip(s["years"], s["crisis"], strict=True) if c]
    option = _base()
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"type": "scroll", "top": 0, "data": ["private opposition", "public dissent", "mass protest"]},
            "grid": {"left": 36, "right": 12, "top": 36, "bottom": 24},
            "xAxis": year_axis(model),
            "yAxis": {"type": "value", "min": 0, "max": 1},
            "series": [
                _line(
                    "private opposition", s["years"], s["private_opposition"], "#0072b2", areaStyle={"opacity": 0.15}
                ),
                _line("public dissent", s["years"], s["public_dissent"], "#a51c30", areaStyle={"opacity": 0.3}),
                {
                    "name": "mass protest",
                    "type": "scatter",
                    "symbol": "triangle",
                    "symbolSize": 9,
                    "color": "#000",
                    "data": crises,
                },
            ],
        }
    )
    return option


def series_option(model: CommunistWorld, name: str, until: int | None = None, code: str | None = None):
    """A chart of any collected series: a model reporter (``hegemony``), or a states-table column of one state."""
    if code is None:
        values = model.datacollector.model_vars[name]
        years = model.datacollector.model_vars["year"]
        title = name.replace("_", " ")
    else:
        table = _table(model, "states")
        rows = _rows_of(table, "code", code, until)
        years = [table["year"][i] for i in rows]
        values = [table[name][i] for i in rows]
        title = f"{name.replace('_', ' ')} of {model.state_by_code[code].name}"
    pairs = [(y, v) for y, v in zip(years, values, strict=True) if until is None or y <= until]
    numeric = [float(v) if isinstance(v, int | float | np.number) else None for _, v in pairs]
    option = _base(title)
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "grid": {"left": 8, "right": 16, "top": 36, "bottom": 24, "containLabel": True},
            "xAxis": year_axis(model),
            "yAxis": {"type": "value", "scale": True},
            "series": [_line(name, [y for y, _ in pairs], numeric, "#0072b2")],
        }
    )
    return option


def numeric_series(model: CommunistWorld) -> dict[str, list[str]]:
    """Names of the collected numeric series that :func:`series_option` can chart: model-wide and per state."""
    model_vars = [k for k, v in model.datacollector.model_vars.items() if k != "year" and _is_numeric(v)]
    table = _table(model, "states")
    per_state = [k for k, v in table.items() if k not in ("year", "code") and _is_numeric(v)]
    return {"world": model_vars, "state": per_state}


def _is_numeric(values: list) -> bool:
    return bool(values) and isinstance(values[0], int | float | bool | np.number) and not isinstance(values[0], str)


# -- the event log and the "why" ----------------------------------------------------------------------------------


@dataclass
class Event:
    """One line of the event log."""

    year: int
    code: str
    kind: str
    text: str
    to_status: str = ""


def events(
    model: CommunistWorld,
    limit: int | None = 80,
    kinds: Sequence[str] | None = None,
    code: str | None = None,
    until: int | None = None,
    since: int | None = None,
    offset: int = 0,
) -> list[Event]:
    """Events newest first, as readable sentences.

    Args:
        model: the model whose events table is read.
        limit: at most this many (None: all).
        kinds: only these kinds (default: :data:`MAIN_KINDS`; a state's own log passes every kind).
        code: only this state's events.
        until: only events up to this year (the year the timeline shows).
        since: only events from this year on.
        offset: skip this many matching events first (paging).
    """
    table = _table(model, "events")
    n = len(table["year"])
    wanted = set(kinds) if kinds is not None else MAIN_KINDS
    out: list[Event] = []
    skipped = 0
    for i in range(n - 1, -1, -1):
        kind, year = table["kind"][i], int(table["year"][i])
        if until is not None and year > until:
            continue
        if since is not None and year < since:
            break
        if kind not in wanted or (code is not None and table["code"][i] != code):
            continue
        if skipped < offset:
            skipped += 1
            continue
        out.append(Event(year, table["code"][i], kind, in_words(table["text"][i]), table["to_status"][i]))
        if limit is not None and len(out) >= limit:
            break
    return out


def count_events(model: CommunistWorld, code: str, until: int | None = None, since: int | None = None) -> int:
    """How many events (of every kind) a state has between ``since`` and ``until``."""
    table = _table(model, "events")
    return sum(
        1
        for c, y in zip(table["code"], table["year"], strict=True)
        if c == code and (until is None or y <= until) and (since is None or y >= since)
    )


_STATUS_WORDS = {"non_communist": "non-communist", "communist": "communist", "hybrid": "hybrid"}
_FEATURE_CHANGE = re.compile(r"\bF([1-6]) (lost|gained) \(([^)]*)\)")


def in_words(text: str) -> str:
    """An event sentence for a reader: status names in words, ``->`` as an arrow, features named.

    The leading year and state code of the model's sentence are dropped (the log shows them in columns).
    """
    text = re.sub(r"^\d{4} [A-Z0-9]{2,4} ", "", text)
    text = re.sub(r"\b(non_communist|communist|hybrid) -> (non_communist|communist|hybrid)\b",
                  lambda m: f"{_STATUS_WORDS[m[1]]} → {_STATUS_WORDS[m[2]]}", text)  # fmt: skip
    text = re.sub(r"\bstays (non_communist|communist|hybrid)\b", lambda m: f"stays {_STATUS_WORDS[m[1]]}", text)
    text = _FEATURE_CHANGE.sub(
        lambda m: f"F{m[1]} ({FEATURE_LABELS[f'f{m[1]}']}) {m[2]} ({m[3]})", text.replace(" -> ", " → ")
    )
    return text


def why(model: CommunistWorld, code: str, until: int | None = None) -> list[str]:
    """A plain sentence for each status change of a state: what it became, which feature changed, and why.

    The feature that changed and its indicator's move come from the status event (the classification of
    :mod:`sim.features`); the causes are the rest of that event's own explanation and the state's other events
    of the same year (a mass protest, a concession, an election, a takeover).
    """
    table = _table(model, "events")
    name = model.state_by_code[code].name
    th = model.thresholds
    limits = {"f1": th.monopoly, "f2": th.centralism, "f3": th.ownership, "f4": th.command, "f5": th.goal}
    rows = [i for i, c in enumerate(table["code"]) if c == code and (until is None or table["year"][i] <= until)]
    sentences = []
    for i in rows:
        if table["kind"][i] != "status":
            continue
        year = int(table["year"][i])
        before, after = _STATUS_WORDS[table["from_status"][i]], _STATUS_WORDS[table["to_status"][i]]
        changed = []
        for m in _FEATURE_CHANGE.finditer(table["text"][i]):
            f = f"f{m[1]}"
            limit = f", threshold {limits[f]:g}" if f in limits else ""
            changed.append(f"{m[2]} {f.upper()} {FEATURE_LABELS[f]} ({m[3].replace(' -> ', ' → ')}{limit})")
        text = table["text"][i]
        cause = text.split(" after ", 1)[1] if " after " in text else ""
        same_year = [
            KIND_LABELS.get(table["kind"][j], table["kind"][j])
            for j in rows
            if table["year"][j] == year and j != i and table["kind"][j] not in ("status", "feature", "admonition")
        ]
        sentence = f"In {year} {name} went from {before} to {after}: it {' and '.join(changed) or 'changed status'}."
        if cause:
            sentence += f" Cause: {in_words(cause.split(';')[0])}."
        if same_year:
            sentence += f" That year: {', '.join(dict.fromkeys(same_year))}."
        sentences.append(sentence)
    return sentences


def status_headlines(model: CommunistWorld, until: int | None = None, limit: int = 5) -> list[tuple[str, str]]:
    """The latest status changes as short headlines for a projector, newest first: (to_status, text).

    For example ``("hybrid", "1985 China: communist → hybrid (lost F4 command economy)")``.
    """
    table = _table(model, "events")
    out: list[tuple[str, str]] = []
    for i in range(len(table["year"]) - 1, -1, -1):
        year = int(table["year"][i])
        if table["kind"][i] != "status" or (until is not None and year > until):
            continue
        name = model.state_by_code[table["code"][i]].short_name
        lost = [f for f in str(table["features_lost"][i]).split(",") if f]
        gained = [f for f in str(table["features_gained"][i]).split(",") if f]
        parts = [f"lost {', '.join(f'{f} {FEATURE_LABELS[f.lower()]}' for f in lost)}"] if lost else []
        parts += [f"gained {', '.join(f'{f} {FEATURE_LABELS[f.lower()]}' for f in gained)}"] if gained else []
        change = f"{_STATUS_WORDS[table['from_status'][i]]} → {_STATUS_WORDS[table['to_status'][i]]}"
        out.append((table["to_status"][i], f"{year} {name}: {change}" + (f" ({'; '.join(parts)})" if parts else "")))
        if len(out) >= limit:
            break
    return out


# -- one frame ----------------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Everything one frame of the dashboard shows (for tests and scripts; the app composes the same parts)."""

    year: int
    start_year: int
    end_year: int
    running: bool
    title: str
    counts: dict[str, int]
    map: dict[str, Any]
    counts_chart: dict[str, Any]
    features: dict[str, Any]
    network: dict[str, Any]
    events: list[Event]
    selected: str | None = None
    summary: dict[str, str] = field(default_factory=dict)
    indicators: dict[str, Any] = field(default_factory=dict)
    members: dict[str, Any] = field(default_factory=dict)
    dissent: dict[str, Any] = field(default_factory=dict)
    features_height: int = 400


def snapshot(model: CommunistWorld, selected: str | None = None, only_status: bool = False) -> Snapshot:
    """Compute one frame: every chart option, the counts, the latest events and the selected state's charts."""
    year = record(model)
    if selected not in model.state_by_code:
        selected = None
    frame = Snapshot(
        year=model.year,
        start_year=model.start_year,
        end_year=model.end_year,
        running=bool(model.running),
        title=model.spec.scenario.title or model.spec.scenario.name,
        counts=year.counts,
        map=map_option(model, year, selected),
        counts_chart=counts_option(model),
        features=features_option(model, year),
        network=year.network,
        events=events(model, kinds=("status", "feature") if only_status else None),
        selected=selected,
        features_height=features_height(len(year.features)),
    )
    if selected is not None:
        series = state_series(model, selected)
        frame.summary = year.summaries[selected]
        frame.indicators = indicators_option(model, selected, series)
        frame.members = members_option(model, selected, series)
        frame.dissent = dissent_option(model, selected, series)
    return frame


# -- the hegemony schedule ----------------------------------------------------------------------------------------


def _interpolate(points: Sequence[tuple[int, float]], year: float) -> float:
    if year <= points[0][0]:
        return points[0][1]
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return v0 if y1 == y0 else v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    return points[-1][1]


def reshape_hegemony(points: Sequence[Sequence[float]], level: float, fall_year: int, end_year: int):
    """The hegemony schedule with its high plateau set to ``level`` and its fall ending in ``fall_year``.

    The plateau is the span at the schedule's highest value; the fall goes from the plateau level to the
    schedule's final value over the same number of years as in the original (at least one), ending in
    ``fall_year``, and hegemony stays at the final value from then on. A fall that would begin before the
    plateau starts begins from the rising schedule's value in that year (the plateau is never reached); a fall
    year at or before the schedule's first year gives the final value throughout. With the original level and
    fall year the schedule is returned unchanged (as a list of [year, value] pairs).
    """
    pts = sorted((int(y), float(v)) for y, v in points)
    if len(pts) < 2:
        return [[y, v] for y, v in pts]
    top = max(v for _, v in pts)
    first_top = next(i for i, (_, v) in enumerate(pts) if v == top)
    last_top = max(i for i, (_, v) in enumerate(pts) if v == top)
    low = pts[-1][1]
    original_end = fall_year_of(pts)
    if original_end is None:
        # no fall in the original: hold the level from the plateau to the end, then fall to the final value
        fall_years = 3
        original_end = pts[-1][0]
    else:
        fall_years = max(1, original_end - pts[last_top][0])
    if level == top and fall_year == original_end:
        return [[y, v] for y, v in pts]
    first_year, start_of_plateau = pts[0][0], pts[first_top][0]
    last_year = max(end_year, pts[-1][0])
    if fall_year <= first_year:
        return [[first_year, low], [last_year, low]] if last_year > first_year else [[first_year, low]]
    fall_start = fall_year - fall_years
    rising = [*pts[:first_top], (start_of_plateau, level)]
    if fall_start >= start_of_plateau:
        out = [[y, v] for y, v in rising]
        if fall_start > start_of_plateau:
            out.append([fall_start, level])
    else:
        out = [[y, v] for y, v in rising if y < fall_start]
        start = max(fall_start, first_year)
        out.append([start, round(_interpolate(rising, start), 6)])
    out.append([fall_year, low])
    if last_year > fall_year:
        out.append([last_year, low])
    return out


def fall_year_of(points: Sequence[Sequence[float]]) -> int | None:
    """The year a hegemony schedule reaches its final value after its plateau (None if it never falls)."""
    pts = sorted((int(y), float(v)) for y, v in points)
    if not pts:
        return None
    top = max(v for _, v in pts)
    last_top = max(i for i, (_, v) in enumerate(pts) if v == top)
    low = pts[-1][1]
    if low >= top:
        return None
    return next(y for y, v in pts[last_top + 1 :] if v == low)
