"""The live dashboard: watch a scenario's world change year by year.

    uv run sim dashboard                 # serves http://localhost:8765
    uv run solara run dashboards/app.py  # the same app

Each browser session has its own model (a :class:`sim.CommunistWorld`), its own settings and its own play loop:
one user's reset or step never touches another's. The charts come from :mod:`sim.viz`; the ECharts and Vuetify
JavaScript is served from the local ``solara-assets`` copy, so the page works with no internet.

Why not Mesa's ``SolaraViz`` controller: on reset it re-creates the model passing Mesa's own ``Scenario`` object as
the ``scenario`` argument, which in this model is the scenario *file*, and a scenario that fails validation would
raise inside its event handler instead of being shown in the page. The controls here are the same (play, pause,
step, reset, speed, model parameters) with those two things handled.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from html import escape

import solara

from sim import CommunistWorld, viz
from sim.params import PARAMETERS
from sim.scenario import SCENARIO_DIR, Scenario, ScenarioError, load

SCENARIOS = sorted(p.stem for p in SCENARIO_DIR.glob("*.toml"))
DEFAULT_SCENARIO = "historical" if "historical" in SCENARIOS else SCENARIOS[0]
KEY_PARAMETERS = ("belief_erosion", "contagion", "crackdown_success", "reformer_veto")
PARAMETER_LABELS = {
    "belief_erosion": "Ideological decay (belief erosion)",
    "contagion": "Contagion between regimes",
    "crackdown_success": "Crackdown success",
    "reformer_veto": "Veto of reformer successors",
}
STATUS_ORDER = tuple(reversed(viz.CATEGORIES))  # communist first


@dataclass(frozen=True)
class Settings:
    """What the user has chosen (applied on reset)."""

    scenario: str
    path: str = ""
    seed: int = 1
    hegemony_level: float = 0.9
    fall_year: int = 1989
    monopoly_pressure: float = 0.95
    belief_erosion: float = PARAMETERS["belief_erosion"].default
    contagion: float = PARAMETERS["contagion"].default
    crackdown_success: float = PARAMETERS["crackdown_success"].default
    reformer_veto: float = PARAMETERS["reformer_veto"].default

    @property
    def source(self) -> str:
        """The scenario to load: the path when one is given, else the scenario name."""
        return self.path.strip() or self.scenario


def _hegemony_points(scenario: Scenario) -> list[list[float]]:
    schedules = [s for s in scenario.spec.drivers.schedules if s.variable == "hegemony" and s.states == ["*"]]
    return [list(p) for p in schedules[-1].points] if schedules else []


def defaults_for(scenario: Scenario, name: str, path: str = "", seed: int = 1) -> Settings:
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
        **{k: float(values[k]) for k in KEY_PARAMETERS},
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
    for key in KEY_PARAMETERS:
        if getattr(settings, key) != getattr(base, key):
            out[key] = getattr(settings, key)
    return out


class Session:
    """One browser session's model, guarded by a lock (the play loop steps it in a thread)."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.model: CommunistWorld | None = None

    def build(self, settings: Settings) -> CommunistWorld:
        """A new model from the settings; raises ScenarioError for a bad scenario or setting."""
        scenario = load(settings.source)
        model = CommunistWorld(scenario, rng=settings.seed, **overrides_for(settings, scenario))
        with self.lock:
            self.model = model
        return model

    def frame(self, selected: str | None, only_status: bool) -> viz.Snapshot | None:
        """This year's frame (None without a model)."""
        with self.lock:
            return viz.snapshot(self.model, selected, only_status) if self.model is not None else None

    def step(self) -> bool:
        """Advance one year; False when the run is over (or there is no model)."""
        with self.lock:
            if self.model is None or not self.model.running:
                return False
            self.model.step()
            return bool(self.model.running)


# -- components ------------------------------------------------------------------------------------------------


def _chip(label: str, count: int, colour: str, dark: bool) -> solara.Element:
    return solara.v.Chip(
        children=[f"{label}: {count}"],
        color=colour,
        text_color="white" if dark else "black",
        small=True,
        class_="mr-2",
    )


@solara.component
def Header(frame: viz.Snapshot):
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Text(str(frame.year), classes=["sim-year"], style={"font-size": "2.2rem", "font-weight": "700"})
        solara.Text(
            f"{frame.title} ({frame.start_year}-{frame.end_year})" + ("" if frame.running else ": the run is over"),
            style={"font-size": "1.1rem", "margin": "0 16px 0 8px", "color": "#455a64"},
        )
        for cat in STATUS_ORDER:
            _chip(viz.LABELS[cat], frame.counts[cat], viz.COLOURS[cat], cat in ("communist",))


@solara.component
def Chart(option: dict, height: int = 360, on_click=None, name: str = ""):
    solara.FigureEcharts(
        option=option,
        on_click=on_click,
        attributes={"style": f"height: {height}px; width: 100%;", "class": f"sim-chart sim-chart-{name}"},
        responsive=True,
    )


