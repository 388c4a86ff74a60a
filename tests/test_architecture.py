"""The architecture: the year is a declared schedule of processes, documented from that declaration."""

from __future__ import annotations

import dataclasses

import sim.model
from sim import odd
from sim.model import SCHEDULE, CommunistWorld
from sim.schedule import overview


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

    monkeypatch.setattr(sim.model, "SCHEDULE", tuple(recording(s) for s in SCHEDULE))
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

    modules = ["sim.vocab", "sim.agents", "sim.features", "sim.population", "sim.events", "sim.drivers"]
    modules += [f"sim.mechanisms.{m}" for m in ("crisis", "dissent", "economy", "elections", "founding")]
    modules += [f"sim.mechanisms.{m}" for m in ("leadership", "legitimacy", "members", "movement", "takeover")]
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
