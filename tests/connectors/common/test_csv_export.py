"""CSV written for people never carries a live spreadsheet formula."""

from __future__ import annotations

import csv

from hypothesis import given
from hypothesis import strategies as st

from connectors.common.csv_export import escape_cell, write_csv


@given(st.text())
def test_no_cell_starts_like_a_formula(text):
    escaped = escape_cell(text)
    assert not escaped.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert escaped in (text, "'" + text)


def test_written_file_reads_back_escaped(tmp_path):
    path = tmp_path / "out.csv"
    write_csv(path, ["name", "phone"], [['=HYPERLINK("http://x","山田")', "+81 90 1234 5678"], ["佐藤", None]])
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows == [["name", "phone"], ['\'=HYPERLINK("http://x","山田")', "'+81 90 1234 5678"], ["佐藤", ""]]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
