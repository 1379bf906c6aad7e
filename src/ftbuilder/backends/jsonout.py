"""Tolerant reading of the JSON a model writes.

Small local models wrap JSON in prose or code fences, or stop half-way; this finds the first
JSON value that parses and checks it loosely against the schema that was asked for
(top-level type and required keys), so agents get either usable data or a clear "no".
"""

from __future__ import annotations

import json
import re
from typing import Any

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_DECODER = json.JSONDecoder()
_TYPES: dict[str, type | tuple[type, ...]] = {
    "object": dict, "array": list, "string": str, "integer": int,
    "number": (int, float), "boolean": bool,
}


MAX_STARTS = 256  # "{" / "[" positions tried per candidate text: a reply of 10 MB of "["
# would otherwise be decoded from each of its ten million brackets


def _decode(text: str) -> Any | None:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested deeper than Python reads
        return None


def extract_json(text: str) -> Any | None:
    """The first JSON object or array in ``text`` (fenced or bare), or None if there is none.

    Never raises: text that is not JSON, nested too deeply or huge gives None.
    """
    if not text:
        return None
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for chunk in candidates:
        stripped = chunk.strip()
        whole = _decode(stripped)
        if isinstance(whole, dict | list):
            return whole
        tries = 0
        i = _next_start(stripped, 0)
        while i != -1 and tries < MAX_STARTS:
            tries += 1
            try:
                value, _end = _DECODER.raw_decode(stripped, i)
            except (ValueError, RecursionError):
                value = None
            if isinstance(value, dict | list):
                return value
            i = _next_start(stripped, i + 1)
    return None


def _next_start(text: str, at: int) -> int:
    starts = [j for j in (text.find("{", at), text.find("[", at)) if j != -1]
    return min(starts) if starts else -1


def _is(value: Any, type_name: Any) -> bool:
    """Whether ``value`` has JSON type ``type_name`` (unknown or absent types pass)."""
    if not isinstance(type_name, str) or type_name not in _TYPES:
        return True
    if type_name in ("integer", "number") and isinstance(value, bool):
        return False
    return isinstance(value, _TYPES[type_name])


def matches_schema(value: Any, schema: dict[str, Any] | None) -> bool:
    """A loose check: the top-level type, required keys, and the types of present properties."""
    if not schema:
        return True
    if not _is(value, schema.get("type")):
        return False
    if isinstance(value, dict):
        if any(k not in value for k in schema.get("required", [])):
            return False
        for key, sub in (schema.get("properties") or {}).items():
            if key in value and isinstance(sub, dict) and not _is(value[key], sub.get("type")):
                return False
    return True


def parse_structured(text: str, schema: dict[str, Any] | None) -> str | None:
    """Canonical JSON text of the value found in ``text`` if it fits ``schema``, else None."""
    value = extract_json(text)
    if value is None or not matches_schema(value, schema):
        return None
    try:
        return json.dumps(value, ensure_ascii=False)
    except (ValueError, RecursionError):
        return None