@solara.component
def EventLog(events: list[viz.Event], only_status: bool, on_only_status):
    with solara.Card("Event log (newest first)", style={"height": "100%"}):
        solara.Checkbox(label="only status and feature changes", value=only_status, on_value=on_only_status)
        rows = []
        for e in events:
            colour = viz.COLOURS.get(e.to_status, "#90a4ae") if e.kind in ("status", "feature") else "#cfd8dc"
            weight = "600" if e.kind == "status" else "400"
            rows.append(
                f'<li style="border-left: 6px solid {colour}; padding: 2px 8px; margin: 3px 0; font-weight: {weight};'
                f' list-style: none;"><span style="color:#78909c">[{e.kind}]</span> {escape(e.text, quote=False)}</li>'
            )
        html = "".join(rows) or "<li style='list-style:none'>Nothing has happened yet: press Step or Play.</li>"
        solara.HTML(
            tag="ul",
            unsafe_innerHTML=html,
            classes=["sim-events"],
            style="max-height: 420px; overflow-y: auto; padding-left: 0; font-size: 0.88rem;",
        )


@solara.component
def DrillDown(frame: viz.Snapshot, codes: list[tuple[str, str]], on_select):
    with solara.Card("A state over time"):
        labels = {f"{code}: {name}": code for code, name in codes}
        current = next((label for label, code in labels.items() if code == frame.selected), None)
        solara.Select(
            label="State (or click a tile on the map)",
            values=list(labels),
            value=current,
            on_value=lambda label: on_select(labels.get(label)),
            classes=["sim-state"],
        )
        if frame.selected is None:
            solara.Text("Pick a state to see its six indicators, its members by type, and dissent.")
            return
        s = frame.summary
        solara.Markdown(
            f"**{s['name']}**: {s['status']} (features {s['features']}); {s['party']}"
            + (f", {s['leader']}" if s["leader"] else "")
            + f"; {s['members']} members; route to power: {s['route']}."
        )
        with solara.Columns([1, 1, 1]):
            Chart(frame.indicators, 320, name="indicators")
            Chart(frame.members, 320, name="members")
            Chart(frame.dissent, 320, name="dissent")


@solara.component
def Slider(
    label: str, help_text: str, value: float, lo: float, hi: float, step: float, on_value, integer=False, name=""
):
    with solara.Column(gap="0px", style={"margin-bottom": "6px"}, classes=[f"sim-slider-{name}"]):
        shown = f"{int(value)}" if integer else f"{value:g}"
        solara.Text(f"{label}: {shown}", style={"font-weight": "500", "font-size": "0.9rem"})
        widget = solara.SliderInt if integer else solara.SliderFloat
        widget("", value=value, min=lo, max=hi, step=step, on_value=on_value, thumb_label=False)
        solara.Text(help_text, style={"font-size": "0.75rem", "color": "#607d8b", "line-height": "1.1"})


@solara.component
def Controls(
    settings: solara.Reactive[Settings],
    applied: Settings | None,
    playing: solara.Reactive[bool],
    speed: solara.Reactive[float],
    running: bool,
    on_reset,
    on_step,
):
    s = settings.value

    def update(**changes):
        settings.set(replace(settings.value, **changes))

    def choose_scenario(name: str):
        try:
            fresh = defaults_for(load(name), name, "", settings.value.seed)
        except ScenarioError:
            fresh = replace(settings.value, scenario=name, path="")
        settings.set(fresh)

    with solara.Card("Run"):
        with solara.Row(style={"flex-wrap": "wrap", "gap": "4px"}):
            solara.Button(
                "Pause" if playing.value else "Play",
                icon_name="mdi-pause" if playing.value else "mdi-play",
                color="primary",
                on_click=lambda: playing.set(not playing.value),
                disabled=not running,
                classes=["sim-play"],
            )
            solara.Button(
                "Step", icon_name="mdi-skip-next", on_click=on_step, disabled=playing.value or not running,
                classes=["sim-step"],
            )  # fmt: skip
            solara.Button("Reset", icon_name="mdi-restart", color="secondary", on_click=on_reset, classes=["sim-reset"])
        solara.SliderFloat("Speed (years per second)", value=speed, min=0.5, max=20.0, step=0.5)
    with solara.Card("Scenario and drivers"):
        solara.Info("Changes here take effect when you press Reset.", dense=True)
        if applied is not None and s != applied:
            solara.Warning("Settings changed: press Reset to run with them.", dense=True, classes=["sim-pending"])
        solara.Select(
            "Scenario", values=SCENARIOS, value=s.scenario, on_value=choose_scenario, classes=["sim-scenario"]
        )
        solara.InputText(
            "or a scenario file (path)",
            value=s.path,
            on_value=lambda v: update(path=v or ""),
            continuous_update=False,
            classes=["sim-path"],
        )
        solara.InputInt(
            "Seed",
            value=s.seed,
            on_value=lambda v: update(seed=int(v or 0)),
            continuous_update=False,
            classes=["sim-seed"],
        )
        Slider(
            "Hegemony plateau",
            "the centre's enforcement credibility at its height (Brezhnev doctrine)",
            s.hegemony_level,
            0.0,
            1.0,
            0.05,
            lambda v: update(hegemony_level=round(float(v), 3)),
            name="hegemony_level",
        )
        Slider(
            "Hegemony has fallen by",
            "the year the centre's enforcement is gone (the fall takes as long as in the scenario)",
            s.fall_year,
            1925,
            2030,
            1,
            lambda v: update(fall_year=int(v)),
            integer=True,
            name="fall_year",
        )
        Slider(
            "Monopoly pressure",
            "how hard every ruling party pushes toward a monopoly of power (all states)",
            s.monopoly_pressure,
            0.0,
            1.0,
            0.05,
            lambda v: update(monopoly_pressure=round(float(v), 3)),
            name="monopoly_pressure",
        )
        for key in KEY_PARAMETERS:
            p = PARAMETERS[key]
            Slider(
                PARAMETER_LABELS[key],
                p.doc,
                getattr(s, key),
                p.lo,
                p.hi,
                (p.hi - p.lo) / 40,
                lambda v, key=key: update(**{key: round(float(v), 4)}),
                name=key,
            )
        solara.Button(
            "Scenario defaults",
            text=True,
            on_click=lambda: choose_scenario(s.scenario),
            classes=["sim-defaults"],
        )


