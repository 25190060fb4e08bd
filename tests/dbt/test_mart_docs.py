"""HR reads the marts in the dbt docs: each mart's page opens with what a recruiter (or an operator) uses it
for and an example question it answers, before the technical description."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

MARTS = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts"
ENTRIES = [
    (path.parent.name, model)
    for path in sorted(MARTS.glob("*/_*__models.yml"))
    for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]
]


def test_every_mart_sql_file_has_a_docs_entry():
    documented = {model["name"] for _, model in ENTRIES}
    assert {p.stem for p in MARTS.glob("*/*.sql")} <= documented


@pytest.mark.parametrize("folder, model", ENTRIES, ids=lambda x: x if isinstance(x, str) else x["name"])
def test_a_mart_page_opens_with_its_use_and_an_example_question(folder, model):
    description = " ".join((model.get("description") or "").split())
    assert description.startswith("Use it"), f"{folder}/{model['name']}: start with 'Use it to ...'"
    assert 'Example question: "' in description[:400], f"{folder}/{model['name']}: give an example question"
