"""HR reads the dbt docs: every model, seed and column must say what it is. Read from the manifest that
the session's build writes, so a model or column added without a description fails here."""

from __future__ import annotations

import json

from crm.dbt_runner import target_dir


def _manifest(built_warehouse) -> dict:
    warehouse, _ = built_warehouse
    return json.loads((target_dir(warehouse) / "manifest.json").read_text())


def test_every_model_seed_and_column_has_a_description(built_warehouse):
    manifest = _manifest(built_warehouse)
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
    from crm.warehouse import connect

    warehouse, _ = built_warehouse
    manifest = _manifest(built_warehouse)
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