@solara.component
def Page():
    session = solara.use_memo(Session, [])
    settings = solara.use_reactive(Settings(scenario=DEFAULT_SCENARIO))
    applied = solara.use_reactive(None)
    error = solara.use_reactive(None)
    frame = solara.use_reactive(None)
    playing = solara.use_reactive(False)
    speed = solara.use_reactive(4.0)
    selected = solara.use_reactive(None)
    only_status = solara.use_reactive(False)

    def refresh():
        frame.set(session.frame(selected.value, only_status.value))

    def reset():
        playing.set(False)
        try:
            session.build(settings.value)
        except ScenarioError as exc:
            with session.lock:
                session.model = None
            error.set(str(exc))
            applied.set(settings.value)
            frame.set(None)
            return
        error.set(None)
        applied.set(settings.value)
        refresh()

    def first_load():
        try:
            scenario = load(DEFAULT_SCENARIO)
            settings.set(defaults_for(scenario, DEFAULT_SCENARIO))
        except ScenarioError as exc:
            error.set(str(exc))
            return
        reset()

    solara.use_effect(first_load, [])

    def step():
        session.step()
        refresh()

    def play_loop(cancel: threading.Event):
        while playing.value and not cancel.is_set():
            started = time.perf_counter()
            more = session.step()
            refresh()
            if not more:
                playing.set(False)
                return
            wait = 1.0 / max(0.1, speed.value) - (time.perf_counter() - started)
            if wait > 0 and cancel.wait(wait):
                return

    solara.use_thread(play_loop, dependencies=[playing.value])

    def select(code: str | None):
        selected.set(code)
        frame.set(session.frame(code, only_status.value))

    def click_map(data: dict):
        index = data.get("dataIndex") if isinstance(data, dict) else None
        with session.lock:
            model = session.model
            if model is not None and isinstance(index, int) and 0 <= index < len(model.states):
                code = model.states[index].code
            else:
                return
        select(code)

    def set_only_status(value: bool):
        only_status.set(value)
        frame.set(session.frame(selected.value, value))

    current = frame.value
    solara.Title("Communist systems: live")
    with solara.AppBar():
        solara.AppBarTitle("Communist political systems: a live simulation (Brown's six features)")
    with solara.Sidebar():
        Controls(
            settings,
            applied.value,
            playing,
            speed,
            current is not None and current.running,
            on_reset=reset,
            on_step=step,
        )
    if error.value:
        solara.Error(f"The scenario could not be loaded: {error.value}", classes=["sim-error"])
        solara.Text("Fix the file or choose another scenario, then press Reset.")
    if current is None:
        if not error.value:
            solara.Text("Loading the scenario...")
        return
    Header(current)
    with solara.ColumnsResponsive(12, large=[6, 6]):
        with solara.Card("Map: each state's status this year (click a tile to follow it)"):
            Chart(current.map, 380, on_click=click_map, name="map")
        with solara.Card("Status counts over time"):
            Chart(current.counts_chart, 380, name="counts")
    with solara.ColumnsResponsive(12, large=[5, 7]):
        with solara.Card("The six features, state by state"):
            Chart(current.features, max(300, current.features_height), name="features")
        with solara.Card("The movement network: parties and centres, recognition as edges"):
            Chart(current.network, max(420, current.features_height), name="network")
    with session.lock:
        codes = [(s.code, s.name) for s in session.model.states] if session.model is not None else []
    DrillDown(current, codes, select)
    EventLog(current.events, only_status.value, set_only_status)
