"""One contract, run over every declared source and stream (like the Singer SDK's standard tap tests): the
declaration in dbt_project.yml (vars.sources), the connector package, its README and its staging folder
agree, so adding a source is its package, its staging folder and one declaration."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.sources import CANDIDATE_RAW_TABLES, DECLARED_STREAMS, PACKAGES, RAW_TABLES
from connectors.sources.registry import CANONICAL_MODELS, DBT_PROJECT_DIR, declared_sources

SOURCES_DIR = Path(__file__).resolve().parents[3] / "connectors" / "sources"
STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging"
ENTRIES = {entry.package: entry for entry in declared_sources()}
STREAMS = [pytest.param(stream, id=stream.name) for streams in DECLARED_STREAMS.values() for stream in streams]


def _yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _models(staging: str) -> dict[str, dict]:
    return {m["name"]: m for m in _yaml(STAGING_DIR / staging / f"_{staging}__models.yml")["models"]}


def test_every_source_package_is_declared_once_and_every_declared_package_exists():
    packages = sorted(p.name for p in SOURCES_DIR.iterdir() if (p / "__init__.py").is_file())
    assert sorted(PACKAGES) == packages
    assert len(PACKAGES) == len(set(PACKAGES))


def test_the_raw_table_lists_are_derived_from_the_declarations():
    declared = [s for streams in DECLARED_STREAMS.values() for s in streams]
    assert set(RAW_TABLES) == {s.raw_table for s in declared} and len(RAW_TABLES) == len(set(RAW_TABLES))
    assert set(CANDIDATE_RAW_TABLES) == {s.raw_table for s in declared if s.holds_people}


@pytest.mark.parametrize("package", PACKAGES)
def test_a_source_holds_people_exactly_when_its_staging_folder_emits_candidate_records(package):
    entry = ENTRIES[package]
    holds_people = any(s.holds_people for s in DECLARED_STREAMS[package])
    assert holds_people == ("candidate_records" in entry.emits), (
        f"{package}: a stream with holds_people=True needs `candidate_records` in vars.sources.{package}.emits "
        "(and the model stg_<folder>__candidate_records), and the other way round"
    )


@pytest.mark.parametrize("package", PACKAGES)
def test_each_emitted_canonical_model_exists_and_is_documented(package):
    entry = ENTRIES[package]
    models = _models(entry.staging)
    for canonical in entry.emits:
        name = entry.model(canonical)
        assert (STAGING_DIR / entry.staging / f"{name}.sql").is_file(), name
        assert name in models, f"{name} is not described in _{entry.staging}__models.yml"


@pytest.mark.parametrize("canonical", CANONICAL_MODELS)
def test_every_source_documents_one_canonical_column_list(canonical):
    """The canonical models of a kind have the same columns, in the same order, whichever the source."""
    shapes = {}
    for entry in declared_sources():
        if canonical in entry.emits:
            model = _models(entry.staging)[entry.model(canonical)]
            shapes[entry.model(canonical)] = [c["name"] for c in model["columns"]]
    assert shapes and len({tuple(columns) for columns in shapes.values()}) == 1, shapes


@pytest.mark.parametrize("stream", STREAMS)
def test_every_stream_lands_in_a_raw_table_its_staging_folder_declares(stream):
    package = next(p for p, streams in DECLARED_STREAMS.items() if stream in streams)
    staging = ENTRIES[package].staging
    sources = _yaml(STAGING_DIR / staging / f"_{staging}__sources.yml")["sources"]
    tables = {t["name"] for s in sources if s.get("schema") == "raw" for t in s["tables"]}
    assert stream.raw_table in tables, f"declare raw.{stream.raw_table} in _{staging}__sources.yml"
    assert not stream.folder.is_absolute(), "a declaration's folder is relative to the landing folder"


@pytest.mark.parametrize("stream", STREAMS)
def test_every_connector_readme_states_the_keys_and_the_write_mode(stream):
    package = next(p for p, streams in DECLARED_STREAMS.items() if stream in streams)
    readme = (SOURCES_DIR / package / "README.md").read_text(encoding="utf-8")
    for field in stream.key.fields or ("<file>#<row>",):
        assert f"`{field}`" in readme, f"{package}/README.md does not name the key {field}"
    words = " ".join(readme.replace("*", "").lower().split())
    assert f"write mode {stream.write}" in words, f"{package}/README.md: say 'Write mode {stream.write}'"
