"""Arrows run one way: `indicators` reads `shelters`, never the reverse (no cycle between the two largest apps)."""

import ast
from pathlib import Path

import shelters

SHELTERS = Path(shelters.__file__).parent


def imported_modules(path: Path, root: Path) -> set[str]:
    """Every module a file imports, by absolute name (relative imports resolved inside `shelters`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = ".".join(["shelters", *path.relative_to(root).parent.parts])
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            names.add(module)
            # `from indicators import services` names the module by its alias.
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def indicator_imports(root: Path = SHELTERS) -> set[tuple[str, str]]:
    """(file, `indicators.<module>`) for every import of `indicators` in the package at `root`."""
    found = set()
    for path in root.rglob("*.py"):
        if "migrations" in path.parts:
            # Migrations name other apps' migrations in their dependencies (strings), never their code.
            continue
        for module in imported_modules(path, root):
            if module == "indicators" or module.startswith("indicators."):
                found.add((str(path.relative_to(root)), ".".join(module.split(".")[:2])))
    return found


def test_no_module_of_shelters_imports_indicators():
    # A case-record write leaves its recompute request in an outbox (shelters.outbox) that `indicators` drains.
    assert indicator_imports() == set()


def test_the_walk_sees_every_way_of_importing_indicators(tmp_path):
    # The check itself can fail: a file importing `indicators` is found, however it imports it.
    package = tmp_path / "shelters"
    (package / "sub").mkdir(parents=True)
    (package / "plain.py").write_text("import indicators.models\n")
    (package / "sub" / "named.py").write_text("from indicators.locks import month_lock\n")
    (package / "alias.py").write_text("from indicators import tables\n")
    (package / "clean.py").write_text("from . import models\nfrom .locks import lock_set\n")
    assert indicator_imports(package) == {
        ("plain.py", "indicators.models"),
        ("sub/named.py", "indicators.locks"),
        ("alias.py", "indicators"),
        ("alias.py", "indicators.tables"),
    }
