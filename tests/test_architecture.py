"""The architecture: the year is a declared schedule of processes, documented from that declaration."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import sim.model
import sim.year
from sim import odd
from sim.model import CommunistWorld
from sim.schedule import overview
from sim.year import SCHEDULE


def test_the_model_docstring_and_odd_section_3_are_generated_from_the_schedule():
    assert overview(SCHEDULE, markdown=False) in sim.model.__doc__
    text = odd.ODD_PATH.read_text(encoding="utf-8")
    assert overview(SCHEDULE) in text
    section_3 = text.split("## 3. Process overview")[1].split("## 4.")[0]
    assert odd.SCHEDULE_START in section_3, "the generated process overview belongs in ODD section 3"
    assert odd.is_current(), "run `uv run sim docs`"


def test_a_year_runs_the_schedule_steps_once_each_in_order(monkeypatch):
    model = CommunistWorld("stylized", rng=1)
    ran: list[str] = []

    def recording(step):
        def run(world):
            ran.append(step.name)
            step.run(world)

        return dataclasses.replace(step, run=run)

    monkeypatch.setattr(sim.year, "SCHEDULE", tuple(recording(s) for s in SCHEDULE))
    model.step()
    assert ran == [s.name for s in SCHEDULE]


def test_every_step_names_the_module_function_that_runs_it():
    for step in SCHEDULE:
        module, _, function = step.where.rpartition(".")
        assert module and function, step
        assert step.run.__qualname__.endswith(function)
        assert f"`{step.where}`" in overview(SCHEDULE)
    assert len({s.name for s in SCHEDULE}) == len(SCHEDULE), "step names are unique"


# -- one vocabulary; no import cycle ----------------------------------------------------------------------------


def _runtime_imports() -> dict[str, set[str]]:
    """Module -> the ``sim`` modules it imports at run time (TYPE_CHECKING blocks left out, function-level
    imports included), from the source."""
    import ast
    from pathlib import Path

    package = Path(sim.model.__file__).resolve().parent
    modules = {
        ".".join(("sim", *p.relative_to(package).with_suffix("").parts)).removesuffix(".__init__"): p
        for p in package.rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        targets: set[str] = set()
        for node in ast.walk(tree):
            if id(node) in skip:
                continue
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim"):
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.add(full if full in modules else node.module)
            elif isinstance(node, ast.Import):
                targets |= {a.name for a in node.names if a.name.startswith("sim")}
        graph[name] = {t for t in targets if t in modules and t != name and t != "sim"}
    return graph


def test_the_core_has_no_runtime_import_cycle_and_mechanisms_do_not_import_the_agents():
    import networkx as nx

    graph = nx.DiGraph([(a, b) for a, targets in _runtime_imports().items() for b in targets])
    assert list(nx.simple_cycles(graph)) == []
    for module in graph.nodes:
        if module.startswith("sim.mechanisms."):
            assert "sim.agents" not in graph.successors(module), f"{module} imports the agents at run time"


def test_each_core_module_imports_alone_in_a_fresh_interpreter():
    import subprocess
    import sys

    modules = [path.removesuffix(".py").replace("/", ".") for path in CORE_MODULES]
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    for module in modules:  # one interpreter per module: each must import without another having run first
        done = subprocess.run([sys.executable, "-c", code, module], capture_output=True, text=True)
        assert done.returncode == 0, f"{module}: {done.stderr[-800:]}"


def test_vocabulary_properties_are_the_rules_the_mechanisms_read():
    from sim.vocab import EventKind, LeaderKind, Role

    assert {r for r in Role if r.in_office} == {Role.RULING, Role.ELECTED, Role.COALITION}
    assert {r for r in Role if not r.active} == {Role.BANNED, Role.DISSOLVED, Role.UNFOUNDED}
    assert {k for k in LeaderKind if k.reforming} == {LeaderKind.REFORMER, LeaderKind.CLOSET_SOCIAL_DEMOCRAT}
    assert {k for k in LeaderKind if k.starts_reform} - {k for k in LeaderKind if k.reforming} == {
        LeaderKind.ECONOMIC_REFORMER
    }
    assert Role.RULING == "ruling" and f"{LeaderKind.CLOSET_SOCIAL_DEMOCRAT}" == "closet_social_democrat"
    # the two lists other modules keep today agree with the enum (they are to be read from it)
    from sim import output, viz

    assert {k for k in EventKind if k.main} == set(output.MAIN_EVENT_KINDS)
    assert {k for k in EventKind if not k.routine} == set(viz.MAIN_KINDS)


def test_a_run_records_only_names_of_the_vocabulary():
    from sim.vocab import EventKind, FamilyLabel, LeaderKind, Role

    model = CommunistWorld("stylized", rng=2).run(until=1995)
    assert set(model.table("events")["kind"]) <= set(EventKind)
    parties = model.table("parties")
    assert set(parties["role"]) <= set(Role) and set(parties["family"]) <= set(FamilyLabel)
    assert set(parties["leader_kind"]) - {""} <= set(LeaderKind)


# -- every behavioural constant is a registered parameter ------------------------------------------------------

_PACKAGE = Path(sim.model.__file__).resolve().parent
CORE_MODULES = (
    *(f"sim/{m}.py" for m in (
        "agents", "drivers", "events", "features", "model", "population", "schedule", "streams", "vocab", "year",
    )),
    *sorted(f"sim/mechanisms/{p.name}" for p in (_PACKAGE / "mechanisms").glob("*.py") if p.name != "__init__.py"),
)  # fmt: skip
"""The core's modules with behaviour (every mechanism module, found on disk: a new one is scanned too)."""
STRUCTURAL = {0, 1, -1}
"""Numbers that are never behavioural: nothing, identity, the empty-slot marker (and 0.0, 1.0: shares' bounds)."""
ALLOWED: dict[tuple[str, str, float], str] = {
    # (module, enclosing function or class, value): why the number is not a behavioural constant
    ("sim/agents.py", "generation", 10): "a generation is a decade (MemberAgent.generation: unit conversion)",
    ("sim/drivers.py", "apply_event", 2): "names[-2]: the previous name (an index)",
    ("sim/events.py", "feature_change_text", 0.05): "reporting: public dissent mentioned in the event text",
    ("sim/streams.py", "__init__", 2): "2**63 - 1: the range of the root seed",
    ("sim/streams.py", "__init__", 63): "2**63 - 1: the range of the root seed",
    ("sim/schedule.py", "overview", 116): "text width of the generated overview",
    ("sim/population.py", "<module>", 1e6): "persons per million (populations are in millions)",
    ("sim/mechanisms/crisis.py", "crackdown_probability", 0.5): "(1 + K) / 2: capacity mapped from 0..1 to 0.5..1",
    ("sim/mechanisms/crisis.py", "crisis_response", 4): "rng.random(4): the uniforms drawn in every crisis "
    "(negotiation, palace coup, talks after it, crackdown), a count",
    ("sim/mechanisms/dissent.py", "horizontal_links", 2): "transpose(0, 2, 1): axes (an index)",
    ("sim/mechanisms/elections.py", "contestants", 0.5): "legitimacy above one half (retrospective voting's "
    "midpoint); 0.5 belief for a party without member rows (no Communist party lacks them)",
    ("sim/mechanisms/elections.py", "hold_election", 0.5): "a majority is more than half of the vote",
    ("sim/mechanisms/elections.py", "vote_shares", 0.001): "numerical floor of log(share)",
    ("sim/mechanisms/leadership.py", "orthodoxy", 0.5): "the mean of belief and 1 - reformism",
    ("sim/mechanisms/leadership.py", "patron_goal", 0.05): "reporting: when the drop of the goal is noted as a cause",
    ("sim/mechanisms/members.py", "<module>", 5): "N_RANKS: primary organisation to politburo (the rank ladder)",
    ("sim/mechanisms/members.py", "beta_draws", 0.01): "numerical: a Beta mean must lie inside (0, 1)",
    ("sim/mechanisms/members.py", "beta_draws", 0.99): "numerical: a Beta mean must lie inside (0, 1)",
    ("sim/mechanisms/members.py", "step", 1e-12): "numerical: division guard for empty batches",
    ("sim/mechanisms/members.py", "member_exits", 0.5): "the mean of disbelief and reformism",
    ("sim/mechanisms/members.py", "member_exits", 2): "(1 - M)^2: the exponent of the equation's form",
    ("sim/mechanisms/movement.py", "has_leverage", 1e-09): "numerical: a schedule's 0.2 may read 0.1999...",
    ("sim/mechanisms/movement.py", "admonish", 5): "reporting: every fifth admonition is logged",
    ("sim/mechanisms/tenure.py", "<module>", 60): "REFERENCE_AGE: the age at which leader_mortality_60 is given (the "
    "parameter's unit)",
}


