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


def extract_json(text: str) -> Any | None:
    """The first JSON object or array in ``text`` (fenced or bare), or None if there is none."""
    if not text:
        return None
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for chunk in candidates:
        stripped = chunk.strip()
        try:
            whole = json.loads(stripped)
        except ValueError:
            whole = None
        if isinstance(whole, dict | list):
            return whole
        for i, ch in enumerate(stripped):
            if ch not in "{[":
                continue
            try:
                value, _end = _DECODER.raw_decode(stripped, i)
            except ValueError:
                continue
            if isinstance(value, dict | list):
                return value
    return None


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
    return json.dumps(value, ensure_ascii=False)
