"""Rule: every read of child data goes through access.gateway.

This test reads the source of every module in the project and fails when one outside the
allowed places imports the child models or names their tables. Writers that build data (the
demo seeder) are allowed by name, with the reason beside them.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("access", "audit", "directory", "contactpoint", "bench", "api")
CHILD_MODELS = {"Child", "Carer", "Involvement"}
CHILD_TABLES = re.compile(r"directory_(child|carer|involvement)\b")

ALLOWED = {
    "access/gateway": "the gateway itself",
    "directory/models.py": "defines the models",
    "directory/auditing.py": "registers change history (masked fields only)",
    "directory/demo": "writes the demo world; reads nothing back",
    "directory/feeds": "applies feeds: writes children, linked by the matcher; shows nothing",
    "directory/management/commands/seed_demo.py": "writes the demo world",
    "directory/retention.py": "archives and destroys records by date; shows nothing",
    "directory/sealing": "seals addresses and contacts at rest, and seals again; shows nothing",
    "bench": "benchmarks build synthetic worlds and time the gateway",
}


def _allowed(path: Path) -> bool:
    relative = path.relative_to(ROOT).as_posix()
    return "/migrations/" in relative or any(relative.startswith(p) for p in ALLOWED)


def _modules() -> list[Path]:
    return [
        path
        for app in APPS
        if (ROOT / app).exists()
        for path in (ROOT / app).rglob("*.py")
        if not _allowed(path)
    ]


def _child_model_imports(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("directory"):
            names |= {alias.name for alias in node.names} & (CHILD_MODELS | {"*"})
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "get_model":
            args = [a.value for a in node.args if isinstance(a, ast.Constant)]
            names |= set(args) & CHILD_MODELS
    return names


def test_it_finds_the_modules_it_checks():
    checked = {p.relative_to(ROOT).as_posix() for p in _modules()}
    assert "directory/views.py" in checked
    assert "access/sign_in/views.py" in checked


def test_no_module_outside_the_gateway_imports_child_models():
    offenders = {
        path.relative_to(ROOT).as_posix(): sorted(names)
        for path in _modules()
        if (names := _child_model_imports(ast.parse(path.read_text())))
    }
    assert offenders == {}


def test_no_module_outside_the_gateway_names_child_tables():
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in _modules()
        if CHILD_TABLES.search(path.read_text())
    ]
    assert offenders == []


def test_it_would_catch_a_view_that_queries_children_directly():
    planted = "from directory.models import Child, Organisation\nChild.objects.all()"
    assert _child_model_imports(ast.parse(planted)) == {"Child"}
    assert CHILD_TABLES.search("SELECT * FROM directory_child")
