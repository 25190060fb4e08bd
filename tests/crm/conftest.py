"""The gate tests use an ephemeral GX context (no project files, no Data Docs: fast), except the one test
that asks for the file context and builds the Data Docs."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def ephemeral_gx_context(monkeypatch):
    monkeypatch.setenv("CRM_GX_CONTEXT", "ephemeral")
