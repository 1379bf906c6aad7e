"""Mermaid: each ```mermaid block is a diagram Mermaid would accept, as far as a structural
check can tell.

No Mermaid parser exists for Python (Mermaid's grammar lives in its JavaScript package), so
this is a documented structural check, not a parse: the first line declares a known
diagram type; brackets and quotes balance on every line; ``subgraph``/``loop``/``alt``/
``opt``/``par``/``critical``/``rect`` blocks close with ``end``; flowchart lines are a node
or an edge between nodes (``A --> B``, ``A -- text --> B``, ``A -->|text| B``, chains);
sequence-diagram lines are participants, notes, messages (``A->>B: text``) or activations.
Other diagram types are checked for the declaration and balance only.
"""

from __future__ import annotations

import re

from ftbuilder.quality.filters.base import FilterOptions, SampleView, cut
from ftbuilder.quality.filters.markdown import fences

TYPES = ("graph", "flowchart", "sequenceDiagram", "classDiagram", "stateDiagram",
         "stateDiagram-v2", "erDiagram", "gantt", "pie", "journey", "gitGraph", "mindmap",
         "timeline", "quadrantChart", "requirementDiagram", "C4Context", "sankey-beta",
         "xychart-beta", "block-beta")
_DIRECTIONS = ("TB", "TD", "BT", "RL", "LR")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
_OPENERS = ("subgraph", "loop", "alt", "opt", "par", "critical", "break", "rect")
_NODE = r"[\w.:-]+(?:\s*(?:\[\[?[^\]]*\]?\]|\(\(?[^)]*\)?\)|\{\{?[^}]*\}?\}|>[^\]]*\]|" \
        r"\[\([^)]*\)\]|\[/[^\]]*\]|\(\[[^\]]*\]\)))?"
_EDGE = r"\s*(?:<?(?:-->|---|-\.->|-\.-|==>|===|--o|--x|o--o|x--x|<-->|~~~)" \
        r"(?:\|[^|]*\|)?|--\s[^-]+?\s-->|==\s[^=]+?\s==>|-\.\s[^.]+?\s\.->)\s*"
_FLOW_LINE = re.compile(rf"^{_NODE}(?:{_EDGE}{_NODE}(?:\s*&\s*{_NODE})*)*\s*;?$")
_FLOW_OTHER = re.compile(r"^(?:subgraph\b.*|end|direction\s+\w+|classDef\s.+|class\s.+|"
                         r"style\s.+|linkStyle\s.+|click\s.+|%%.*)$")
_SEQ_LINE = re.compile(
    r"^(?:(?:participant|actor)\s+.+|autonumber|activate\s+\S+|deactivate\s+\S+|"
    r"note\s+(?:left of|right of|over)\s+[^:]+:.*|(?:loop|alt|else|opt|par|and|critical|"
    r"break|rect|option)\b.*|end|title\s*:?.+|%%.*|"
    r"[^-<>:]+?\s*(?:-->>|->>|-->|->|--x|-x|--\)|-\))[+-]?\s*[^:]+:.*)$", re.I)


def _balanced(line: str) -> bool:
    stack: list[str] = []
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif quoted:
            continue
        elif ch in _PAIRS:
            stack.append(_PAIRS[ch])
        elif ch in _PAIRS.values() and (not stack or stack.pop() != ch):
            return False
    return not stack and not quoted


def problem(code: str) -> str | None:
    """Why ``code`` is not a Mermaid diagram, or None."""
    lines = [ln.strip() for ln in code.splitlines()
             if ln.strip() and not ln.strip().startswith("%%")]
    if not lines:
        return "empty diagram"
    head = lines[0].split()
    kind = head[0]
    if kind not in TYPES:
        return f'unknown diagram type "{cut(kind, 30)}"'
    if kind in ("graph", "flowchart") and len(head) > 1 and head[1] not in _DIRECTIONS:
        return f'unknown direction "{head[1]}"'
    depth = 0
    for ln in lines[1:]:
        if not _balanced(ln):
            return f'unbalanced brackets or quotes: "{cut(ln, 40)}"'
        word = ln.split()[0]
        if word in _OPENERS:
            depth += 1
        elif word == "end":
            depth -= 1
            if depth < 0:
                return '"end" without a block to close'
        if kind in ("graph", "flowchart") and not (_FLOW_LINE.match(ln)
                                                   or _FLOW_OTHER.match(ln)):
            return f'not a node or edge: "{cut(ln, 40)}"'
        if kind == "sequenceDiagram" and not _SEQ_LINE.match(ln):
            return f'not a sequence-diagram line: "{cut(ln, 40)}"'
    if depth > 0:
        return f"{depth} block(s) not closed with end"
    return None


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    for answer in sample.answers:
        if "mermaid" not in answer:
            continue
        for lang, code, _closed in fences(answer):
            if lang == "mermaid":
                why = problem(code)
                if why:
                    return f"mermaid: {why}"
    return None
