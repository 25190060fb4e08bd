"""Prefect flows: ingest-sources, build-warehouse, send-nurture and the end-to-end pipeline."""

import os

# The first start of Prefect's temporary local server migrates its database, which takes longer than
# Prefect's default 20 s on a small machine. Settings the operator exports win over these defaults.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
