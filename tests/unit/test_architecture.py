"""The layers: dependencies point one way (cli -> services -> db, io, documents, domain), the domain
imports nothing from the project, and no service asks which database it is on."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "ordercli"

# What each room may import from the project (besides itself).
ALLOWED = {
    "domain": set(),
    "io": {"domain"},
    "db": {"domain"},
    "documents": {"domain"},  # PDFs drawn from plain data (documents/model.py)
    "services": {"db", "domain", "io", "documents"},
    "cli": {"services", "db", "domain", "io", "documents", "__init__"},
}


def _imports(path: Path) -> set[str]:
    """The ordercli rooms a module imports (ordercli.<room>...)."""
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "ordercli":
                rooms.add(parts[1] if len(parts) > 1 else "__init__")
    return rooms


@pytest.mark.parametrize("room", sorted(ALLOWED))
def test_each_room_imports_only_the_rooms_below_it(room):
    wrong = {}
    for path in sorted((PACKAGE / room).rglob("*.py")):
        bad = _imports(path) - ALLOWED[room] - {room}
        if bad:
            wrong[str(path.relative_to(PACKAGE))] = sorted(bad)
    assert wrong == {}


def test_no_service_asks_which_database_it_is_on():
    asking = [str(p.relative_to(PACKAGE)) for p in sorted((PACKAGE / "services").rglob("*.py"))
              if "dialect_of" in p.read_text(encoding="utf-8")]
    assert asking == []
