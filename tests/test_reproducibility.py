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
    "elections": "280b576fab47edf4fa28c7d7454bb2e9ae4193f7803842a97b2c9ddbdffdbbfb",
    "model": "27325316acfaaed439e72db1c6c8022067e39290ac03bb19832a853beb97ced9",
    "parties": "aeb2a2a1d093d683228ef0ec1d18bd2bc6095971cae9098134c22de9ec8236ec",
    "events": "64e224c89da8e8cc53c7977099efd363da668c0e8738c347d525adafde7439a7",
    "states": "5ceef4bc3885ebab0d4840d0dd5042b76dd3063da955eb995fe0bbc266e156c4",
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
