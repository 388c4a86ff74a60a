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
