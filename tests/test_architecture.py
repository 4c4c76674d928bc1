"""The shape of eventsite/ (issue 13): its modules import each other without a cycle, and no
module hides an import inside a function unless the line says why (``# lazy: <reason>``)."""

import ast
import graphlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "eventsite"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(name: str, node: ast.ImportFrom | ast.Import) -> set[str]:
    """The eventsite modules an import statement in module ``name`` loads by name."""
    if isinstance(node, ast.Import):
        targets = [alias.name for alias in node.names]
    else:
        base = node.module or ""
        if node.level:
            package = name if MODULES[name].name == "__init__.py" else name.rsplit(".", 1)[0]
            for _ in range(node.level - 1):
                package = package.rsplit(".", 1)[0]
            base = f"{package}.{base}" if base else package
        # `from package import module` imports the module; `from module import name` the module.
        targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
    return {t for t in targets if t in MODULES}


def top_level_imports(tree: ast.Module):
    """Import statements run when the module loads (not those under ``if TYPE_CHECKING``)."""
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and "TYPE_CHECKING" not in ast.unparse(node.test):
            yield from (n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
        elif isinstance(node, ast.Try):
            yield from (n for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))


def import_graph() -> dict[str, set[str]]:
    graph = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        graph[name] = set().union(*(imported(name, n) for n in top_level_imports(tree))) - {name}
    return graph


def test_no_import_cycle_among_the_modules_of_eventsite():
    graph = import_graph()
    assert len(graph) > 50 and graph["eventsite.api.views"], "the graph should see the project's imports"
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        raise AssertionError(f"import cycle: {' -> '.join(exc.args[1])}") from None


def test_imports_inside_functions_say_why():
    hidden = []
    for path in MODULES.values():
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for inner in ast.walk(node):
                    if isinstance(inner, (ast.Import, ast.ImportFrom)) and "# lazy:" not in lines[inner.lineno - 1]:
                        hidden.append(f"{path.relative_to(PACKAGE.parent)}:{inner.lineno}: {ast.unparse(inner)}")
    assert not hidden, "imports inside functions (move them up, or say why with '# lazy: …'):\n" + "\n".join(
        sorted(set(hidden))
    )
