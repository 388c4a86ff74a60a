"""The package as a user gets it: data found inside the package, the version, and a command line like its peers."""

from __future__ import annotations

import logging
import subprocess
import sys
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from sim import console, resources
from sim.cli import EXIT_CODES

ROOT = Path(__file__).resolve().parent.parent


def sim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sim", *args], capture_output=True, text=True, check=False, cwd=cwd, timeout=300
    )


def test_scenarios_variants_sweeps_and_history_are_package_data():
    assert resources.SCENARIO_DIR == resources.PACKAGE_ROOT / "scenarios"
    assert {p.stem for p in resources.SCENARIO_DIR.glob("*.toml")} == {"historical", "stylized"}
    assert len(list(resources.VARIANT_DIR.glob("*.toml"))) >= 7
    assert {p.stem for p in resources.SWEEP_DIR.glob("*.toml")} >= {"decay_contagion", "hegemony_grid"}
    assert {p.name for p in resources.HISTORY_DIR.glob("*.csv")} == {
        "states.csv",
        "drivers.csv",
        "party_stats.csv",
        "party_stats_added.csv",
    }
    validation = resources.HISTORY_DIR.parent / "validation"
    assert {p.name for p in validation.glob("*.csv")} == {"status_record.csv", "protest_waves.csv", "transitions.csv"}
    # nothing of it is left at the old places in the checkout
    assert not (ROOT / "scenarios").exists() and not (ROOT / "data" / "history").exists()


def test_named_files_load_from_any_directory(tmp_path):
    proc = sim("validate", "historical", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert str(resources.SCENARIO_DIR / "historical.toml") in proc.stdout


def test_a_sweep_spec_is_found_by_its_name():
    from sim.sweep import load_spec

    assert load_spec("hegemony_grid").path == resources.SWEEP_DIR / "hegemony_grid.toml"


def test_an_unknown_sweep_name_lists_the_shipped_ones(tmp_path):
    proc = sim("sweep", "no_such_sweep", "--out", str(tmp_path), cwd=tmp_path)
    assert proc.returncode == 2
    assert "no_such_sweep: no such sweep spec file or name" in proc.stderr and "hegemony_grid" in proc.stderr
    assert "Traceback" not in proc.stderr and not list(tmp_path.iterdir())


def test_this_checkout_is_recognised():
    assert resources.CHECKOUT == ROOT
    assert resources.checkout_file("docs/ODD.md", "docs") == ROOT / "docs" / "ODD.md"


def test_outside_a_checkout_baseline_and_docs_say_so_instead_of_crashing(monkeypatch, capsys):
    from typer.testing import CliRunner

    from sim.cli import app

    monkeypatch.setattr(resources, "CHECKOUT", None)
    for command in (["baseline"], ["docs", "--check"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 2, result.output
        assert isinstance(result.exception, SystemExit)  # typer.Exit, not a traceback
        assert "installed from a wheel" in result.output and "clone of the repository" in result.output


def test_version_is_the_installed_distributions():
    proc = sim("--version")
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"sim (communist-systems-sim) {version('communist-systems-sim')}"


def test_python_312_and_313_are_allowed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.12"
    assert "version" in project["dynamic"]  # from the git tag (hatch-vcs)
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License")


def test_help_offers_completion_and_lists_the_exit_codes():
    proc = sim("--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "--install-completion" in text and "--show-completion" in text
    for code in EXIT_CODES:
        assert f"{code} " in text.split("Exit codes:")[1]


def test_bad_input_exits_with_the_documented_code(tmp_path):
    proc = sim("run", "no_such_scenario", "--out", str(tmp_path))
    assert proc.returncode == 2 and "bad input" in EXIT_CODES[2]
    assert "no such scenario file or name" in proc.stderr


@pytest.mark.parametrize(("flags", "level"), [([], logging.WARNING), (["-v"], logging.INFO), (["-vv"], logging.DEBUG),
                                              (["-q"], logging.ERROR)])  # fmt: skip
def test_verbosity_flags_set_the_log_level(flags, level):
    from typer.testing import CliRunner

    from sim.cli import app

    result = CliRunner().invoke(app, [*flags, "params", "features"])
    assert result.exit_code == 0, result.output
    assert logging.getLogger(console.LOGGER).level == level
    assert console.quiet() == (level > logging.WARNING)


def test_verbose_says_what_the_command_does_on_stderr(tmp_path):
    proc = sim("-v", "run", "stylized", "--until", "1947", "--out", str(tmp_path), "--quiet")
    assert proc.returncode == 0, proc.stderr
    assert "INFO: running stylized: 1 replicate(s) from seed 1" in proc.stderr
    assert proc.stdout.strip() == str(tmp_path / "stylized" / "s1-r1-u1947")
    quiet = sim("-q", "run", "stylized", "--until", "1947", "--out", str(tmp_path))
    assert quiet.returncode == 0 and quiet.stderr == ""  # no messages and no progress bar


def test_help_does_not_import_the_model_or_the_schema():
    code = "import sys; import sim.cli; print(sorted(m for m in ('sim.model', 'sim.scenario', 'mesa', 'pandas', " \
        "'pydantic') if m in sys.modules))"  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"
