"""Code-aware chunking and the pairs a repository gives without an LLM.

Chunking: a file is cut into pieces of at most ``budget`` tokens along its structure. Python
is parsed with :mod:`ast`: each top-level function or class (with its decorators and the
comments above it) is one unit, a class over the budget is cut into its methods, and units
are packed whole into pieces, so a function is never split while it fits. Other languages are
cut at blank lines before a line that starts at column 0 (where top-level definitions begin
in C-like, JavaScript, Go, Rust, Java, Ruby... files). A unit larger than the budget is cut
at line bounds. Every piece knows its 1-based line range.

Pairs without an LLM:

* a Python function, class or module with a docstring -> "explain this code" (the code
  without its docstring) answered by the docstring;
* a code file with a Markdown file of the same stem beside it (``parser.py`` +
  ``parser.md``) -> "write the documentation for this code" answered by that Markdown.
"""

from __future__ import annotations

import ast
import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

from ftbuilder.core.types import Conversation, Message
from ftbuilder.ingest.chunking import count_tokens

LANGS = {".py": "python", ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript",
         ".jsx": "jsx", ".ts": "typescript", ".tsx": "tsx", ".go": "go", ".rs": "rust",
         ".java": "java", ".kt": "kotlin", ".c": "c", ".h": "c", ".cc": "cpp", ".cpp": "cpp",
         ".hpp": "cpp", ".cs": "csharp", ".rb": "ruby", ".php": "php", ".swift": "swift",
         ".scala": "scala", ".sh": "bash", ".sql": "sql", ".md": "markdown", ".yaml": "yaml",
         ".yml": "yaml", ".toml": "toml", ".json": "json", ".html": "html", ".css": "css"}
DOC_EXT = (".md", ".markdown", ".rst")
MIN_DOC_WORDS = 3


def language(path: str) -> str:
    return LANGS.get(PurePosixPath(path).suffix.lower(), "")


@dataclass(slots=True)
class Piece:
    """Lines ``start``..``end`` (1-based, inclusive) of a file, with their token count."""

    start: int
    end: int
    text: str
    tokens: int

    @property
    def location(self) -> str:
        return f"lines {self.start}-{self.end}"


# --- chunking ---------------------------------------------------------------------------------
def _line_units(lines: list[str], start: int, end: int, budget: int,
                count: Callable[[str], int]) -> list[Piece]:
    """Lines start..end cut at line bounds into pieces of at most ``budget`` tokens."""
    out: list[Piece] = []
    cur: list[str] = []
    cur_start, cur_tokens = start, 0
    for n in range(start, end + 1):
        line = lines[n - 1]
        t = count(line)
        if cur and cur_tokens + t > budget:
            out.append(Piece(cur_start, n - 1, "".join(cur), cur_tokens))
            cur, cur_start, cur_tokens = [], n, 0
        cur.append(line)
        cur_tokens += t
    if cur:
        out.append(Piece(cur_start, end, "".join(cur), cur_tokens))
    return out


def _unit(lines: list[str], start: int, end: int, count: Callable[[str], int]) -> Piece:
    text = "".join(lines[start - 1:end])
    return Piece(start, end, text, count(text))


def _node_start(node: ast.AST) -> int:
    decos = getattr(node, "decorator_list", None) or []
    return min([node.lineno, *(d.lineno for d in decos)])  # type: ignore[attr-defined]


def _python_units(lines: list[str], body: list[ast.stmt], first: int, last: int, budget: int,
                  count: Callable[[str], int]) -> list[Piece]:
    """Units of a module or class body spanning lines first..last: each statement with the
    lines before it; a class over the budget is opened into its own body."""
    out: list[Piece] = []
    prev = first - 1
    for i, node in enumerate(body):
        start = prev + 1
        end = (node.end_lineno or node.lineno) if i < len(body) - 1 else last
        end = max(end, _node_start(node))
        if end < start:
            continue
        unit = _unit(lines, start, end, count)
        if unit.tokens <= budget:
            out.append(unit)
        elif isinstance(node, ast.ClassDef) and node.body:
            head_end = _node_start(node.body[0]) - 1
            if head_end >= start:
                out.extend(_line_units(lines, start, head_end, budget, count)
                           if _unit(lines, start, head_end, count).tokens > budget
                           else [_unit(lines, start, head_end, count)])
            out.extend(_python_units(lines, node.body, head_end + 1, end, budget, count))
        else:
            out.extend(_line_units(lines, start, end, budget, count))
        prev = end
    if prev < last:
        out.extend(_line_units(lines, prev + 1, last, budget, count))
    return out


