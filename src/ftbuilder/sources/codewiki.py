"""The ``codewikibench`` preset of ``ftb import``: CodeWikiBench rows -> one sample per
documented component.

A CodeWikiBench row is one repository (columns ``repo_name``, ``repo_url``, ``commit_id``,
and three JSON strings: ``docs_tree``, the outline of its documentation; ``structured_docs``,
the same tree with each page's ``content``, a mapping of section title -> text or list of
items; ``rubrics``, weighted requirements with ``sub_tasks``). See docs/sources.md.

Every page of ``structured_docs`` with content is a documented component and gives one
sample: the user asks for the documentation of that component, with its code context (the
repository, commit, place in the documentation, the code blocks the page shows and the
rubric requirements that name it); the assistant's answer is the page written as Markdown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation, Message

COLUMNS = ("repo_name", "commit_id", "structured_docs")
_TAG_RE = re.compile(r"<[^>]+>")
_FENCE_RE = re.compile(r"```[^\n]*\n.*?```", re.S)
MAX_REQUIREMENTS = 8


def _json(value: Any, column: str) -> Any:
    if isinstance(value, dict | list):
        return value
    try:
        return json.loads(value or "null")
    except (TypeError, json.JSONDecodeError):
        raise FormatError(f"column '{column}' is not valid JSON") from None


def _title(node: dict[str, Any]) -> str:
    return " ".join(_TAG_RE.sub("", str(node.get("title") or "")).split())


def _section(text: Any) -> str:
    if isinstance(text, list):
        return "\n".join(f"- {' '.join(str(x).split()) if not isinstance(x, str) else x}"
                         for x in text)
    return str(text or "").strip()


def _requirements(rubrics: Any) -> Iterator[str]:
    items = rubrics.get("rubrics", rubrics) if isinstance(rubrics, dict) else rubrics
    stack = list(items) if isinstance(items, list) else []
    while stack:
        item = stack.pop(0)
        if not isinstance(item, dict):
            continue
        subs = item.get("sub_tasks") or []
        if subs:
            stack[:0] = subs
        elif item.get("requirements"):
            yield str(item["requirements"])


def _names(title: str) -> list[str]:
    """Words of a title that name code (identifiers of 4+ characters)."""
    return [w for w in re.findall(r"[A-Za-z_]\w{3,}", title)
            if w.lower() not in {"documentation", "section", "docs", "index", "overview"}]


def components(row: dict[str, Any]) -> list[Conversation]:
    """The samples of one CodeWikiBench row.

    Raises:
        FormatError: a required column is missing or ``structured_docs`` is not JSON.
    """
    missing = [c for c in COLUMNS if c not in row]
    if missing:
        raise FormatError("not a CodeWikiBench row: no " + ", ".join(missing),
                          "the preset needs repo_name, commit_id and structured_docs")
    repo = str(row["repo_name"])
    commit = str(row.get("commit_id") or "")
    docs = _json(row["structured_docs"], "structured_docs")
    reqs = list(_requirements(_json(row.get("rubrics"), "rubrics"))) if row.get("rubrics") \
        else []
    if not isinstance(docs, dict):
        raise FormatError("structured_docs holds no documentation tree")
    out: list[Conversation] = []

    def visit(node: dict[str, Any], trail: list[str]) -> None:
        title = _title(node)
        here = [*trail, title] if title else trail
        content = node.get("content") or {}
        if isinstance(content, dict) and any(_section(v) for v in content.values()):
            out.append(_sample(repo, commit, node, here, content, reqs))
        for sub in node.get("subpages") or []:
            if isinstance(sub, dict):
                visit(sub, here)

    visit(docs, [])
    return out


def _sample(repo: str, commit: str, node: dict[str, Any], trail: list[str],
            content: dict[str, Any], reqs: list[str]) -> Conversation:
    title = trail[-1] if trail else repo
    doc_parts = [f"# {title}"]
    if node.get("description"):
        doc_parts.append(str(node["description"]).strip())
    code_blocks: list[str] = []
    for section, text in content.items():
        body = _section(text)
        if body:
            doc_parts.append(f"## {section}\n\n{body}")
            code_blocks += _FENCE_RE.findall(body)
    where = " > ".join(trail)
    context = [f"Repository: {repo}" + (f" at commit {commit}" if commit else ""),
               f"Place in the documentation: {where}"]
    names = [n.lower() for n in _names(title)]
    related = [r for r in reqs if any(n in r.lower() for n in names)][:MAX_REQUIREMENTS]
    if related:
        context.append("Requirements the documentation should cover:\n"
                       + "\n".join(f"- {r}" for r in related))
    if code_blocks:
        context.append("Code shown with it:\n" + "\n\n".join(code_blocks[:4]))
    user = (f"Write the documentation of `{title}` in the {repo} repository.\n\n"
            "Code context:\n" + "\n\n".join(context))
    meta = {"preset": "codewikibench", "repo": repo, "commit": commit,
            "docs_path": node.get("path") or where, "component": title,
            "rubric_requirements": len(related)}
    return Conversation([Message("user", user), Message("assistant", "\n\n".join(doc_parts))],
                        source_file=repo, location=where, meta=meta)
