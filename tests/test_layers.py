"""Layering (docs/architecture.md): imports point down only; nothing outside tui/ imports textual.

Checked on the source with the ast module, so a lazy import inside a function counts too.
"""

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "ftbuilder"

# package -> packages it must never import
FORBIDDEN = {
    "core": {"config", "targets", "tokens", "providers", "ingest", "sources", "agents", "quality",
             "formats", "store", "services", "cli", "tui"},
    "tokens": {"ingest", "sources", "agents", "quality", "formats", "store", "services", "cli",
               "tui"},
    "ingest": {"sources", "agents", "quality", "formats", "store", "services", "cli", "tui"},
    "formats": {"sources", "agents", "quality", "store", "services", "cli", "tui"},
    "store": {"tokens", "providers", "ingest", "sources", "agents", "quality", "formats",
              "services", "cli", "tui"},
    "providers": {"ingest", "sources", "agents", "quality", "formats", "store", "services",
                  "cli", "tui"},
    "extract": {"sources", "agents", "quality", "store", "services", "cli", "tui"},
    "agents": {"services", "cli", "tui"},
    "quality": {"services", "cli", "tui"},
    "services": {"cli", "tui"},
    "targets": {"config", "tokens", "providers", "ingest", "sources", "agents", "quality",
                "formats", "store", "services", "cli", "tui"},
    "cli": {"tui"},  # `ftb tui` imports the app lazily through a documented entry point only
}


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return out


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
        rel = path.relative_to(SRC).parts
        layer = rel[0] if len(rel) > 1 else None
        if layer not in FORBIDDEN:
            continue
        for mod in imported_modules(path):
            parts = mod.split(".")
            if parts[0] != "ftbuilder" or len(parts) < 2:
                continue
            target = parts[1]
            if target in FORBIDDEN[layer] and not (layer == "cli" and mod == "ftbuilder.tui.app"):
                offenders.append(f"{'/'.join(rel)} imports {mod}")
    assert offenders == []
