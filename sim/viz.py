"""What the live dashboard shows, computed from a model: chart options (Apache ECharts) and event sentences.

Every function here is pure: it reads a :class:`~sim.model.CommunistWorld` (its agents and the tables its
DataCollector has gathered so far) and returns plain dicts and lists, so the dashboard (``sim/dashboard/app.py``)
only lays them out, and the tests can check them without a browser. :func:`snapshot` gathers everything one
frame of the dashboard needs in one pass.

Charts are ECharts option dicts (rendered by ``solara.FigureEcharts``; the library's JavaScript is served from
the local assets of ``solara-assets``, so the dashboard works offline).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.features import FEATURE_LABELS, FEATURES, INDICATOR_OF
from sim.population import MEMBER_TYPES

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
COLOURS = {
    "not_entered": "#eceff1",
    "non_communist": "#b0bec5",
    "hybrid": "#f29d38",
    "communist": "#b3261e",
}
FEATURE_NAMES = {f: f"{f.upper()} {FEATURE_LABELS[f]}" for f in FEATURES}
FEATURE_SHORT = {f: f.upper() for f in FEATURES}
TYPE_COLOURS = {
    "believer": "#b3261e",
    "reformer": "#2e7d32",
    "closet_social_democrat": "#1565c0",
    "conservative": "#5d4037",
    "careerist": "#f29d38",
    "other": "#b0bec5",
}
CAMP_COLOURS = {"moscow": "#b3261e", "rival": "#f9a825", "independent": "#607d8b", "centre": "#212121"}
TEXT_STYLE = {"fontFamily": "Roboto, Helvetica, Arial, sans-serif"}
MAIN_KINDS = frozenset(
    {"status", "feature", "takeover", "split", "expulsion", "rival_centre", "intervention", "crisis", "crackdown",
     "concession", "standoff", "coup", "coalition", "readmission", "leader", "election", "institution", "doctrine",
     "occupation", "withdrawal", "policy", "founding", "movement", "rename"}
)  # fmt: skip


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


def map_option(model: CommunistWorld, selected: str | None = None) -> dict[str, Any]:
    """A tile-grid map in geographic arrangement, each state coloured by its category, with the year."""
    pos = layout(model)
    rows = max(r for r, _ in pos.values()) + 1
    cols = max(c for _, c in pos.values()) + 1
    data = []
    for state in model.states:
        r, c = pos[state.code]
        cat = category(model, state)
        features = "".join(
            "●" if held else "○" for held in (state.classification.features if state.classification else [])
        )
        item: dict[str, Any] = {
            "value": [c, r, CATEGORIES.index(cat)],
            "name": f"{state.name}: {LABELS[cat]} {features}",
            "label": {"show": True, "formatter": state.code, "color": "#fff" if cat in ("communist",) else "#263238"},
        }
        if state.code == selected:
            item["itemStyle"] = {"borderColor": "#000", "borderWidth": 3}
        data.append(item)
    option = _base()
    option.update(
        {
            "title": {
                "text": str(model.year),
                "right": 12,
                "top": 0,
                "textStyle": {"fontSize": 28, "fontWeight": 700, "color": "#37474f"},
            },
            "tooltip": {"formatter": "{b}"},
            "grid": {"left": 4, "right": 4, "top": 36, "bottom": 40},
            "xAxis": {"type": "category", "data": [str(i) for i in range(cols)], "show": False},
            "yAxis": {"type": "category", "data": [str(i) for i in range(rows)], "show": False, "inverse": True},
            "visualMap": {
                "type": "piecewise",
                "dimension": 2,
                "orient": "horizontal",
                "left": "center",
                "bottom": 4,
                "pieces": [{"value": i, "label": LABELS[c], "color": COLOURS[c]} for i, c in enumerate(CATEGORIES)],
                "selectedMode": False,
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
    """Number of states in each map category, per collected year (``years`` first)."""
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
    unique_years = sorted(set(years.tolist()))
    index = {y: k for k, y in enumerate(unique_years)}
    counts = {c: [0] * len(unique_years) for c in CATEGORIES}
    for y, c in zip(years.tolist(), cats.tolist(), strict=True):
        counts[c][index[y]] += 1
    return {"years": unique_years, **counts}


def counts_option(model: CommunistWorld) -> dict[str, Any]:
    """States in each category over time (stacked), with the centre's hegemony on a second axis."""
    counts = category_counts(model)
    years = counts["years"]
    hegemony = model.datacollector.model_vars.get("hegemony", [])
    option = _base("States by status")
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 26, "data": [LABELS[c] for c in reversed(CATEGORIES)] + ["hegemony"]},
            "grid": {"left": 40, "right": 44, "top": 64, "bottom": 28},
            "xAxis": {"type": "category", "data": years, "boundaryGap": False},
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
                    "color": COLOURS[c],
                    "data": counts[c],
                }
                for c in reversed(CATEGORIES)
            ]
            + [
                {
                    "name": "hegemony",
                    "type": "line",
                    "yAxisIndex": 1,
                    "symbol": "none",
                    "color": "#263238",
                    "lineStyle": {"width": 2, "type": "dashed"},
                    "data": [round(float(h), 3) for h in hegemony[: len(years)]],
                }
            ],
        }
    )
    return option