def _generic_units(lines: list[str], budget: int, count: Callable[[str], int]) -> list[Piece]:
    """Units split at a blank line followed by a line starting at column 0 (not a closer)."""
    bounds = [1]
    for n in range(2, len(lines) + 1):
        line = lines[n - 1]
        if (not lines[n - 2].strip() and line[:1] and not line[:1].isspace()
                and line[:1] not in "})]"):
            bounds.append(n)
    bounds.append(len(lines) + 1)
    out: list[Piece] = []
    for a, b in itertools.pairwise(bounds):
        unit = _unit(lines, a, b - 1, count)
        out.extend([unit] if unit.tokens <= budget else _line_units(lines, a, b - 1, budget,
                                                                     count))
    return out


def _pack(units: list[Piece], lines: list[str], budget: int) -> list[Piece]:
    """Consecutive units joined into pieces of at most ``budget`` tokens (units stay whole)."""
    out: list[Piece] = []
    for u in units:
        if out and out[-1].tokens + u.tokens <= budget:
            last = out[-1]
            out[-1] = Piece(last.start, u.end, "".join(lines[last.start - 1:u.end]),
                            last.tokens + u.tokens)
        else:
            out.append(u)
    return [p for p in out if p.text.strip()]


def chunk_code(path: str, text: str, budget: int,
               count: Callable[[str], int] = count_tokens) -> list[Piece]:
    """``text`` (the file ``path``) cut into pieces of at most ``budget`` tokens along its
    structure (see the module doc). A file that fits is one piece."""
    lines = text.splitlines(keepends=True)
    if not lines:
        return []
    whole = count(text)
    if whole <= budget:
        return [Piece(1, len(lines), text, whole)] if text.strip() else []
    units: list[Piece] | None = None
    if language(path) == "python":
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            tree = None
        if tree is not None and tree.body:
            units = _python_units(lines, tree.body, 1, len(lines), budget, count)
    if units is None:
        units = _generic_units(lines, budget, count)
    return _pack(units, lines, budget)


# --- pairs without an LLM --------------------------------------------------------------------
@dataclass(slots=True)
class DocPair:
    """An "explain this code" pair: ``code`` (lines start..end, docstring removed) and the
    docstring that explains it. ``kind``: module, class, function or markdown."""

    kind: str
    name: str
    start: int
    end: int
    code: str
    doc: str
    doc_path: str = ""  # markdown pairs: the documentation file

    @property
    def location(self) -> str:
        return f"lines {self.start}-{self.end}"


def _without(lines: list[str], start: int, end: int, cut: tuple[int, int]) -> str:
    kept = [ln for n, ln in enumerate(lines[start - 1:end], start)
            if not cut[0] <= n <= cut[1]]
    return "".join(kept)


def _docstring_node(node: ast.AST) -> ast.Expr | None:
    body = getattr(node, "body", None)
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        return body[0]
    return None


def _useful(doc: str) -> bool:
    return len(doc.split()) >= MIN_DOC_WORDS


