"""Text that must never reach the store: NUL characters.

A NUL (``\\x00``) in a document or an imported record (a ``\\u0000`` escape in JSON, a
UTF-16 file, text extracted from a PDF) breaks C-string consumers of the exports and of
metadata.csv, and means nothing in training text, so it is dropped where input is read.
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def strip_nul_text(text: str) -> str:
    """``text`` without NUL characters."""
    return text.replace(NUL, "") if NUL in text else text


def strip_nul(value: Any) -> Any:
    """``value`` (a str, or JSON-like dicts and lists, nested to any depth) without NULs in
    any string, keys included. Dicts and lists are changed in place; the result is returned.

    Iterative: a deeply nested value cannot overflow the stack.
    """
    if isinstance(value, str):
        return strip_nul_text(value)
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if any(isinstance(k, str) and NUL in k for k in node):
                items = list(node.items())
                node.clear()
                node.update((strip_nul_text(k) if isinstance(k, str) else k, v)
                            for k, v in items)
            for k, v in node.items():
                if isinstance(v, str):
                    if NUL in v:
                        node[k] = v.replace(NUL, "")
                elif isinstance(v, (dict, list)):
                    stack.append(v)
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, str):
                    if NUL in v:
                        node[i] = v.replace(NUL, "")
                elif isinstance(v, (dict, list)):
                    stack.append(v)
    return value
