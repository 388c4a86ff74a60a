"""Mesa 3.5 alignment: the model's keywords do not clash with Mesa's, and Mesa's SolaraViz runs it, Reset included.

``scenario`` is Mesa's keyword for a :class:`mesa.experimental.scenarios.Scenario`; the world to simulate is the
first argument (``world=``). SolaraViz's Reset rebuilds the model from its parameters plus a Mesa Scenario.
"""

from __future__ import annotations

import pytest
from mesa.experimental.scenarios import Scenario as MesaScenario

from sim import CommunistWorld


def test_the_world_is_the_first_argument_or_world_and_scenario_is_mesas_keyword():
    by_position = CommunistWorld("stylized", rng=4, end_year=1950).run()
    by_keyword = CommunistWorld(world="stylized", rng=4, end_year=1950).run()
    assert by_position.table("states").equals(by_keyword.table("states"))
    assert isinstance(by_position.scenario, MesaScenario)  # Mesa's own, created by mesa.Model
    with pytest.raises(TypeError, match=r"scenario=.*mesa\.experimental\.scenarios\.Scenario.*world="):
        CommunistWorld(scenario="stylized")


def test_a_mesa_scenario_seeds_the_model_and_carries_overrides():
    plain = CommunistWorld("stylized", rng=6, end_year=1950, belief_erosion=0.5).run()
    via_mesa = CommunistWorld("stylized", scenario=MesaScenario(rng=6, end_year=1950, belief_erosion=0.5)).run()
    assert via_mesa.params.belief_erosion == 0.5 and via_mesa.end_year == 1950
    assert plain.table("states").equals(via_mesa.table("states"))
    empty = CommunistWorld("stylized", rng=6, scenario=MesaScenario(), end_year=1950).run()  # what Reset passes
    alone = CommunistWorld("stylized", rng=6, end_year=1950).run()
    assert empty.scenario.rng == 6 and empty.table("states").equals(alone.table("states"))
    assert not alone.table("states").equals(plain.table("states"))  # the override did change the run


def test_solara_viz_runs_the_model_and_its_reset_rebuilds_it():
    import ipyvuetify as v
    import solara
    from mesa.visualization import SolaraViz

    model = solara.reactive(CommunistWorld("stylized", rng=1, end_year=1960))
    params = {
        "world": "stylized",
        "end_year": 1960,
        "rng": {"type": "SliderInt", "value": 3, "min": 0, "max": 10, "step": 1, "label": "seed"},
    }

    @solara.component
    def Page():  # SolaraViz puts its controls in the sidebar of an app layout (as `solara run` gives it)
        with solara.AppLayout():
            SolaraViz(model, components=[], model_params=params)

    _, rc = solara.render(Page(), handle_error=False)
    first = model.value
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert first.year == first.start_year + 1
    rc.find(v.Btn, children=["Reset"]).widget.click()
    rebuilt = model.value
    assert rebuilt is not first and rebuilt.year == rebuilt.start_year and rebuilt.end_year == 1960
    rc.find(v.Btn, children=["Step"]).widget.click()
    rc.find(v.Btn, children=["Step"]).widget.click()
    reference = CommunistWorld("stylized", rng=3, end_year=1960)
    reference.step()
    reference.step()
    assert rebuilt.year == reference.year
    assert rebuilt.table("states").equals(reference.table("states"))  # Reset used the seed slider's value
