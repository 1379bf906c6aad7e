"""Markdown: fenced code blocks are closed, and those that declare a data language parse.

The answer is tokenised with ``markdown-it-py`` (CommonMark, already a dependency of the
terminal UI library). A fence left open runs to the end of the answer, which CommonMark
accepts silently; it is flagged here because the closing line is missing from the text.
``json`` blocks must load with :func:`json.loads`, ``yaml``/``yml`` blocks with
``yaml.safe_load`` and ``python``/``py`` blocks must compile with :func:`ast.parse`
(a snippet with ``...`` placeholders still parses). Other languages are not parsed.
"""

from __future__ import annotations

import ast
import json
import re

import yaml

from ftbuilder.quality.filters.base import FilterOptions, SampleView

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})", re.M)


def _md():  # type: ignore[no-untyped-def]
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark")


def fences(text: str) -> list[tuple[str, str, bool]]:
    """(language, code, closed) of each fenced block of ``text``."""
    out = []
    lines = text.splitlines()
    for tok in _md().parse(text):
        if tok.type != "fence" or tok.map is None:
            continue
        start, end = tok.map
        last = lines[end - 1] if 0 < end <= len(lines) else ""
        closed = end - start >= 2 and bool(_FENCE.match(last)) and \
            last.strip().startswith(tok.markup[0] * len(tok.markup))
        out.append((tok.info.strip().split(" ")[0].lower(), tok.content, closed))
    return out


def _parse_error(lang: str, code: str) -> str | None:
    try:
        if lang == "json":
            json.loads(code)
        elif lang in ("yaml", "yml"):
            yaml.safe_load(code)
        elif lang in ("python", "py"):
            ast.parse(code)
    except (ValueError, yaml.YAMLError, SyntaxError) as e:
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        return first[:80]
    return None


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    for answer in sample.answers:
        if "```" not in answer and "~~~" not in answer:
            continue
        for lang, code, closed in fences(answer):
            if not closed:
                return f"code block ({lang or 'no language'}) is never closed"
            err = _parse_error(lang, code)
            if err:
                return f"{lang} block does not parse: {err}"
    return None