# -- the six features this year ---------------------------------------------------------------------------------


def feature_rows(model: CommunistWorld) -> list[dict[str, Any]]:
    """Each present state's features and indicator values this year, communist first, then hybrid, then others."""
    order = {"communist": 0, "hybrid": 1, "non_communist": 2}
    rows = []
    for state in model.states:
        cat = category(model, state)
        if cat == "not_entered" or state.classification is None:
            continue
        ind = state.indicators
        values = [float(getattr(ind, INDICATOR_OF[f])) for f in FEATURES]
        rows.append(
            {
                "code": state.code,
                "name": state.name,
                "status": cat,
                "features": list(state.classification.features),
                "values": [round(float(v), 2) for v in values],
            }
        )
    rows.sort(key=lambda r: (order[r["status"]], -sum(r["features"]), r["code"]))
    return rows


def features_option(model: CommunistWorld) -> dict[str, Any]:
    """States x features for the current year: a filled cell is a feature the state has, with its indicator."""
    rows = feature_rows(model)
    labels = [f"{r['code']} ({LABELS[r['status']]})" for r in rows]
    data = []
    for y, row in enumerate(rows):
        for x, (held, value) in enumerate(zip(row["features"], row["values"], strict=True)):
            text = ("yes" if value else "no") if x == 5 else f"{value:.2f}"
            data.append(
                {
                    "value": [x, y, 1 if held else 0],
                    "name": f"{row['name']}, {FEATURE_NAMES[FEATURES[x]]}: {'held' if held else 'lost'} ({text})",
                    "label": {"show": True, "formatter": text, "color": "#fff" if held else "#546e7a"},
                }
            )
    option = _base(f"Six features, {model.year}")
    option["title"]["subtext"] = "F1 monopoly · F2 centralism · F3 ownership · F4 command · F5 goal · F6 movement"
    option["title"]["subtextStyle"] = {"fontSize": 11}
    option.update(
        {
            "tooltip": {"formatter": "{b}"},
            "grid": {"left": 150, "right": 8, "top": 72, "bottom": 8},
            "xAxis": {
                "type": "category",
                "data": [FEATURE_SHORT[f] for f in FEATURES],
                "position": "top",
                "axisLabel": {"interval": 0, "fontSize": 10},
                "axisTick": {"show": False},
            },
            "yAxis": {
                "type": "category",
                "data": labels,
                "inverse": True,
                "axisLabel": {"fontSize": 11},
                "axisTick": {"show": False},
            },
            "visualMap": {
                "type": "piecewise",
                "dimension": 2,
                "show": False,
                "pieces": [{"value": 0, "color": "#eceff1"}, {"value": 1, "color": "#2e7d32"}],
            },
            "series": [{"type": "heatmap", "data": data, "itemStyle": {"borderColor": "#fff", "borderWidth": 1}}],
        }
    )
    return option


# -- the movement network -----------------------------------------------------------------------------------------


def _camp_of(model: CommunistWorld, party) -> str:
    if party.camp is None:
        return "independent"
    centre = next((c for c in model.centres if c.code == party.camp), None)
    return "rival" if centre is not None and centre.rival else "moscow"


