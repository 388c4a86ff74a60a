"""The live dashboard: watch a scenario's world change year by year, ask why, and compare a what-if.

    uv run sim dashboard                       # serves http://localhost:8765
    uv run solara run sim/dashboard/app.py     # the same app

Each browser session has its own :class:`~sim.dashboard.session.Session` (its models, every year kept, the year
shown) and its own play loop; closing the page releases them. Every value typed in is checked first
(:mod:`sim.dashboard.inputs`): an error is shown beside its field and the current run is kept.

The play loop keeps the speed the slider promises (years per second): the simulation runs on the wall clock, and
at most once per frame interval the page is sent the latest year simulated, skipping years rather than falling
behind. Pause holds the year the browser shows (the Pause button sends it), whatever the simulation has reached.
Each chart is its own component with its own option, so a frame sends only the charts that changed.

The page uses no component that needs an asset outside the local ``solara-assets`` copy (solara's Markdown would
fetch KaTeX from a CDN), so it works with no internet.

Why not Mesa's ``SolaraViz`` controller: on reset it re-creates the model passing Mesa's own ``Scenario`` object as
the ``scenario`` argument, which in this model is the scenario *file*, and a scenario that fails validation would
raise inside its event handler instead of being shown in the page.
"""

from __future__ import annotations

import contextlib
import csv
import ctypes
import gc
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

import solara
from solara.components.echarts import EchartsWidget

from sim import viz
from sim.dashboard.inputs import InputError, load_scenario, load_variant_scenario, parse_seed, parse_year
from sim.dashboard.session import Session
from sim.params import PARAMETERS
from sim.scenario import SCENARIO_DIR, Scenario, ScenarioError
from sim.variants import VARIANT_DIR

SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
VARIANTS = sorted(p.stem for p in VARIANT_DIR.glob("*.toml"))
DEFAULT_SCENARIO = "historical" if "historical" in SCENARIOS else SCENARIOS[0]
KEY_PARAMETERS = ("belief_erosion", "contagion", "crackdown_success", "reformer_veto")
"""Parameters on the panel from the start (any other can be added by name)."""
FRAME_INTERVAL = 0.1
"""Seconds between two frames sent while playing (at most ten frames a second)."""
SPEEDS = (0.5, 20.0)
"""Range of the speed slider, in simulated years per second."""
HISTORY_STATES = Path(__file__).resolve().parents[2] / "data" / "history" / "states.csv"
"""Historical entry years (``data/history/states.csv``), marked beside the simulated ones where present."""
EVENT_PAGE = 12
"""Events per page in a state's log."""


@dataclass(frozen=True)
class Settings:
    """What the user has chosen (applied on reset)."""

    scenario: str
    path: str = ""
    seed: int = 1
    hegemony_level: float = 0.9
    fall_year: int = 1989
    monopoly_pressure: float = 0.95
    parameters: tuple[tuple[str, float], ...] = ()
    variant: str = ""

    @property
    def source(self) -> str:
        """The scenario to load: the path when one is given, else the scenario name."""
        return self.path.strip() or self.scenario

    def parameter(self, name: str) -> float:
        """The chosen value of a parameter on the panel."""
        return dict(self.parameters)[name]

    def with_parameter(self, name: str, value: float) -> Settings:
        """These settings with one parameter set (added to the panel if it was not there)."""
        values = dict(self.parameters)
        values[name] = value
        return replace(self, parameters=tuple(values.items()))


OVERRIDE_FALL = (3, 0.1)
"""In a scenario whose hegemony is decided (no schedule), the override the hegemony sliders make: a fall over this
many years to this level, as the stylized laboratory's schedule (1986-89, to 0.1)."""


def _decides_hegemony(scenario: Scenario) -> bool:
    return not any(s.variable == "hegemony" for s in scenario.spec.drivers.schedules)


def _hegemony_points(scenario: Scenario) -> list[list[float]]:
    """The scenario's hegemony schedule; for a scenario that decides hegemony (sim.mechanisms.enforcement), the
    schedule the sliders override it with: the movement's reach, held at its height, falling at the end of the run
    (so the sliders' defaults mean "no override")."""
    schedules = [s for s in scenario.spec.drivers.schedules if s.variable == "hegemony" and s.states == ["*"]]
    if schedules:
        return [list(p) for p in schedules[-1].points]
    reach = [s for s in scenario.spec.drivers.schedules if s.variable == "reach" and s.states == ["*"]]
    end = scenario.spec.scenario.end_year
    points = [list(p) for p in reach[-1].points] if reach else [[scenario.spec.scenario.start_year, 0.9]]
    years, low = OVERRIDE_FALL
    top = max(v for _, v in points)
    return [*[p for p in points if p[0] < end - years], [end - years, top], [end, low]]


