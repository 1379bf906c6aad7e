"""Planted test sets on real prose (tests/quality/data/SOURCES.md): grounding, near-duplicates
and PII, each with its positives (planted) and negatives (must be left alone)."""

from __future__ import annotations

import random
import re
import string
from pathlib import Path

from ftbuilder.core.types import Conversation, Message

DATA = Path(__file__).parent / "data" / "pep-0001-excerpt.rst"


def source() -> str:
    return DATA.read_text(encoding="utf-8")


def sections() -> list[tuple[str, str]]:
    """(heading, paragraph) of every prose paragraph of 25+ words, whitespace collapsed."""
    text = source()
    out: list[tuple[str, str]] = []
    heading = "PEPs"
    lines = text.splitlines()
    block: list[str] = []

    def flush() -> None:
        para = " ".join(" ".join(block).split())
        block.clear()
        if len(para.split()) >= 25 and not para.startswith(("*", "1.", "2.", "3.", "..")):
            out.append((heading, para))

    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if nxt and set(nxt.strip()) <= set("=-~") and len(nxt.strip()) >= 3 and line.strip():
            flush()
            heading = line.strip()
            continue
        if set(line.strip()) <= set("=-~") and line.strip():
            continue
        if not line.strip():
            flush()
        else:
            block.append(line.strip())
    flush()
    return out


def qa(question: str, answer: str, sid: int, meta: dict | None = None) -> Conversation:
    return Conversation([Message("user", question), Message("assistant", answer)], id=sid,
                        meta=dict(meta or {}))


# --- grounding --------------------------------------------------------------------------------
INVENTED = [  # (kind, sentence with one unsupported fact)
    ("price", "Submitting a PEP costs $2,000 in review fees."),
    ("e-mail", "Send your draft to review-desk@pep-office.example."),
    ("URL", "The drafts are listed at https://drafts.pep-archive.example/queue."),
    ("date", "The next review round closes on 14 March."),
    ("number", "Around 1,250 PEPs are rejected every year."),
    ("name", "The process was designed by Margaret Hamilton."),
    ("quote", 'Editors say "no champion means no proposal" in their guide.'),
    ("number", "A PEP needs 37 sponsors before review."),
    ("name", "Reviews are chaired by Ada Lovelace."),
    ("price", "Sponsors are paid 450 dollars per PEP."),
]
GROUNDED_EXTRAS = [  # true to the source, in other words
    "Yes. There are three kinds of PEP.",
    "In short, the Steering Council has the final say.",
    "You can reach the editors by mentioning @python/pep-editors on GitHub.",
    "See PEP 12 for a template.",
    "The history can be browsed at https://github.com/python/peps on GitHub.",
    "Most bug fixes don't need a PEP at all.",
]


def grounding_set() -> list[tuple[Conversation, bool]]:
    """(sample, planted ungrounded?) pairs: every paragraph answered faithfully, then the
    same answer with one invented fact appended."""
    src = source()
    meta = {"origin": "generated", "source_text": src}
    out: list[tuple[Conversation, bool]] = []
    sid = 1
    for i, (heading, para) in enumerate(sections()):
        q = f"What does PEP 1 say about {heading.lower()}?"
        first = " ".join(re.split(r"(?<=[.!?])\s+", para)[:2])
        extra = GROUNDED_EXTRAS[i % len(GROUNDED_EXTRAS)]
        out.append((qa(q, f"{first} {extra}", sid, meta), False))
        sid += 1
        _, invented = INVENTED[i % len(INVENTED)]
        out.append((qa(q, f"{first} {invented}", sid, meta), True))
        sid += 1
    return out


