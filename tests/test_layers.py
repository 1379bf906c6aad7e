"""Layering (docs/architecture.md): imports point down only, no import circles, nothing
outside tui/ imports textual.

Checked on the source with the ast module, so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ftbuilder"

# Every top-level package (and config) has a rank; a module may import its own package and
# packages of a lower rank only. docs/architecture.md draws the same picture.
RANKS = {
    "core": 0,
    "defaults": 0,  # data only: the prompts shipped with the package
    "targets": 1,
    "backends": 2,
    "config": 3,
    "tokens": 3,
    "ingest": 4,
    "formats": 4,
    "store": 4,
    "extract": 5,
    "quality": 5,
    "sources": 5,
    "agents": 6,
    "services": 7,
    "cli": 8,
    "tui": 8,
}
# The one import that crosses a face: `ftb tui` starts the app through its entry point.
ALLOWED = {("cli", "ftbuilder.tui.app")}
TOP_LEVEL_MODULES = {"__init__", "__main__"}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            # `from ftbuilder.pkg import module` imports that module
            out.update(f"{node.module}.{a.name}" for a in node.names)
    return out


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _graph() -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = {m for m in imported_modules(path) if m in modules and m != name}
        graph[name] = deps
    return graph


def test_every_package_has_a_rank():
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in SRC.glob("*.py")} - TOP_LEVEL_MODULES
    assert packages | modules <= set(RANKS), sorted((packages | modules) - set(RANKS))


def test_nothing_outside_tui_imports_textual():
    offenders = []
    for path in SRC.rglob("*.py"):
        if "tui" in path.relative_to(SRC).parts:
            continue
        if any(m == "textual" or m.startswith("textual.") for m in imported_modules(path)):
            offenders.append(str(path.relative_to(SRC)))
    assert offenders == []


def test_imports_point_down_only():
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC)
        layer = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if layer not in RANKS:
            continue
        for mod in imported_modules(path):
            parts = mod.split(".")
            if parts[0] != "ftbuilder" or len(parts) < 2 or parts[1] not in RANKS:
                continue
            target = parts[1]
            if target == layer or any(layer == a and (mod == m or mod.startswith(m + "."))
                                      for a, m in ALLOWED):
                continue
            if RANKS[target] >= RANKS[layer]:
                offenders.append(f"{rel} imports {mod}")
    assert sorted(set(offenders)) == []


def test_no_import_circles():
    graph = _graph()
    # Tarjan's strongly connected components; any component of two or more is a circle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    # A package's __init__ importing its own modules is how packages re-export; a module that
    # imports its package's __init__ back is still a circle and is reported.
    assert circles == []
