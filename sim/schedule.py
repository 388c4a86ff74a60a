"""The year as a declared schedule: named steps, each a process that owns its part of the year.

A :class:`Step` names a process, the function that runs it (``step(world)``, in the mechanism module that owns
it) and what it does in words. The model's year is a loop over its ``SCHEDULE`` (Starsim's integration loop), and
the process overview of the model's module docstring and of ODD section 3 is generated from it
(:func:`overview`), so the documented order is the order that runs.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the year.

    Attributes:
        name: the process, in words (``"economy"``).
        run: the function that runs it, called with the model (``economy.step``).
        text: what it does, in one or two sentences (markdown; written into ODD section 3).
    """

    name: str
    run: Callable[[Any], None]
    text: str

    @property
    def where(self) -> str:
        """The function that runs the step, as ``module.function`` relative to the ``sim`` package."""
        module = self.run.__module__.removeprefix("sim.").removeprefix("mechanisms.")
        return f"{module}.{self.run.__qualname__}"


def overview(schedule: Sequence[Step], width: int = 116, markdown: bool = True) -> str:
    """The numbered process overview of ``schedule``: one item per step, ``N. **name** (`where`): text``.

    ``markdown=False`` gives the compact form of the model's module docstring: ``N. name (where)``, one line each.
    """
    if not markdown:
        return "\n".join(f"{number}. {step.name} ({step.where})" for number, step in enumerate(schedule, start=1))
    lines: list[str] = []
    for number, step in enumerate(schedule, start=1):
        indent = " " * len(f"{number}. ")
        lines += textwrap.wrap(
            f"{number}. **{step.name}** (`{step.where}`): {step.text}",
            width=width,
            subsequent_indent=indent,
            break_long_words=False,
            break_on_hyphens=False,
        )
    return "\n".join(lines)
