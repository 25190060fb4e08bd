"""Source connectors: one package per source, each declaring its streams (`STREAMS`).

The packages, their order and their staging folders are declared once, in dbt_project.yml (vars.sources,
read by `registry`); the raw-table lists below are derived from the stream declarations.
`all_streams(landing)` lists every stream found under a landing folder; `unlanded_files(landing)` every
file under the source folders that no stream reads (unrecognised, refused or still being written).
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from pathlib import Path

from connectors.common.landing import FileNotice, Stream, survey

from .registry import declared_sources

PACKAGES = tuple(entry.package for entry in declared_sources())
DECLARED_STREAMS: dict[str, tuple[Stream, ...]] = {
    package: tuple(import_module(f"{__name__}.{package}").STREAMS) for package in PACKAGES
}

# every raw table a source lands in (created by crm.warehouse.ensure_schema)
RAW_TABLES = list(dict.fromkeys(s.raw_table for streams in DECLARED_STREAMS.values() for s in streams))
# the raw tables whose records are people: each of their records is in marts.candidate_crosswalk
CANDIDATE_RAW_TABLES = list(
    dict.fromkeys(s.raw_table for streams in DECLARED_STREAMS.values() for s in streams if s.holds_people)
)


def all_streams(landing: Path, packages: Iterable[str] | None = None) -> list[Stream]:
    """Every stream under a landing folder (one per agency or ATS subfolder), or only those of `packages`."""
    chosen = PACKAGES if packages is None else tuple(packages)
    if unknown := sorted(set(chosen) - set(PACKAGES)):
        raise ValueError(f"unknown source package(s) {', '.join(unknown)}: the packages are {', '.join(PACKAGES)}")
    return [
        located
        for package in PACKAGES
        if package in chosen
        for declared in DECLARED_STREAMS[package]
        for located in declared.located(Path(landing))
    ]


def unlanded_files(landing: Path) -> list[FileNotice]:
    """Every file under the source folders that no declared stream reads, with the reason: names no stream
    of the folder reads, files outside any source folder, links and special files, partial uploads."""
    landing = Path(landing)
    declared = [stream for package in PACKAGES for stream in DECLARED_STREAMS[package]]
    return survey(landing, declared, all_streams(landing))