# --- near-duplicates --------------------------------------------------------------------------
def _swap_word(text: str, rng: random.Random) -> str:
    words = text.split()
    i = rng.randrange(len(words) // 3, 2 * len(words) // 3)
    words[i] = rng.choice(["really", "indeed", "simply", "usually"])
    return " ".join(words)


def _noise(text: str) -> str:
    return "  ".join(text.replace(",", "").replace(".", " .").upper().split(" "))


TEMPLATE = ("How long does the {step} step of a {kind} PEP take? The {step} step of a {kind} "
            "PEP usually takes {n} weeks and is handled by the {who}.")


def dedup_set(seed: int = 5) -> tuple[list[Conversation], dict[int, int]]:
    """Samples and the group of each (a base and its planted near-copies share a group;
    every other sample is alone in its group): a perfect dedup keeps one per group.

    Each base sample (a paragraph) gets two near-copies: one with case, punctuation and
    spacing changed, one with a word replaced. Hard negatives: templated questions with
    different facts (step, kind, weeks, who), which must all be kept.
    """
    rng = random.Random(seed)
    convs: list[Conversation] = []
    groups: dict[int, int] = {}
    sid = 1
    for heading, para in sections():
        q = f"What does PEP 1 say about {heading.lower()}?"
        convs.append(qa(q, para, sid))
        base = groups[sid] = sid
        sid += 1
        for variant in (_noise(para), _swap_word(para, rng)):
            convs.append(qa(q if variant != _noise(para) else q.upper(), variant, sid))
            groups[sid] = base
            sid += 1
    for step in ("review", "sponsor", "discussion", "approval"):
        for kind, n, who in (("Standards Track", 3, "Steering Council"),
                             ("Informational", 5, "PEP editors"),
                             ("Process", 8, "core developers")):
            convs.append(qa(*TEMPLATE.format(step=step, kind=kind, n=n, who=who).split("? "),
                            sid))
            groups[sid] = sid
            sid += 1
    rng.shuffle(convs)
    return convs, groups


def dedup_scores(groups: dict[int, int], dropped: set[int]) -> tuple[float, float]:
    """(precision, recall) of ``dropped``: a removal is right when its group keeps one
    sample; recall counts the removals a perfect dedup makes (group size - 1 each)."""
    members: dict[int, list[int]] = {}
    for sid, g in groups.items():
        members.setdefault(g, []).append(sid)
    right = 0
    for ids in members.values():
        gone = [i for i in ids if i in dropped]
        right += min(len(gone), len(ids) - 1)
    should = sum(len(ids) - 1 for ids in members.values())
    return (right / len(dropped) if dropped else 1.0), right / should


# --- PII --------------------------------------------------------------------------------------
def _iban(country: str, bban: str) -> str:
    digits = "".join(str(int(ch, 36)) for ch in bban + country + "00")
    check = 98 - int(digits) % 97
    raw = f"{country}{check:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def _luhn(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, d in enumerate(reversed(body)):
        d = int(d)
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return body + str((10 - total % 10) % 10)


def _rand(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def pii_values(seed: int = 3) -> list[tuple[str, str]]:
    """(kind, value) of the planted PII and secrets."""
    rng = random.Random(seed)
    cards = [_luhn(p, n, rng) for p, n in (("4", 16), ("51", 16), ("37", 15), ("6011", 16))]
    key_block = ("-----BEGIN RSA PRIVATE KEY-----\n" + "\n".join(_rand(rng, 64) for _ in range(4))
                 + "\n-----END RSA PRIVATE KEY-----")
    return [
        ("EMAIL", "barry.w@pep-mail.example"), ("EMAIL", "j.hylton+peps@example.org"),
        ("EMAIL", "council@python-steering.example.com"),
        ("PHONE", "+1 415-555-0132"), ("PHONE", "(212) 555-0100"),
        ("PHONE", "+44 20 7946 0958"), ("PHONE", "+49 30 901820"),
        ("IBAN", _iban("DE", "370400440532013000")), ("IBAN", _iban("GB", "NWBK60161331926819")),
        ("IBAN", _iban("FR", "20041010050500013M02606")),
        ("CARD", cards[0]), ("CARD", " ".join(cards[1][i:i + 4] for i in range(0, 16, 4))),
        ("CARD", cards[2]), ("CARD", "-".join(cards[3][i:i + 4] for i in range(0, 16, 4))),
        ("API_KEY", "sk-proj-" + _rand(rng, 48)), ("API_KEY", "sk-ant-api03-" + _rand(rng, 80)),
        ("API_KEY", "AKIA" + _rand(rng, 16, string.ascii_uppercase + string.digits)),
        ("API_KEY", "ghp_" + _rand(rng, 36)),
        ("API_KEY", f"xoxb-{rng.randrange(10**11)}-{rng.randrange(10**11)}-"
                    f"{_rand(rng, 24).lower()}"),
        ("API_KEY", "AIza" + _rand(rng, 35)),
        ("PRIVATE_KEY", key_block),
    ]


LOOKALIKES = [  # ordinary code and prose that only looks similar: must not change
    "Python 3.12.1 and 3.13.0rc2 are supported; pin requests==2.31.0.",
    "The commit 3f786850e387550fdab836ed7e6dc881de23001b fixed it (short: 3f78685).",
    "Its id is 123e4567-e89b-12d3-a456-426614174000 in the registry.",
    "Released on 2024-06-01 at 10:30, build 20240601.1042.",
    "Listen on 127.0.0.1:8080 or 10.0.0.12; the PID was 48213.",
    "See PEP 8, PEP 257 and issue #104512; 1,234,567 downloads last month.",
    "The sha256 is e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855.",
    "Use `git clone git@github.com:python/peps.git` to get the repository.",
    "The ISBN 978-0-596-51774-8 book covers it on page 1234.",
    "Decorators like @functools.cache and @dataclass(slots=True) are used.",
]


def pii_set() -> tuple[list[str], list[tuple[str, str]]]:
    """Texts: every planted value inside a real sentence of the source, plus lookalikes."""
    paras = [p for _, p in sections()]
    texts = []
    values = pii_values()
    for i, (_, value) in enumerate(values):
        sentence = re.split(r"(?<=[.!?])\s+", paras[i % len(paras)])[0]
        texts.append(f"{sentence} Contact: {value} for details.")
    return texts, values
