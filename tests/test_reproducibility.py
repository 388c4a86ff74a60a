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
    "elections": "e5f7cbb27bb2e533b382d7240a5296c773432ee4ac8c120855c9470697e30705",
    "model": "01e4c084d0a291f4842b8a42057e7f6436eff14a4c90553e15102fe9a804a4b2",
    "parties": "769e1ab7bfd3cdd6558d4d841056835be3813489607018787d0048faeb117351",
    "events": "859985c4df9bc12207706d5a06cf5329fe2f0085ff7e137b53976bf22e3b6ecd",
    "states": "26d75c29fba8720b45246e447a1d2ba878ecaea6ba5ab862c1321208ef52bcfe",
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
