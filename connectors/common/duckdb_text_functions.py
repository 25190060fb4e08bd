"""dbt-duckdb plugin: Unicode functions DuckDB lacks, registered on every connection dbt opens.

`nfkc(text)` applies Unicode NFKC normalisation (full-width letters and digits to half-width,
half-width katakana to full-width, compatibility characters to their plain forms) through Arrow's
vectorised `utf8_normalize`, so it runs column-at-a-time rather than row by row in Python.
The dbt macro `nfkc()` dispatches to it on DuckDB and to the engine's own function elsewhere.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from dbt.adapters.duckdb.plugins import BasePlugin


def nfkc(values: pa.Array) -> pa.Array:
    return pc.utf8_normalize(values, "NFKC")


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        conn.create_function("nfkc", nfkc, ["VARCHAR"], "VARCHAR", type="arrow", null_handling="special")
