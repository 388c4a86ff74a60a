"""A seeded run is reproducible to the byte: refactoring must not move a single number.

The hashes below are the Parquet files of ``uv run sim run historical --seed 7`` recorded on ``main`` before the
architecture rework (issue 10). They depend on the exact Parquet bytes, hence on the pyarrow version pinned in
``uv.lock`` (26.0.1 when they were recorded; its zstd codec and metadata) as well as on the model: after a pyarrow
upgrade that changes the file layout, re-record them (and check ``tests/test_baseline.py``, which compares values,
not bytes).
"""

from __future__ import annotations

import hashlib

import pyarrow

from sim import output, runner

PYARROW_RECORDED = "26.0.1"
HISTORICAL_SEED_7 = {
    "elections": "a25ca9d17a5be0e3e080e751a35637b4c80f76152f798dc4e19ea0da4757b239",
    "model": "6d3427b5518bec0c271adea77b7deae1b5d36e94f11282b34f1a9a3e4994aee0",
    "parties": "63c06b38b9a2b99b29718adb5a012f0079749396e8d43bdbc1d8127e1c8b0953",
    "events": "5059e5833f4553cebfc644a149b3a2c28fbfd474e291b160ba9c623826cf5e2c",
    "states": "6f6234e3d0520b8255bab5b952b97309fb1fcf5adced7de64bfd74003983ed44",
}


def test_historical_seed_7_parquet_bytes_are_unchanged(tmp_path):
    assert pyarrow.__version__ == PYARROW_RECORDED, (
        f"pyarrow {pyarrow.__version__} is not the version the hashes were recorded with ({PYARROW_RECORDED}): "
        "re-record them with `uv run sim run historical --seed 7` on a commit whose results are known to be right"
    )
    result = runner.run("historical", seed=7, progress=False)
    got = {}
    for table in runner.TABLES:
        path = tmp_path / f"{table}.parquet"
        output.write_parquet(result.frames[table], path)
        got[table] = hashlib.sha256(path.read_bytes()).hexdigest()
    assert got == HISTORICAL_SEED_7