def defaults_for(
    scenario: Scenario, name: str, path: str = "", seed: int = 1, shown: tuple[str, ...] = KEY_PARAMETERS
) -> Settings:
    """The settings that reproduce a scenario exactly (its own hegemony plateau and fall, its parameters)."""
    points = _hegemony_points(scenario)
    info = scenario.spec.scenario
    pressure = [s for s in scenario.spec.drivers.schedules if s.variable == "monopoly_pressure" and s.states == ["*"]]
    values = scenario.spec.parameter_values()
    return Settings(
        scenario=name,
        path=path,
        seed=seed,
        hegemony_level=max((v for _, v in points), default=0.9),
        fall_year=viz.fall_year_of(points) or info.end_year,
        monopoly_pressure=float(pressure[-1].points[0][1]) if pressure else 0.95,
        parameters=tuple((k, float(values[k])) for k in shown),
    )


def overrides_for(settings: Settings, scenario: Scenario) -> dict[str, object]:
    """Keyword overrides for the model: only what differs from the scenario's own values."""
    base = defaults_for(scenario, settings.scenario, settings.path, settings.seed)
    out: dict[str, object] = {}
    if (settings.hegemony_level, settings.fall_year) != (base.hegemony_level, base.fall_year):
        info = scenario.spec.scenario
        out["hegemony"] = [
            tuple(p)
            for p in viz.reshape_hegemony(
                _hegemony_points(scenario), settings.hegemony_level, settings.fall_year, info.end_year
            )
        ]
    if settings.monopoly_pressure != base.monopoly_pressure:
        out["monopoly_pressure"] = settings.monopoly_pressure
    values = scenario.spec.parameter_values()
    for key, value in settings.parameters:
        if value != float(values[key]):
            out[key] = value
    return out


def historical_entry_years(path: Path = HISTORY_STATES) -> dict[str, int]:
    """Each state's historical entry year from the shipped history data (empty when the file is absent)."""
    try:
        with path.open(encoding="utf-8") as handle:
            return {row["code"]: int(row["entry_year"]) for row in csv.DictReader(handle) if row.get("entry_year")}
    except (OSError, ValueError, KeyError):
        return {}


ENTRY_YEARS = historical_entry_years()


def release_memory() -> None:
    """Collect a closed session's objects and give the freed memory back to the system.

    glibc keeps freed heap pages for reuse, so without ``malloc_trim`` the server's resident memory stays at its
    peak after sessions close; elsewhere the collection alone is done. The trim reaches Python's objects only when
    they come from the C allocator (``PYTHONMALLOC=malloc``, which ``sim dashboard`` sets): pymalloc's 1 MiB
    arenas, each kept by a few objects that outlive the session, stay resident whatever is trimmed.
    """
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _after_each_session():
    """Registered for every new browser session: once it closes, release its memory (a moment later, once
    solara has dropped the session's widgets and state)."""
    return lambda: threading.Timer(2.0, release_memory).start()


solara.lifecycle.on_kernel_start(_after_each_session)


def query_of(settings: Settings, year: int) -> str:
    """The URL query that restores a view: scenario (or path), variant, seed and year."""
    items = {"scenario": settings.source, "seed": settings.seed, "year": year}
    if settings.variant:
        items["variant"] = settings.variant
    return urllib.parse.urlencode(items)


def parse_query(search: str | None) -> dict[str, str]:
    """The view a URL query asks for (unknown keys ignored)."""
    parsed = urllib.parse.parse_qs(search or "", keep_blank_values=True)
    return {k: v[-1] for k, v in parsed.items() if k in ("scenario", "seed", "year", "variant")}


# -- components ------------------------------------------------------------------------------------------------


@solara.component_vue("transport.vue")
def Transport(
    year: int,
    first: int,
    last: int,
    playing: bool,
    can_step: bool,
    big: bool,
    event_play: Callable[[None], None],
    event_pause: Callable[[int], None],
    event_step: Callable[[None], None],
    event_reset: Callable[[None], None],
):
    """Year, Play/Pause, Step and Reset (a Vue template: Pause sends the year the browser shows)."""


def _chip(label: str, count: int, category: str, big: bool = False) -> solara.Element:
    dark = category in viz.palette.DARK
    return solara.v.Chip(
        children=[f"{label}: {count}"],
        color=viz.COLOURS[category],
        text_color="white" if dark else "black",
        small=not big,
        large=big,
        outlined=category == "not_entered",
        class_=f"mr-2 mb-1 sim-chip sim-chip-{category}",
    )


@solara.component
def Counts(counts: dict[str, int], big: bool = False, prefix: str = ""):
    with solara.Row(style={"flex-wrap": "wrap", "gap": "0px"}, classes=["sim-counts"]):
        if prefix:
            solara.Text(prefix, style={"font-weight": "600", "margin-right": "8px"})
        for cat in reversed(viz.CATEGORIES):
            _chip(viz.LABELS[cat], counts[cat], cat, big)


class Option:
    """A chart option handed to :func:`Chart` unopened.

    Reacton walks every dict and list passed to a component, looking for elements; a chart option has thousands
    of entries, so each render would walk them all. Wrapped, it is one value, equal only to itself, so a chart
    whose option has not changed is neither walked, nor rendered, nor sent.
    """

    __slots__ = ("value",)

    def __init__(self, value: dict) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Option) and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