def network_option(model: CommunistWorld, recent_years: int = 5) -> dict[str, Any]:
    """Parties of the movement as nodes at their state's map position, recognitions as edges, centres marked.

    Node colour: the camp (Moscow's, a rival centre's, independent); border: the state's status; a party that
    split or was expelled in the last ``recent_years`` years is drawn large with its break's year.
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
                    "value": f"{centre.name} ({centre.phase.replace('_', ' ')}), hegemony {centre.hegemony:.2f}",
                    "x": c * 100 - 38,
                    "y": r * 100 - 38,
                    "symbol": "diamond",
                    "symbolSize": 30,
                    "category": 3,
                    "label": {"show": True, "formatter": centre.code, "position": "top", "fontWeight": 700},
                    "itemStyle": {"color": CAMP_COLOURS["centre"]},
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
        ruling = party.in_office
        nodes.append(
            {
                "name": node,
                "value": f"{party.name}: {party.role}, alignment {party.alignment:.2f}, {camp} "
                + f"({state.name} {state.status.value})",
                "x": c * 100,
                "y": r * 100,
                "symbolSize": (30 if broke else 20 if ruling else 12),
                "category": kinds.index(camp),
                "label": {
                    "show": True,
                    "formatter": f"{state.code} split {broke}" if broke else state.code,
                    "position": "bottom",
                    "fontSize": 10,
                    "fontWeight": 700 if broke else 400,
                },
                "itemStyle": {
                    "color": CAMP_COLOURS[camp],
                    "borderColor": COLOURS[state.status.value] if ruling else "#fff",
                    "borderWidth": 4 if broke else 2,
                },
            }
        )
    names = {n["name"] for n in nodes}
    centre_codes = {c.code for c in model.centres}
    links = []
    for u, v in graph.edges():
        if u not in names or v not in names:
            continue
        from_centre = u in centre_codes
        links.append(
            {
                "source": u,
                "target": v,
                "lineStyle": {
                    "color": CAMP_COLOURS["centre"] if from_centre else "#90a4ae",
                    "opacity": 0.55 if from_centre else 0.12,
                    "width": 1.2 if from_centre else 0.6,
                    "curveness": 0.1,
                },
            }
        )
    option = _base(f"The movement, {model.year}: {len(nodes)} nodes, {len(links)} recognitions")
    option.update(
        {
            "tooltip": {"formatter": "{b}: {c}"},
            "legend": {"top": 26, "data": category_names},
            "series": [
                {
                    "type": "graph",
                    "layout": "none",
                    "top": 70,
                    "bottom": 30,
                    "left": 30,
                    "right": 30,
                    "roam": True,
                    "data": nodes,
                    "links": links,
                    "categories": [
                        {"name": n, "itemStyle": {"color": CAMP_COLOURS[k]}}
                        for n, k in zip(category_names, kinds, strict=True)
                    ],
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
    }


def _rows_of(table: Mapping[str, list], column: str, value: str) -> np.ndarray:
    return np.flatnonzero(np.asarray(table[column], dtype=object) == value)


def _line(name: str, years: list, values, colour: str, **extra) -> dict[str, Any]:
    return {
        "name": name,
        "type": "line",
        "symbol": "none",
        "color": colour,
        "data": [[str(y), None if v != v else round(float(v), 3)] for y, v in zip(years, values, strict=True)],
        **extra,
    }


def state_series(model: CommunistWorld, code: str) -> dict[str, Any]:
    """The collected history of one state and of its Communist party (years, indicators, members, dissent)."""
    states = _table(model, "states")
    rows = _rows_of(states, "code", code)
    out: dict[str, Any] = {"years": [int(states["year"][i]) for i in rows]}
    for column in ("monopoly", "centralism", "ownership", "command", "goal", "recognised", "public_dissent",
                   "private_opposition", "crisis", "status"):  # fmt: skip
        out[column] = [states[column][i] for i in rows]
    state = model.state_by_code[code]
    out["members"] = {t: [] for t in MEMBER_TYPES}
    out["member_years"] = []
    if state.communist is not None:
        parties = _table(model, "parties")
        prow = _rows_of(parties, "code", state.communist.code)
        out["member_years"] = [int(parties["year"][i]) for i in prow]
        for t in MEMBER_TYPES:
            out["members"][t] = [
                float(parties["members"][i]) * float(np.nan_to_num(parties[f"share_{t}"][i])) for i in prow
            ]
        out["member_dissent"] = [float(parties["member_dissent"][i]) for i in prow]
    return out


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
        "status": LABELS[cat],
        "category": cat,
        "features": ", ".join(held) if held else "none",
        "party": f"{party.name} ({party.role})" if party is not None else "no Communist party",
        "leader": leader.describe() if leader is not None and party is not None and party.in_office else "",
        "route": f"{state.route_to_power.replace('_', ' ')}" + (f", {state.entry_year}" if state.entry_year else ""),
        "members": f"{party.membership:,.0f}" if party is not None else "0",
    }


def indicators_option(model: CommunistWorld, code: str, series: dict[str, Any] | None = None) -> dict[str, Any]:
    """A state's five indicators and recognition over time, with the thresholds as dashed lines."""
    s = series or state_series(model, code)
    th = model.thresholds
    colours = ["#b3261e", "#6a1b9a", "#2e7d32", "#ef6c00", "#1565c0", "#455a64"]
    thresholds = [th.monopoly, th.centralism, th.ownership, th.command, th.goal, None]
    names = ["M monopoly", "D centralism", "O ownership", "C command", "G goal", "recognised"]
    columns = ["monopoly", "centralism", "ownership", "command", "goal", "recognised"]
    series_list = []
    for name, column, colour, threshold in zip(names, columns, colours, thresholds, strict=True):
        values = [float(v) for v in s[column]]
        extra: dict[str, Any] = {}
        if threshold is not None:
            extra["markLine"] = {
                "silent": True,
                "symbol": "none",
                "label": {"show": False},
                "lineStyle": {"type": "dashed", "color": colour, "opacity": 0.5},
                "data": [{"yAxis": round(float(threshold), 3)}],
            }
        if column == "recognised":
            extra["lineStyle"] = {"type": "dotted", "width": 2}
            extra["step"] = "end"
        series_list.append(_line(name, s["years"], values, colour, **extra))
    option = _base(f"{model.state_by_code[code].name}: the six indicators")
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 26, "data": names},
            "grid": {"left": 36, "right": 12, "top": 66, "bottom": 26},
            "xAxis": year_axis(model),
            "yAxis": {"type": "value", "min": 0, "max": 1},
            "series": series_list,
        }
    )
    return option