def docstring_pairs(path: str, text: str, budget: int,
                    count: Callable[[str], int] = count_tokens) -> list[DocPair]:
    """Pairs from the docstrings of a Python file: the module, each class and each function or
    method (nested functions aside) whose code fits ``budget`` tokens."""
    if language(path) != "python":
        return []
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return []
    lines = text.splitlines(keepends=True)
    out: list[DocPair] = []

    def add(kind: str, name: str, node: ast.AST, start: int, end: int) -> None:
        ds = _docstring_node(node)
        if ds is None:
            return
        doc = inspect.cleandoc(ds.value.value)  # type: ignore[attr-defined]
        body = getattr(node, "body", [])
        if not _useful(doc) or (kind != "module" and (len(body) < 2 or ds.lineno == getattr(
                node, "lineno", 0))):
            return  # a body that is only its docstring has nothing to explain
        code = _without(lines, start, end, (ds.lineno, ds.end_lineno or ds.lineno))
        if not code.strip() or count(code) > budget:
            return
        out.append(DocPair(kind, name, start, end, code.rstrip() + "\n", doc))

    add("module", PurePosixPath(path).stem, tree, 1, len(lines))

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                kind = "class" if isinstance(node, ast.ClassDef) else "function"
                add(kind, prefix + node.name, node, _node_start(node),
                    node.end_lineno or node.lineno)
                if isinstance(node, ast.ClassDef):
                    visit(node.body, f"{prefix}{node.name}.")

    visit(tree.body, "")
    return out


def markdown_pair(path: str, text: str, doc_path: str, doc_text: str, budget: int,
                  count: Callable[[str], int] = count_tokens) -> DocPair | None:
    """The code of ``path`` documented by the Markdown file ``doc_path`` (same stem, same
    folder), when both hold text and the code fits ``budget`` tokens."""
    if not text.strip() or len(doc_text.split()) < MIN_DOC_WORDS or count(text) > budget:
        return None
    n = len(text.splitlines())
    return DocPair("markdown", PurePosixPath(path).name, 1, max(1, n), text, doc_text.strip(),
                   doc_path)


def documented_by(paths: list[str]) -> dict[str, str]:
    """code path -> the Markdown path of the same stem in the same folder."""
    docs = {}
    for p in paths:
        pp = PurePosixPath(p)
        if pp.suffix.lower() in DOC_EXT:
            docs[(str(pp.parent), pp.stem)] = p
    out = {}
    for p in paths:
        pp = PurePosixPath(p)
        if pp.suffix.lower() in DOC_EXT or not language(p):
            continue
        doc = docs.get((str(pp.parent), pp.stem))
        if doc:
            out[p] = doc
    return out


def origin_meta(repo: str, commit: str, path: str, start: int, end: int) -> dict[str, object]:
    """What every sample of a repository file cites: repository, commit, path, line range."""
    return {"repo": repo, "commit": commit, "path": path, "lines": [start, end],
            "ref": f"{path}:{start}-{end}"}


def pair_conversation(pair: DocPair, repo: str, commit: str, path: str,
                      system_prompt: str = "") -> Conversation:
    """A :class:`DocPair` as a sample citing ``repo``, ``commit`` and ``path:start-end``."""
    lang = language(path)
    ref = f"{repo}/{path}:{pair.start}-{pair.end}"
    if pair.kind == "markdown":
        ask = f"Write the documentation for this code ({ref})."
    elif pair.kind == "module":
        ask = f"Explain what this module does ({ref})."
    else:
        ask = f"Explain this {'class' if pair.kind == 'class' else 'function'} " \
              f"`{pair.name}` ({ref})."
    user = f"{ask}\n\n```{lang}\n{pair.code.rstrip()}\n```"
    msgs = [Message("user", user), Message("assistant", pair.doc)]
    if system_prompt:
        msgs.insert(0, Message("system", system_prompt))
    meta: dict[str, object] = {"mode": "repos", "origin": pair.kind if pair.kind == "markdown"
                               else "docstring", "kind": pair.kind, "name": pair.name,
                               **origin_meta(repo, commit, path, pair.start, pair.end)}
    if pair.doc_path:
        meta["doc_path"] = pair.doc_path
    return Conversation(msgs, source_file=f"{repo}/{path}", location=pair.location,
                        topic_keywords=[w for w in (pair.name, PurePosixPath(path).stem) if w],
                        meta=meta)