@solara.component
def Chart(option: Option, height: int | str = 360, on_click=None, name: str = ""):
    """An ECharts chart ``height`` pixels tall (or a CSS height such as ``calc(100vh - 200px)``).

    The chart's widget is made once and only its option is replaced, so a frame sends the new option alone.
    """
    css = f"{height}px" if isinstance(height, int) else height
    attributes = {"style": f"height: {css}; width: 100%;", "class": f"sim-chart sim-chart-{name}"}
    widget = solara.use_memo(lambda: EchartsWidget(attributes=attributes, responsive=True), [])

    def sync():
        widget.option = option.value
        widget.on_click = on_click
        if widget.attributes != attributes:
            widget.attributes = attributes

    solara.use_effect(sync, [option, on_click, css, name])
    solara.use_effect(lambda: widget.close, [])
    solara.Column(children=[widget], classes=["sim-panel"], style={"width": "100%"})


def _events_html(events: list[viz.Event], big: bool = False) -> str:
    rows = []
    for e in events:
        colour = viz.palette.STATUS_LINE.get(e.to_status, "#9aa5ad") if e.kind in ("status", "feature") else "#d0d7dc"
        weight = "600" if e.kind == "status" else "400"
        tag = viz.KIND_LABELS.get(e.kind, e.kind)
        rows.append(
            f'<li style="border-left: 6px solid {colour}; padding: 2px 8px; margin: 3px 0; font-weight: {weight};'
            f' list-style: none; overflow-wrap: break-word;"><b>{e.year} {escape(e.code)}</b> '
            f'<span style="color:#546e7a">[{escape(tag)}]</span> {escape(e.text, quote=False)}</li>'
        )
    size = "1.5rem" if big else "0.88rem"
    body = "".join(rows) or "<li style='list-style:none'>Nothing has happened yet: press Step or Play.</li>"
    return f'<ul style="padding-left: 0; margin: 0; font-size: {size};">{body}</ul>'


@solara.component
def EventLog(session: Session, year: int, version: int):
    only_status, set_only_status = solara.use_state(False)
    with solara.Card("What happened (newest first)", classes=["sim-card-events"]):
        solara.Checkbox(label="only status and feature changes", value=only_status, on_value=set_only_status)
        with session.lock:
            kinds = ("status", "feature") if only_status else None
            events = viz.events(session.base.model, limit=60, until=year, kinds=kinds) if session.base else []
        solara.HTML(
            tag="div",
            unsafe_innerHTML=_events_html(events),
            classes=["sim-events"],
            style="max-height: 320px; overflow-y: auto;",
        )


