"""HR reads the dbt docs: every model, seed and column must say what it is. Read from the manifest that
`dbt parse` writes, so a model or column added without a description fails here."""

from __future__ import annotations

import json
import os

from dbt.cli.main import dbtRunner

from flows.dbt_runner import DBT_PROJECT_DIR


def test_every_model_seed_and_column_has_a_description(tmp_path):
    os.environ.setdefault("DUCKDB_PATH", str(tmp_path / "unused.duckdb"))
    target = tmp_path / "target"
    result = dbtRunner().invoke(
        [
            "parse",
            "--project-dir",
            str(DBT_PROJECT_DIR),
            "--profiles-dir",
            str(DBT_PROJECT_DIR),
            "--target-path",
            str(target),
            "--quiet",
        ]
    )
    assert result.success, result.exception
    manifest = json.loads((target / "manifest.json").read_text())
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] not in ("model", "seed"):
            continue
        if not node.get("description", "").strip():
            missing.append(f"{node['resource_type']} {node['name']}")
        documented = {name for name, column in node["columns"].items() if column.get("description", "").strip()}
        sql_columns = set(node["columns"])
        missing += [f"{node['name']}.{name}" for name in sorted(sql_columns - documented)]
    assert missing == [], "add descriptions in the _<folder>__models.yml files: " + ", ".join(missing)


def test_every_model_column_in_the_warehouse_is_documented(built_warehouse):
    """Columns a model produces but its YAML does not list are undocumented too."""
    from connectors.common.warehouse import connect

    warehouse, _ = built_warehouse
    manifest = json.loads((DBT_PROJECT_DIR / "target" / "manifest.json").read_text())
    documented = {
        (n["schema"], n["name"]): set(n["columns"]) for n in manifest["nodes"].values() if n["resource_type"] == "model"
    }
    with connect(warehouse, read_only=True) as con:
        actual = con.execute("""select table_schema, table_name, list(column_name) from information_schema.columns
                                where table_schema in ('staging', 'intermediate', 'marts') group by all""").fetchall()
    missing = [
        f"{schema}.{table}.{column}"
        for schema, table, columns in actual
        if (schema, table) in documented
        for column in columns
        if column not in documented[(schema, table)]
    ]
    assert missing == [], "columns without a description: " + ", ".join(missing)