def members_option(model: CommunistWorld, code: str, series: dict[str, Any] | None = None) -> dict[str, Any]:
    """The state's Communist party members by derived type over time (stacked)."""
    s = series or state_series(model, code)
    option = _base("Party members by type")
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 26, "data": [t.replace("_", " ") for t in MEMBER_TYPES]},
            "grid": {"left": 64, "right": 12, "top": 80, "bottom": 26},  # below the two-row legend
            "xAxis": year_axis(model),
            "yAxis": {"type": "value"},  # unnamed: the title says members, and a name would sit under the legend
            "series": [
                _line(
                    t.replace("_", " "),
                    s["member_years"],
                    [round(v) for v in s["members"][t]],
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
    option = _base("Public dissent vs private opposition")
    option.update(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"top": 26, "data": ["private opposition", "public dissent", "mass protest"]},
            "grid": {"left": 36, "right": 12, "top": 66, "bottom": 26},
            "xAxis": year_axis(model),
            "yAxis": {"type": "value", "min": 0, "max": 1},
            "series": [
                _line(
                    "private opposition", s["years"], s["private_opposition"], "#1565c0", areaStyle={"opacity": 0.15}
                ),
                _line("public dissent", s["years"], s["public_dissent"], "#b3261e", areaStyle={"opacity": 0.3}),
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


# -- the event log ------------------------------------------------------------------------------------------------


@dataclass
class Event:
    """One line of the event log."""

    year: int
    code: str
    kind: str
    text: str
    to_status: str = ""


def events(model: CommunistWorld, limit: int = 80, kinds: Sequence[str] | None = None, code: str | None = None):
    """The latest events, newest first, as readable sentences (``kinds``/``code`` filter them)."""
    table = _table(model, "events")
    n = len(table["year"])
    wanted = set(kinds) if kinds is not None else MAIN_KINDS
    out: list[Event] = []
    for i in range(n - 1, -1, -1):
        kind = table["kind"][i]
        if kind not in wanted or (code is not None and table["code"][i] != code):
            continue
        out.append(Event(int(table["year"][i]), table["code"][i], kind, table["text"][i], table["to_status"][i]))
        if len(out) >= limit:
            break
    return out


# -- one frame ----------------------------------------------------------------------------------------------------


@dataclass
class Snapshot:
    """Everything one frame of the dashboard shows."""

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
    counts = {c: 0 for c in CATEGORIES}
    for state in model.states:
        counts[category(model, state)] += 1
    if selected not in model.state_by_code:
        selected = None
    frame = Snapshot(
        year=model.year,
        start_year=model.start_year,
        end_year=model.end_year,
        running=bool(model.running),
        title=model.spec.scenario.title or model.spec.scenario.name,
        counts=counts,
        map=map_option(model, selected),
        counts_chart=counts_option(model),
        features=features_option(model),
        network=network_option(model),
        events=events(model, kinds=("status", "feature") if only_status else None),
        selected=selected,
        features_height=90 + 19 * len(feature_rows(model)),
    )
    if selected is not None:
        series = state_series(model, selected)
        frame.summary = state_summary(model, selected)
        frame.indicators = indicators_option(model, selected, series)
        frame.members = members_option(model, selected, series)
        frame.dissent = dissent_option(model, selected, series)
    return frame


def reshape_hegemony(points: Sequence[Sequence[float]], level: float, fall_year: int, end_year: int):
    """The hegemony schedule with its high plateau set to ``level`` and its fall ending in ``fall_year``.

    The plateau is the span at the schedule's highest value; the fall goes from the plateau to the schedule's
    final value over the same number of years as in the original (at least one), ending in ``fall_year``. With
    the original level and fall year the schedule is returned unchanged (as a list of [year, value] pairs).
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
    start_of_plateau = pts[first_top][0]
    fall_start = max(start_of_plateau, fall_year - fall_years)
    out = [[y, v] for y, v in pts[:first_top]]
    out.append([start_of_plateau, level])
    if fall_start > start_of_plateau:
        out.append([fall_start, level])
    if fall_year > fall_start:
        out.append([fall_year, low])
    if end_year > out[-1][0]:
        out.append([end_year, low if fall_year <= end_year else level])
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
