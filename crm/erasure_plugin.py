"""dbt-duckdb plugin: the erasure key function `erasure_key_pad` (crm/erasure_keys.py) on every connection
dbt opens, so the models and the send gates' views check the keyed erasure list in SQL."""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from crm import erasure_keys


class Plugin(BasePlugin):
    def configure_connection(self, conn) -> None:
        erasure_keys.register(conn)
