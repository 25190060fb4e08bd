"""The rooms of the code base and what each may import (docs/architecture.md). Read from the source with
`ast`, so a new import across a wall fails here, not in review."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import REPO

OURS = ("flows", "crm", "outbound", "connectors", "expectations")
# room -> the rooms (package prefixes) its modules may import; a room may always import itself
ALLOWED = {
    "crm.warehouse": (),
    "connectors": ("crm.warehouse",),
    "expectations": ("connectors.sources",),
    "outbound": ("connectors", "crm.warehouse"),
    # the outbound settings and the campaign catalogue are configuration (the catalogue is checked before a build)
    "crm": ("connectors", "outbound.settings", "outbound.catalogue", "expectations"),
    "flows": ("crm", "outbound", "connectors", "expectations"),
}


def _room(module: str) -> str:
    return "crm.warehouse" if module == "crm.warehouse" else module.split(".")[0]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in OURS}


def test_every_room_imports_only_what_it_may():
    crossings = []
    for top in OURS:
        for path in sorted((REPO / top).rglob("*.py")):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
            room = _room(module)
            allowed = (room, *ALLOWED[room])
            for imported in sorted(_imports(path)):
                if not any(imported == a or imported.startswith(a + ".") for a in allowed):
                    crossings.append(f"{module} imports {imported}")
    assert crossings == [], "imports across a wall (see docs/architecture.md):\n" + "\n".join(crossings)


def test_flows_hold_only_flows_and_their_tasks():
    """flows/ is for Prefect flows and the tasks they run; library code lives in crm/ or outbound/."""
    for path in sorted((REPO / "flows").glob("*.py")):
        source = path.read_text(encoding="utf-8")
        if path.name in ("__init__.py", "defaults.py", "quality.py"):
            continue  # the package's settings, the shared Prefect helpers and the gate task
        assert "@flow" in source or "@task" in source, f"{path.name} has no flow or task: move it out of flows/"
