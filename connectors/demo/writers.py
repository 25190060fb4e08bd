"""Streaming file writers for the demo: each keeps one file open and writes record by record."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import orjson


class JsonArrayPages:
    """Writes JSON arrays split into numbered pages of at most `page_size` items, as a paged API export would."""

    def __init__(self, folder: Path, prefix: str, page_size: int):
        self.folder, self.prefix, self.page_size = folder, prefix, page_size
        self._fh = None
        self._page = 0
        self._count = 0

    def write(self, item: dict) -> None:
        if self._fh is None or self._count == self.page_size:
            self._open_next()
        self._fh.write(b"\n" if self._count == 0 else b",\n")
        self._fh.write(orjson.dumps(item))
        self._count += 1

    def _open_next(self) -> None:
        self.close()
        self._page += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        self._fh = open(self.folder / f"{self.prefix}_{self._page:04d}.json", "wb")
        self._fh.write(b"[")
        self._count = 0

    def close(self) -> None:
        if self._fh is not None:
            self._fh.write(b"\n]\n")
            self._fh.close()
            self._fh = None


class KeyedFiles:
    """One open file per key (for example one file per month), created on first use."""

    def __init__(self, opener: Callable[[str], object]):
        self._opener = opener
        self._files: dict[str, object] = {}

    def get(self, key: str):
        handle = self._files.get(key)
        if handle is None:
            handle = self._files[key] = self._opener(key)
        return handle

    def close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files.clear()


class JsonLines:
    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "wb")

    def write(self, item: dict) -> None:
        self._fh.write(orjson.dumps(item))
        self._fh.write(b"\n")

    def close(self) -> None:
        self._fh.close()


class JsonArray(JsonArrayPages):
    """A single JSON array file (no page limit)."""

    def __init__(self, path: Path):
        super().__init__(path.parent, "", 1 << 62)
        self._path = path

    def _open_next(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._fh = open(self._path, "wb")
        self._fh.write(b"[")
        self._count = 0


class CsvFile:
    """A CSV file in a given encoding. Values the encoding cannot carry fall back to `fallback(value)`."""

    def __init__(self, path: Path, headers: tuple[str, ...], encoding: str, delimiter: str = ","):
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh = open(path, "w", encoding=encoding, newline="", errors="strict")
        self._encoding = encoding.replace("-sig", "")
        self._writer = csv.writer(self._fh, delimiter=delimiter, lineterminator="\r\n")
        self._writer.writerow(headers)

    def write(self, row: list[str], fallback: Callable[[str], str] | None = None) -> None:
        if self._encoding == "cp932":
            row = [self._encodable(v, fallback) for v in row]
        self._writer.writerow(row)

    def _encodable(self, value: str, fallback: Callable[[str], str] | None) -> str:
        try:
            value.encode("cp932")
            return value
        except UnicodeEncodeError:
            return fallback(value) if fallback else value.encode("cp932", "replace").decode("cp932")

    def close(self) -> None:
        self._fh.close()