@solara.component
def Why(session: Session, code: str, year: int, version: int):
    """A state's status changes in plain sentences and its whole event log (every kind), paged and filtered."""
    page, set_page = solara.use_state(0)
    since_text, set_since_text = solara.use_state("")
    solara.use_effect(lambda: set_page(0), [code, since_text])
    with session.lock:
        model = session.base.model if session.base else None
        if model is None:
            return
        first, last = model.start_year, model.end_year
        try:
            since = parse_year(since_text, first, last, "From year")
            since_error = ""
        except InputError as exc:
            since, since_error = None, str(exc)
        sentences = viz.why(model, code, until=year)
        total = viz.count_events(model, code, until=year, since=since)
        events = viz.events(
            model, limit=EVENT_PAGE, kinds=tuple(viz.KIND_LABELS), code=code, until=year, since=since,
            offset=page * EVENT_PAGE,
        )  # fmt: skip
    pages = max(1, -(-total // EVENT_PAGE))
    with solara.Card("Why: status changes and the state's own events", classes=["sim-card-why"]):
        if sentences:
            solara.HTML(
                tag="ul",
                unsafe_innerHTML="".join(f"<li>{escape(s)}</li>" for s in sentences),
                classes=["sim-why"],
                style="padding-left: 18px; margin-bottom: 8px;",
            )
        else:
            solara.Text(f"No status change up to {year}.", classes=["sim-why"])
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.InputText(
                "From year", value=since_text, on_value=set_since_text, continuous_update=False,
                error=since_error or False, message=since_error or None, classes=["sim-since"],
                style={"max-width": "200px"},
            )  # fmt: skip
            solara.Button("Newer", text=True, disabled=page == 0, on_click=lambda: set_page(page - 1),
                          classes=["sim-newer"])  # fmt: skip
            solara.Text(f"page {page + 1} of {pages} ({total} events)", classes=["sim-page"])
            solara.Button("Older", text=True, disabled=page + 1 >= pages, on_click=lambda: set_page(page + 1),
                          classes=["sim-older"])  # fmt: skip
        solara.HTML(tag="div", unsafe_innerHTML=_events_html(events), classes=["sim-state-events"])


@solara.component
def DrillDown(session: Session, code: str, year: int, version: int, on_close):
    with session.lock:
        if session.base is None:
            return
        model = session.base.model
        series = viz.state_series(model, code, until=year)
        summary = session.base.at(year).summaries[code]
        real = {"entry (historical)": ENTRY_YEARS[code]} if code in ENTRY_YEARS else {}
        indicators = viz.indicators_option(model, code, series, real)
        members = viz.members_option(model, code, series)
        dissent = viz.dissent_option(model, code, series)
    with solara.Card(f"{summary['name']} in {year}", classes=["sim-card-state"]):
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.HTML(
                tag="div",
                unsafe_innerHTML=escape(
                    f"{summary['status']} (features {summary['features']}); {summary['party']}"
                    + (f", {summary['leader']}" if summary["leader"] else "")
                    + f"; {summary['members']} members; route to power: {summary['route']}"
                    + (f"; historical entry {ENTRY_YEARS[code]}" if code in ENTRY_YEARS else "")
                    + "."
                ),
                classes=["sim-summary"],
                style="flex: 1 1 400px;",
            )
            solara.Button("Close", icon_name="mdi-close", text=True, on_click=on_close, classes=["sim-close-state"])
        with solara.ColumnsResponsive(12, xlarge=[4, 4, 4]):
            with solara.Column(classes=["sim-panel"]):
                solara.Text("Six indicators and their thresholds", classes=["sim-chart-title"])
                Chart(Option(indicators), 300, name="indicators")
            with solara.Column(classes=["sim-panel"]):
                solara.Text("Party members by type", classes=["sim-chart-title"])
                Chart(Option(members), 300, name="members")
            with solara.Column(classes=["sim-panel"]):
                solara.Text("Public dissent vs private opposition", classes=["sim-chart-title"])
                Chart(Option(dissent), 300, name="dissent")
    Why(session, code, year, version)


@solara.component
def SeriesChart(session: Session, year: int, selected: str | None, version: int):
    """A chart of any collected series, on demand: a world series, or a column of the selected state."""
    choice, set_choice = solara.use_state("")
    with session.lock:
        if session.base is None:
            return
        model = session.base.model
        names = viz.numeric_series(model)
        items = [f"world: {n}" for n in names["world"]] + [f"state: {n}" for n in names["state"]]
        option = None
        if choice.startswith("world: "):
            option = viz.series_option(model, choice.removeprefix("world: "), until=year)
        elif choice.startswith("state: ") and selected is not None:
            option = viz.series_option(model, choice.removeprefix("state: "), until=year, code=selected)
    with solara.Card("Chart any collected series", classes=["sim-card-series"]):
        solara.v.Autocomplete(
            label="Series (type to search; state series follow the chosen state)",
            items=items,
            v_model=choice or None,
            on_v_model=lambda v: set_choice(v or ""),
            clearable=True,
            class_="sim-series",
        )
        if option is not None:
            Chart(Option(option), 260, name="series")
        elif choice.startswith("state: "):
            solara.Text("Click a state on the map first.")


@solara.component
def Slider(label: str, help_text: str, value: float, lo: float, hi: float, step: float, on_value, integer=False,
           name=""):  # fmt: skip
    with solara.Column(gap="0px", style={"margin-bottom": "6px"}, classes=[f"sim-slider-{name}"]):
        shown = f"{int(value)}" if integer else f"{value:g}"
        solara.Text(f"{label}: {shown}", style={"font-weight": "500", "font-size": "0.9rem"})
        widget = solara.SliderInt if integer else solara.SliderFloat
        widget("", value=value, min=lo, max=hi, step=step, on_value=on_value, thumb_label=False)
        solara.Text(help_text, style={"font-size": "0.75rem", "color": "#546e7a", "line-height": "1.2"})


@solara.component
def Controls(
    settings: solara.Reactive[Settings],
    applied: Settings | None,
    years: tuple[int, int],
    errors: solara.Reactive[dict],
    speed: solara.Reactive[float],
    stop_at: solara.Reactive[str],
):
    s = settings.value
    seed_text, set_seed_text = solara.use_state(str(s.seed))

    def decides() -> bool:
        try:
            return _decides_hegemony(load_scenario(s.source))
        except ScenarioError:  # a bad path is reported beside its field
            return False

    decided = solara.use_memo(decides, [s.source])
    solara.use_effect(lambda: set_seed_text(str(settings.value.seed)), [settings.value.seed])
    first, last = years

    def update(**changes):
        settings.set(replace(settings.value, **changes))

    def set_error(key: str, message: str | None):
        now = dict(errors.value)
        if message:
            now[key] = message
        else:
            now.pop(key, None)
        errors.set(now)

    def choose(source: str, path: str = ""):
        try:
            scenario = load_scenario(source)
        except ScenarioError as exc:
            set_error("path" if path else "scenario", str(exc))
            return
        set_error("path", None)
        set_error("scenario", None)
        shown = tuple(name for name, _ in settings.value.parameters)
        fresh = defaults_for(scenario, settings.value.scenario if path else source, path, settings.value.seed, shown)
        settings.set(replace(fresh, variant=settings.value.variant))

    def enter_path(text: str):
        text = (text or "").strip()
        if not text:
            set_error("path", None)
            choose(settings.value.scenario)
            return
        choose(text, text)

    def enter_seed(text: str):
        set_seed_text(text or "")
        try:
            seed = parse_seed(text)
        except InputError as exc:
            set_error("seed", str(exc))
            return
        set_error("seed", None)
        update(seed=seed)

    def enter_stop(text: str):
        stop_at.set(text or "")
        try:
            parse_year(text, first, last, "Stop at year")
        except InputError as exc:
            set_error("stop_at", str(exc))
            return
        set_error("stop_at", None)

    def enter_variant(value: str | None):
        update(variant=value or "")
        set_error("variant", None)

    def enter_variant_path(text: str):
        text = (text or "").strip()
        if not text:
            update(variant="")
            set_error("variant", None)
            return
        try:
            load_variant_scenario(text, load_scenario(settings.value.source))
        except ScenarioError as exc:
            set_error("variant", str(exc))
            return
        set_error("variant", None)
        update(variant=text)

    err = errors.value
    with solara.Card("Play", classes=["sim-card-play"]):
        Slider("Speed", "simulated years per second while playing", speed.value, SPEEDS[0], SPEEDS[1], 0.5,
               speed.set, name="speed")  # fmt: skip
        solara.InputText(
            "Stop at year (empty: play to the end)", value=stop_at.value, on_value=enter_stop,
            continuous_update=False, error=bool(err.get("stop_at")), message=err.get("stop_at"),
            classes=["sim-stop-at"],
        )  # fmt: skip
    with solara.Card("Scenario, seed and what-if", classes=["sim-card-scenario"]):
        solara.Info("Changes here take effect when you press Reset.", dense=True)
        if applied is not None and s != applied:
            solara.Warning("Settings changed: press Reset to run with them.", dense=True, classes=["sim-pending"])
        solara.Select("Scenario", values=SCENARIOS, value=s.scenario, on_value=choose, classes=["sim-scenario"])
        solara.InputText(
            "or a scenario file (path)", value=s.path, on_value=enter_path, continuous_update=False,
            error=bool(err.get("path")), message=err.get("path"), classes=["sim-path"],
        )  # fmt: skip
        if err.get("path"):
            solara.Text(err["path"], classes=["sim-error", "sim-error-path"], style={"color": "#b00020"})
        solara.InputText(
            "Seed", value=seed_text, on_value=enter_seed, continuous_update=False,
            error=bool(err.get("seed")), message=err.get("seed"), classes=["sim-seed"],
        )  # fmt: skip
        solara.Select(
            "What-if variant (runs beside the baseline, same seed)", values=["", *VARIANTS],
            value=s.variant if s.variant in VARIANTS else "", on_value=enter_variant, classes=["sim-variant"],
        )  # fmt: skip
        solara.InputText(
            "or a variant file (path)", value="" if s.variant in VARIANTS else s.variant,
            on_value=enter_variant_path, continuous_update=False, error=bool(err.get("variant")),
            message=err.get("variant"), classes=["sim-variant-path"],
        )  # fmt: skip
    with solara.Card("Drivers", classes=["sim-card-drivers"]):
        if decided:
            solara.Info(
                "Hegemony is decided each year by the hegemon's leadership (docs/ODD.md 7.12); the two "
                "hegemony sliders override that decision with a schedule.",
                dense=True,
                classes=["sim-decided"],
            )
        Slider("Hegemony plateau", "the centre's enforcement at its height (Brezhnev doctrine)",
               s.hegemony_level, 0.0, 1.0, 0.05, lambda v: update(hegemony_level=round(float(v), 3)),
               name="hegemony_level")  # fmt: skip
        Slider("Hegemony has fallen by", f"the year the centre's enforcement is gone ({first}-{last})",
               min(max(s.fall_year, first), last), first, last, 1, lambda v: update(fall_year=int(v)),
               integer=True, name="fall_year")  # fmt: skip
        Slider("Monopoly pressure", "how hard every ruling party pushes toward a monopoly of power (all states)",
               s.monopoly_pressure, 0.0, 1.0, 0.05, lambda v: update(monopoly_pressure=round(float(v), 3)),
               name="monopoly_pressure")  # fmt: skip
    with solara.Card("Parameters (from the registry)", classes=["sim-card-parameters"]):
        solara.v.Autocomplete(
            label="Add a parameter (type to search by name)",
            items=sorted(n for n in PARAMETERS if n not in dict(s.parameters)),
            v_model=None,
            on_v_model=lambda name: (
                name
                and settings.set(
                    settings.value.with_parameter(name, float(load_scenario(s.source).spec.parameter_values()[name]))
                )
            ),
            class_="sim-add-parameter",
        )
        for key, value in s.parameters:
            p = PARAMETERS[key]
            unit = f" ({p.unit})" if p.unit and p.unit not in ("-", "") else ""
            step = 1.0 if p.integer else (p.hi - p.lo) / 40
            Slider(f"{key}{unit}", p.doc, value, p.lo, p.hi, step,
                   lambda v, key=key: settings.set(settings.value.with_parameter(key, round(float(v), 4))),
                   integer=p.integer, name=key)  # fmt: skip
        solara.Button("Scenario defaults", text=True, on_click=lambda: choose(s.path or s.scenario, s.path),
                      classes=["sim-defaults"])  # fmt: skip


@solara.component
def MapPanel(session: Session, year: int, selected: str | None, differs: frozenset, on_click, which: str = "base",
             height: int | str = 380, title: str = "", label_size: int = 12):  # fmt: skip
    base, other = session.records(year)
    rec = base if which == "base" else other
    key = (tuple(rec.categories.values()), tuple(rec.features.values())) if rec is not None else None

    def build() -> Option | None:
        if rec is None:
            return None
        return Option(viz.map_option(session.base.model, rec, selected, differs, title, label_size))

    option = solara.use_memo(build, [key, selected, differs, label_size])
    if option is not None:
        Chart(option, height, on_click=on_click, name="map" if which == "base" else "map-variant")


@solara.component
def CountsPanel(session: Session, year: int, version: int):
    option = solara.use_memo(
        lambda: Option(viz.counts_option(session.base.model, session.history(year))), [year, version]
    )
    Chart(option, 380, name="counts")


@solara.component
def FeaturesPanel(session: Session, year: int, version: int):
    solara.Text(
        "A filled cell is a feature the state holds, with its indicator: F1 monopoly of power, F2 democratic "
        "centralism, F3 non-capitalist ownership, F4 command economy, F5 declared aim of communism, F6 the "
        "international movement (recognised).",
        style={"font-size": "0.8rem", "color": "#455a64"},
    )
    base, _ = session.records(year)
    option = solara.use_memo(lambda: Option(viz.features_option(session.base.model, base)), [year, version])
    Chart(option, viz.features_height(len(base.features)), name="features")


class Controller:
    """One page's state (reactive values) and actions; made once per page, so its bound methods are stable props.

    Components read only the values they show: a new year re-renders the parts that show the year, not the
    controls in the sidebar.
    """

    def __init__(self) -> None:
        self.session = Session()
        self.router = None
        self.settings = solara.reactive(Settings(scenario=DEFAULT_SCENARIO))
        self.applied: solara.Reactive[Settings | None] = solara.reactive(None)
        self.errors: solara.Reactive[dict] = solara.reactive({})
        self.load_error: solara.Reactive[str | None] = solara.reactive(None)
        self.shown = solara.reactive(0)
        self.version = solara.reactive(0)
        self.playing = solara.reactive(False)
        self.speed = solara.reactive(4.0)
        self.stop_at = solara.reactive("")
        self.selected: solara.Reactive[str | None] = solara.reactive(None)
        self.presenter = solara.reactive(False)
        self.variant_info = solara.reactive(("", ()))

    def remember(self, year: int) -> None:
        """Put the view into the URL, so a reload or a shared link restores it."""
        router = self.router
        if self.applied.value is not None and router is not None and router.set_path is not None:
            router.push(f"{router.path or '/'}?{query_of(self.applied.value, year)}")

    def apply(self, chosen: Settings, year: int | None = None) -> bool:
        """Build the worlds for ``chosen``; on any error keep the current run and say why beside the field."""
        if any(k in self.errors.value for k in ("path", "seed", "variant")):
            return False
        try:
            scenario = load_scenario(chosen.source)
        except ScenarioError as exc:
            self.errors.set({**self.errors.value, "path" if chosen.path else "scenario": str(exc)})
            self.load_error.set(str(exc))
            return False
        variant, title, changes = None, "", ()
        if chosen.variant:
            try:
                variant, title, changes = load_variant_scenario(chosen.variant, scenario)
            except ScenarioError as exc:
                self.errors.set({**self.errors.value, "variant": str(exc)})
                return False
        try:
            self.session.build(scenario, chosen.seed, overrides_for(chosen, scenario), variant)
        except ScenarioError as exc:
            self.load_error.set(str(exc))
            return False
        if year is not None:
            self.session.show(year)
        self.load_error.set(None)
        self.applied.set(chosen)
        self.variant_info.set((title, tuple(changes)))
        self.shown.set(self.session.shown)
        self.version.set(self.version.value + 1)
        return True

    def reset(self, _=None) -> None:
        self.playing.set(False)
        if self.apply(self.settings.value):
            self.remember(self.session.shown)

    def first_load(self) -> None:
        """Restore the view the URL asks for (scenario or path, variant, seed, year), else the default."""
        asked = parse_query(self.router.search if self.router is not None else None)
        name = asked.get("scenario", DEFAULT_SCENARIO)
        try:
            scenario = load_scenario(name)
        except ScenarioError as exc:
            self.load_error.set(str(exc))
            self.errors.set({"scenario": str(exc)})
            name, scenario = DEFAULT_SCENARIO, load_scenario(DEFAULT_SCENARIO)
        is_path = name not in SCENARIOS
        chosen = defaults_for(scenario, DEFAULT_SCENARIO if is_path else name, name if is_path else "")
        problems = {}
        try:
            chosen = replace(chosen, seed=parse_seed(asked.get("seed", "1")))
        except InputError as exc:
            problems["seed"] = str(exc)
        if asked.get("variant"):
            chosen = replace(chosen, variant=asked["variant"])
        info = scenario.spec.scenario
        try:
            year = parse_year(asked.get("year"), info.start_year, info.end_year, "year in the link")
        except InputError as exc:
            problems["stop_at"], year = str(exc), None
        self.settings.set(chosen)
        if not self.apply(chosen, year) and chosen.variant:
            self.apply(replace(chosen, variant=""), year)  # a bad variant in the link: the baseline alone
        if problems:
            self.errors.set({**self.errors.value, **problems})

    def step(self, _=None) -> None:
        if self.session.step():
            self.shown.set(self.session.shown)
            self.remember(self.session.shown)

    def pause(self, year: int | None = None) -> None:
        """Stop playing and hold ``year`` (the year the browser showed when Pause was clicked)."""
        session = self.session
        with session.lock:
            session.play_token = None
            self.playing.set(False)
            if isinstance(year, int):
                session.show(min(year, session.shown))
        self.shown.set(session.shown)
        self.remember(session.shown)

    def play(self, _=None) -> None:
        if self.session.can_step:
            self.playing.set(True)

    def play_loop(self, cancel: threading.Event) -> None:
        """Simulate on the wall clock; send the latest year at most every frame interval (skip, never lag)."""
        session = self.session
        if not self.playing.value:
            return
        token = object()
        session.play_token = token
        started, from_year = time.perf_counter(), session.shown
        rate = max(SPEEDS[0], float(self.speed.value))
        try:
            stop = parse_year(self.stop_at.value, session.first, session.last, "Stop at year")
        except InputError:
            stop = None
        if stop is not None and stop <= from_year:
            stop = None  # a stop year already passed: play on to the end
        while not cancel.is_set():
            frame_start = time.perf_counter()
            target = from_year + int((frame_start - started) * rate)
            if stop is not None:
                target = min(target, stop)
            with session.lock:
                if session.play_token is not token:
                    return
                if target > session.shown:
                    session.show(target)
                year, more = session.shown, session.can_step
            if year != self.shown.value:
                self.shown.set(year)
            if not more or (stop is not None and year >= stop):
                with session.lock:
                    if session.play_token is token:
                        self.playing.set(False)
                        self.remember(year)
                return
            next_year_at = started + (year - from_year + 1) / rate
            wait = max(FRAME_INTERVAL - (time.perf_counter() - frame_start), next_year_at - time.perf_counter())
            if cancel.wait(max(0.0, wait)):
                return

    def select(self, code: str | None = None) -> None:
        self.selected.set(code)

    def click_map(self, data: dict) -> None:
        index = data.get("dataIndex") if isinstance(data, dict) else None
        with self.session.lock:
            model = self.session.base.model if self.session.base else None
            if model is None or not isinstance(index, int) or not 0 <= index < len(model.states):
                return
            code = model.states[index].code
        self.select(None if code == self.selected.value else code)

    def scrub(self, year: int) -> None:
        if self.playing.value:
            self.pause()
        self.shown.set(self.session.show(int(year)))
        self.remember(self.session.shown)

    def toggle_presenter(self) -> None:
        self.presenter.set(not self.presenter.value)


@solara.component
def Page():
    ctrl = solara.use_memo(Controller, [])
    ctrl.router = solara.use_router()
    solara.use_effect(lambda: ctrl.session.close, [])  # the session's models go when the page does
    solara.use_effect(ctrl.first_load, [])
    solara.use_thread(ctrl.play_loop, dependencies=[ctrl.playing.value, ctrl.speed.value], intrusive_cancel=False)
    presenter = ctrl.presenter.value
    solara.Title("Communist systems: live")
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("Communist political systems: a live simulation")
        solara.Button(
            "Presenter" if not presenter else "Full view", icon_name="mdi-projector-screen", text=True,
            on_click=ctrl.toggle_presenter, classes=["sim-presenter"],
        )  # fmt: skip
    if not presenter:
        with solara.Sidebar():
            Controls(ctrl.settings, ctrl.applied.value, (ctrl.session.first, ctrl.session.last), ctrl.errors,
                     ctrl.speed, ctrl.stop_at)  # fmt: skip
    if ctrl.load_error.value:
        solara.Error(f"The scenario could not be loaded: {ctrl.load_error.value}", classes=["sim-error"])
        solara.Text("The previous run is kept: fix the file or choose another scenario, then press Reset.")
    if ctrl.applied.value is None:
        if not ctrl.load_error.value:
            solara.Text("Loading the scenario...")
        return
    TopBar(ctrl, presenter)
    if presenter:
        Presenter(ctrl)
    else:
        Main(ctrl)


@solara.component
def TopBar(ctrl: Controller, presenter: bool):
    """The year, Play/Pause, Step, Reset and the timeline: always at the top of the page."""
    session = ctrl.session
    year, playing = ctrl.shown.value, ctrl.playing.value
    base, _ = session.records(year)
    with session.lock:
        latest, can_step = session.base.latest, session.can_step
        info = session.base.model.spec.scenario
    applied = ctrl.applied.value
    with solara.Column(classes=["sim-top"], style={"position": "sticky", "top": "-12px", "z-index": "5",
                                                   "background": "white", "padding": "12px 0 4px 0"}):  # fmt: skip
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap", "gap": "12px"}):
            Transport(
                year=year, first=session.first, last=session.last, playing=playing, can_step=can_step,
                big=presenter, event_play=ctrl.play, event_pause=ctrl.pause, event_step=ctrl.step,
                event_reset=ctrl.reset,
            )  # fmt: skip
            if presenter:
                Counts(base.counts, big=True)
            else:
                solara.Text(
                    f"{info.title or info.name}, seed {applied.seed if applied else ''}"
                    + ("" if can_step or playing else ": the run is over"),
                    classes=["sim-title"],
                )
        if not presenter:
            with solara.Column(classes=["sim-timeline"], style={"min-width": "320px"}):
                # the range is the whole run, fixed: a range that followed the years simulated would make the
                # slider clamp (and report) its value whenever a reset shrinks it
                solara.SliderInt(
                    f"Timeline (simulated to {latest}; drag to go back, or forward to simulate)", value=year,
                    min=session.first, max=session.last, on_value=ctrl.scrub, thumb_label=False,
                )  # fmt: skip


@solara.component
def WhatIf(ctrl: Controller, year: int, differs: frozenset):
    session = ctrl.session
    base, other = session.records(year)
    title, changes = ctrl.variant_info.value
    with session.lock:
        names = {s.code: s.name for s in session.base.model.states}
    with solara.Card(f"What-if: {title}", classes=["sim-card-whatif"]):
        with solara.ColumnsResponsive(12, large=[6, 6]):
            with solara.Column(classes=["sim-panel"]):
                Counts(base.counts, prefix="baseline")
                MapPanel(session, year, ctrl.selected.value, differs, ctrl.click_map, "base", 320)
            with solara.Column(classes=["sim-panel"]):
                Counts(other.counts, prefix="what-if")
                MapPanel(session, year, ctrl.selected.value, differs, None, "variant", 320)
        fates = ", ".join(
            f"{names[c]} ({viz.LABELS[base.categories[c]]} / {viz.LABELS[other.categories[c]]})"
            for c in sorted(differs)
        )
        solara.HTML(
            tag="div",
            unsafe_innerHTML=(
                f"<p class='sim-differs'><b>Fate differs in {year}</b> (baseline / what-if; dashed outline): "
                f"{escape(fates) or 'no state yet'}</p><p><b>Changed causes</b> (the variant, same seed):</p><ul>"
                + "".join(f"<li>{escape(c)}</li>" for c in changes)
                + "</ul>"
            ),
            classes=["sim-changes"],
        )


@solara.component
def Main(ctrl: Controller):
    session = ctrl.session
    year, selected, version = ctrl.shown.value, ctrl.selected.value, ctrl.version.value
    base, other = session.records(year)
    if base is None:
        return
    Counts(base.counts)
    differs = frozenset()
    if other is not None:
        differs = frozenset(c for c, cat in base.categories.items() if other.categories[c] != cat)
        WhatIf(ctrl, year, differs)
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Card("Map: each state's status (click a tile: why)", classes=["sim-card-map"]):
            MapPanel(session, year, selected, differs, ctrl.click_map, "base", 380)
        with solara.Card("Status counts, hegemony, credibility", classes=["sim-card-counts"]):
            CountsPanel(session, year, version)
    if selected is not None:
        DrillDown(session, selected, year, version, ctrl.select)
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Card(f"The six features, state by state, {year}", classes=["sim-card-features"]):
            FeaturesPanel(session, year, version)
        with solara.Card("The movement: parties by camp, centres, recognitions", classes=["sim-card-network"]):
            Chart(Option(base.network), 460, name="network")
    with solara.ColumnsResponsive(12, large=[6, 6]):
        EventLog(session, year, version)
        SeriesChart(session, year, selected, version)


@solara.component
def Presenter(ctrl: Controller):
    """For a projector: the map large, the counts and the latest status changes as short headlines."""
    session = ctrl.session
    year = ctrl.shown.value
    with session.lock:
        headlines = viz.status_headlines(session.base.model, until=year, limit=5)
    items = "".join(
        f'<li style="border-left: 10px solid {viz.palette.STATUS_LINE[status]}; padding: 4px 12px; margin: 6px 0;'
        f' list-style: none;">{escape(text)}</li>'
        for status, text in headlines
    )
    with solara.ColumnsResponsive(12, large=[8, 4], medium=[8, 4]):
        with solara.Column(classes=["sim-panel"]):
            MapPanel(session, year, ctrl.selected.value, frozenset(), ctrl.click_map, "base", "calc(100vh - 230px)",
                     label_size=20)  # fmt: skip
        with solara.Column(classes=["sim-panel", "sim-presenter-events"]):
            solara.Text("Latest status changes", style={"font-size": "1.6rem", "font-weight": "700"})
            solara.HTML(
                tag="ul", unsafe_innerHTML=items or "<li style='list-style:none'>none yet</li>",
                classes=["sim-events"],
                style="padding-left: 0; font-size: 1.5rem; max-height: calc(100vh - 240px); overflow-y: auto;",
            )  # fmt: skip


CSS = """
.sim-card-map, .sim-card-counts, .sim-card-features, .sim-card-network, .sim-card-events, .sim-card-series,
.sim-card-why, .sim-card-state, .sim-card-whatif { overflow: hidden; }
.v-card__title { word-break: normal; overflow-wrap: normal; hyphens: none; font-size: 1.05rem; line-height: 1.3; }
.sim-chart-title { font-weight: 500; }
.sim-panel { min-width: 0; }
.sim-title { font-size: 1.05rem; color: #37474f; }
.sim-events li, .sim-state-events li { overflow-wrap: anywhere; }
.sim-presenter-events .sim-events { font-size: 1.5rem; }
"""
