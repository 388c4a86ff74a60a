"""What the package says on the terminal: log messages at the level ``-v``/``-q`` chose, and progress bars.

Messages go through the :mod:`logging` logger ``"sim"`` (and its children, ``logging.getLogger(__name__)`` in each
module) to standard error; results and summaries are printed to standard output. ``sim -q`` shows errors only and
no progress bar, the default shows warnings and progress bars, ``sim -v`` adds what each command is doing and
``sim -vv`` the details. In a notebook or a script nothing is configured: the bars are ``tqdm.auto`` widgets and the
messages follow the caller's logging set-up.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from typing import Any

LOGGER = "sim"
LEVELS = {-1: logging.ERROR, 0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}
"""Verbosity (``-q`` = -1, none = 0, ``-v`` = 1, ``-vv`` = 2) -> logging level."""


def configure_logging(verbosity: int) -> None:
    """Send the ``sim`` logger's messages at ``verbosity`` (clamped to -1..2) to standard error, once."""
    logger = logging.getLogger(LOGGER)
    logger.setLevel(LEVELS[max(-1, min(2, verbosity))])
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def quiet() -> bool:
    """Whether only errors are wanted (``sim -q``): no progress bar then."""
    return logging.getLogger(LOGGER).getEffectiveLevel() > logging.WARNING


def progress_bar(iterable: Iterable[Any] | None = None, **options: Any) -> Any:
    """A ``tqdm.auto`` bar on standard error (a widget in a notebook), hidden under ``sim -q``."""
    from tqdm.auto import tqdm

    return tqdm(iterable, file=sys.stderr, disable=quiet(), **options)
