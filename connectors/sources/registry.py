"""What the project declares once about its sources, read from the dbt project's vars (dbt_project.yml),
so Python, dbt and the gates agree without keeping lists in step by hand:

- `sources`: every connector package (in landing order), its staging folder, and the canonical staging
  models that folder emits (candidate_records, application_records, field_issues);
- `agency_files`: the agency header vocabulary (record id columns, the headers of each column, the name
  and contact columns).

See docs/adding-a-source.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
CANONICAL_MODELS = ("candidate_records", "application_records", "field_issues")


@dataclass(frozen=True)
class SourceEntry:
    package: str  # connectors/sources/<package>/
    staging: str  # dbt_project/models/staging/<staging>/
    emits: tuple[str, ...]  # canonical models stg_<staging>__<model>

    def model(self, canonical: str) -> str:
        return f"stg_{self.staging}__{canonical}"


@functools.cache
def project_vars() -> dict:
    return yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]


@functools.cache
def declared_sources() -> tuple[SourceEntry, ...]:
    entries = []
    for package, spec in project_vars()["sources"].items():
        spec = spec or {}
        emits = tuple(spec.get("emits") or ())
        if unknown := sorted(set(emits) - set(CANONICAL_MODELS)):
            raise ValueError(
                f"dbt_project.yml vars.sources.{package} emits unknown models {', '.join(unknown)}: "
                f"use {', '.join(CANONICAL_MODELS)}"
            )
        entries.append(SourceEntry(package, spec.get("staging", package), emits))
    return tuple(entries)


@functools.cache
def agency_files() -> dict:
    """The agency header vocabulary: `record_id` (headers), `columns` ({staging column: headers}),
    `name_columns` and `contact_columns` (staging columns)."""
    return project_vars()["agency_files"]


def agency_headers(*columns: str) -> tuple[str, ...]:
    """Every header agencies write the given staging columns under, in declaration order."""
    vocabulary = agency_files()["columns"]
    return tuple(header for column in columns for header in vocabulary[column])
