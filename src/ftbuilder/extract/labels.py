"""Speaker and question/answer labels: ``Q:``, ``**Answer**``, ``User:``, ``Customer:``...

Two styles:

* ``pair``: question/answer labels (Q/A, Question/Answer, numbered ``Q1:``). Each question
  with the answer right after it is one conversation.
* ``speaker``: chat transcripts (User/Assistant, Human/AI, Customer/Agent, System). Turns
  that follow each other form one multi-turn conversation.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

PAIR = "pair"
SPEAKER = "speaker"

# label (normalised) -> (role, style)
LABELS: dict[str, tuple[str, str]] = {
    "q": ("user", PAIR), "question": ("user", PAIR), "pregunta": ("user", PAIR),
    "a": ("assistant", PAIR), "answer": ("assistant", PAIR), "respuesta": ("assistant", PAIR),
    "user": ("user", SPEAKER), "human": ("user", SPEAKER), "customer": ("user", SPEAKER),
    "client": ("user", SPEAKER),
    "assistant": ("assistant", SPEAKER), "ai": ("assistant", SPEAKER),
    "agent": ("assistant", SPEAKER), "bot": ("assistant", SPEAKER),
    "chatbot": ("assistant", SPEAKER), "support": ("assistant", SPEAKER),
    "support agent": ("assistant", SPEAKER), "customer service": ("assistant", SPEAKER),
    "system": ("system", SPEAKER),
}
# Single letters are labels only in capitals ("A: yes", not "a: ...").
_CAPS_ONLY = {"q", "a"}

_PLAIN_RE = re.compile(r"^([A-Za-z][A-Za-z ]{0,24}?)\s*(\d{1,4})?\s*[:：]\s*(.*)$")
_LETTER_RE = re.compile(r"^([QA])\d{0,4}[.)]\s+(\S.*)$")  # "Q. ...", "A1) ..."
_BOLD_RE = re.compile(r"^(\*\*|__)(.+?)\1\s*(.*)$")
_NUM_SUFFIX_RE = re.compile(r"^(.*?)\s*\d{1,4}$")


@dataclass(slots=True)
class Label:
    """A label found at the start of a line: its role, style and the text after it."""

    role: str
    style: str
    rest: str


@functools.lru_cache(maxsize=4096)
def normalise_name(name: str) -> str:
    """Lowercase, accents removed, ``_``/``-`` as spaces, other punctuation dropped."""
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"[_\-/]+", " ", s)
    s = re.sub(r"[^\w ]+", "", s)
    return " ".join(s.split())


def _lookup(raw: str) -> tuple[str, str] | None:
    raw = raw.strip()
    m = _NUM_SUFFIX_RE.match(raw)
    if m and m.group(1):
        raw = m.group(1)  # "Q1", "Question 3"
    key = normalise_name(raw)
    if key in _CAPS_ONLY and not raw.isupper():
        return None
    return LABELS.get(key)


def parse_label(line: str) -> Label | None:
    """The label at the start of ``line``, or None.

    Plain labels need a colon (``Question: ...``), except Q/A letters (``Q. ...``,
    ``A1) ...``); bold ones may go without (``**Question**`` alone, ``**Q:** ...``).
    """
    s = line.strip()
    if not s:
        return None
    m = _BOLD_RE.match(s)
    if m:
        inner, after = m.group(2), m.group(3)
        if ":" in inner or "：" in inner:
            name, _, inside = inner.replace("：", ":").partition(":")
            rest = (inside.strip() + " " + after).strip() if inside.strip() else after
        else:
            name, rest = inner, after
            if rest[:1] in (":", "："):
                rest = rest[1:]
        found = _lookup(name)
        if found:
            return Label(found[0], found[1], rest.strip())
        return None
    m = _LETTER_RE.match(s)
    if m:
        return Label(*LABELS[m.group(1).lower()], m.group(2).strip())
    m = _PLAIN_RE.match(s)
    if not m:
        return None
    found = _lookup(m.group(1))
    if found is None or m.group(3).startswith("//"):  # "A://" is not a label
        return None
    return Label(found[0], found[1], m.group(3).strip())


def role_of(name: str) -> str | None:
    """The chat role a speaker or column name stands for (``Human`` -> user), or None."""
    key = normalise_name(name)
    if key in ROLE_NAMES:
        return ROLE_NAMES[key]
    found = LABELS.get(key)
    return found[0] if found else None


ROLE_NAMES = {"user": "user", "human": "user", "assistant": "assistant", "gpt": "assistant",
              "model": "assistant", "system": "system", "ai": "assistant", "bot": "assistant"}