def _numeric_literals(path: str) -> list[tuple[str, float, int]]:
    """(enclosing function or class, value, line) of every int or float literal outside docstrings."""
    import ast
    from pathlib import Path

    root = Path(sim.model.__file__).resolve().parent.parent
    tree = ast.parse((root / path).read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}

    def enclosing(node) -> str:
        while node in parents:
            node = parents[node]
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                return node.name
        return "<module>"

    return [
        (enclosing(node), node.value, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value not in STRUCTURAL
    ]


def test_no_behavioural_literal_outside_the_parameter_registry():
    found = [
        f"{path}:{line} in {where}: {value!r}"
        for path in CORE_MODULES
        for where, value, line in _numeric_literals(path)
        if (path, where, value) not in ALLOWED
    ]
    assert not found, "register these numbers in sim/params.py (or explain them in ALLOWED):\n" + "\n".join(found)


def test_the_literal_scan_catches_a_behavioural_literal(tmp_path, monkeypatch):
    import sim.model as model_module

    fake_root = tmp_path / "repo"
    (fake_root / "sim").mkdir(parents=True)
    (fake_root / "sim" / "model.py").write_text("")
    (fake_root / "sim" / "probe.py").write_text('"""Doc 0.7."""\n\ndef f(x):\n    return x * 0.7 + 1\n')
    monkeypatch.setattr(model_module, "__file__", str(fake_root / "sim" / "model.py"))
    assert _numeric_literals("sim/probe.py") == [("f", 0.7, 4)]


def test_allowed_literals_are_all_still_there():
    present = {(path, where, value) for path in CORE_MODULES for where, value, _ in _numeric_literals(path)}
    assert set(ALLOWED) <= present, f"stale ALLOWED entries: {sorted(set(ALLOWED) - present)}"


def test_every_parameter_has_a_provenance_and_the_odd_and_cli_show_it():
    from typer.testing import CliRunner

    from sim.cli import app
    from sim.params import PARAMETERS, PROVENANCES, Param, provenance_of

    text = odd.ODD_PATH.read_text(encoding="utf-8")
    for p in PARAMETERS.values():
        assert p.provenance in PROVENANCES
        assert (p.provenance == "fitted") == bool(p.target), p.name
        shown = f"fitted to {p.target}" if p.provenance == "fitted" else p.provenance
        assert f"| {p.source} | {shown} |" in text, p.name
    assert provenance_of("calibrated (stylized patterns)") == "fitted"
    assert provenance_of("party_stats.csv (PCI, PCF)") == "data"
    assert provenance_of("Kuran 1991") == "literature"
    assert provenance_of("MODEL.md section 2") == "assumption"
    assert Param("x", "g", 0.5, 0, 1, "u", "d", "calibrated on the stylized world").target == "the stylized world"
    listing = CliRunner().invoke(app, ["params", "takeover"]).output
    assert "installed_alignment" in listing and "assumption" in listing


# -- the layers: core, experiments, reports (issue 10 item 6) ---------------------------------------------------

LAYERS = {
    "core": (  # what the world is and does
        "sim", "sim.errors", "sim.resources", "sim.params", "sim.vocab", "sim.schema", "sim.scenario", "sim.timeline",
        "sim.causal_rule", "sim.drivers", "sim.agents", "sim.population", "sim.features", "sim.streams", "sim.events",
        "sim.schedule", "sim.year", "sim.observe", "sim.lifecycle", "sim.model", "sim.mechanisms",
    ),
    "experiments": (  # how runs are organised and measured
        "sim.console", "sim.executors", "sim.runner", "sim.ensemble", "sim.variants", "sim.sweep", "sim.outcomes",
        "sim.chain",
        "sim.whatif", "sim.baseline", "sim.analyze", "sim.sensitivity", "sim.discover", "sim.patterns", "sim.targets",
        "sim.validation", "sim.calibrate", "sim.posterior", "sim.audit",
    ),
    "reports": (  # how runs are shown and written
        "sim.output", "sim.palette", "sim.plots", "sim.history", "sim.viz", "sim.dashboard", "sim.odd", "sim.docsite",
        "sim.cli", "sim.__main__",
    ),
}  # fmt: skip
"""Every module of the package in one layer (a package name covers its modules). The core imports neither of the
other layers; the experiments may write through the reports' writers (``sim.output``)."""


def _layer_of(module: str) -> str:
    found = [
        layer
        for layer, names in LAYERS.items()
        for name in names
        if module == name or (name != "sim" and module.startswith(name + "."))
    ]
    assert len(found) == 1, f"{module}: in {found or 'no'} layer; add it to LAYERS in tests/test_architecture.py"
    return found[0]


def test_every_module_belongs_to_one_layer_and_the_core_imports_only_the_core():
    graph = _runtime_imports()
    for module, targets in graph.items():
        if _layer_of(module) == "core":
            outside = sorted(t for t in targets if _layer_of(t) != "core")
            assert outside == [], f"{module} (core) imports {outside}"
