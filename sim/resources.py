"""Where the package's own files are: the data shipped inside it, and the source checkout when there is one.

The scenarios (``sim/scenarios/``), what-if variants (``sim/scenarios/whatif/``), sweep specs
(``sim/scenarios/sweeps/``) and historical inputs (``sim/data/history/``) are package data: they are in the wheel and
are found with :mod:`importlib.resources`, so an installed ``sim`` runs from any directory. A user's own files are
still loaded by path.

The files that belong to the repository and not to the package (``docs/ODD.md``, ``tests/baselines/``) exist only
in a source checkout; :data:`CHECKOUT` is its root, or ``None`` when ``sim`` is imported from an installed wheel.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def package_path(*parts: str) -> Path:
    """A file or folder inside the installed ``sim`` package, as a filesystem path.

    pip and uv install wheels unzipped, so the resource is a real path; a zipped import is refused with a message.
    """
    resource = files("sim").joinpath(*parts)
    if not isinstance(resource, Path):  # pragma: no cover - only under a zip importer
        raise RuntimeError(f"sim is imported from an archive ({resource}); install the wheel unzipped")
    return resource


PACKAGE_ROOT = package_path()
"""The ``sim`` package folder."""
SCENARIO_DIR = package_path("scenarios")
"""The scenarios shipped with the package (names such as ``"stylized"``)."""
VARIANT_DIR = SCENARIO_DIR / "whatif"
"""The what-if variants shipped with the package."""
SWEEP_DIR = SCENARIO_DIR / "sweeps"
"""The sweep specs shipped with the package."""
HISTORY_DIR = package_path("data", "history")
"""The historical inputs (states, drivers, real party figures), copies of the project's shared history folder."""


def _checkout_root() -> Path | None:
    root = PACKAGE_ROOT.parent
    return root if (root / "pyproject.toml").is_file() and (root / "tests").is_dir() else None


CHECKOUT = _checkout_root()
"""The root of the source checkout ``sim`` is imported from, or ``None`` for an installed package."""


def checkout_file(relative: str, command: str) -> Path:
    """``relative`` inside the source checkout, or a clear error saying that ``command`` needs one.

    Raises:
        FileNotFoundError: ``sim`` is installed from a wheel, so there is no checkout (the message says what to do).
    """
    if CHECKOUT is None:
        raise FileNotFoundError(
            f"`sim {command}` works on {relative} of a source checkout, and this sim is installed from a wheel "
            f"({PACKAGE_ROOT}): run it in a clone of the repository (`uv run sim {command}`)"
        )
    return CHECKOUT / relative
