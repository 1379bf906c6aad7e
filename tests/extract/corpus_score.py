"""Score identify mode against the real-document corpus in ``tests/extract/corpus/``.

Each document ``X`` has ``X.truth.json``: the question/answer pairs written in it (read by a
person, see SOURCES.md) and how many reader warnings it must raise (a malformed CSV row).

Matching rule. A found conversation gives one pair per user message followed by an assistant
message. A found pair matches a truth pair when

* the questions match: their normalised forms (lowercase, letters and digits only, single
  spaces) are equal, or one contains the other and the shorter is at least 60% of the
  longer (a detector may keep or drop a lead-in such as "How do I..." or a list number);
* the answers overlap strongly: the F1 of their word multisets (normalised words) is at
  least 0.75 (markup such as link targets or list marks may differ, content may not).

Each truth pair is matched at most once (first found pair that matches, in order).
Precision = matched found pairs / found pairs; recall = matched truth pairs / truth pairs.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ftbuilder.core.types import Conversation
from ftbuilder.extract.identify import identify_document
from ftbuilder.ingest import read_document

CORPUS = Path(__file__).parent / "corpus"
ANSWER_F1 = 0.75
QUESTION_SHARE = 0.6
_WORD_RE = re.compile(r"[^\W_]+")


def norm_words(text: str) -> list[str]:
    return _WORD_RE.findall(text.lower())


def norm_question(text: str) -> str:
    return " ".join(norm_words(text))


def questions_match(a: str, b: str) -> bool:
    x, y = norm_question(a), norm_question(b)
    if not x or not y:
        return False
    if x == y:
        return True
    short, long_ = sorted((x, y), key=len)
    return short in long_ and len(short) >= QUESTION_SHARE * len(long_)


def answer_f1(a: str, b: str) -> float:
    x, y = Counter(norm_words(a)), Counter(norm_words(b))
    common = sum((x & y).values())
    if not common:
        return 0.0
    p, r = common / sum(y.values()), common / sum(x.values())
    return 2 * p * r / (p + r)


def pairs_of(conv: Conversation) -> list[tuple[str, str]]:
    msgs = [m for m in conv.messages if m.role != "system"]
    return [(str(a.content), str(b.content)) for a, b in itertools.pairwise(msgs)
            if a.role == "user" and b.role == "assistant"]


@dataclass
class DocScore:
    name: str
    kind: str
    truth: int
    found: int
    matched: int
    warnings: int
    want_warnings: int
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.matched / self.truth if self.truth else 1.0

    @property
    def precision(self) -> float:
        return self.matched / self.found if self.found else 1.0


def documents() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir()
                  if p.suffix != ".json" and (p.parent / f"{p.name}.truth.json").exists())


def score_document(path: Path) -> DocScore:
    truth = json.loads((path.parent / f"{path.name}.truth.json").read_text(encoding="utf-8"))
    doc = read_document(path)
    found = [p for c in identify_document(doc) for p in pairs_of(c)]
    want = [(t["question"], t["answer"]) for t in truth["pairs"]]
    used = [False] * len(want)
    matched, extra = 0, []
    for q, a in found:
        for k, (tq, ta) in enumerate(want):
            if not used[k] and questions_match(q, tq) and answer_f1(ta, a) >= ANSWER_F1:
                used[k] = True
                matched += 1
                break
        else:
            extra.append(q[:80])
    missed = [tq[:80] for k, (tq, _a) in enumerate(want) if not used[k]]
    return DocScore(path.name, truth.get("kind", "faq"), len(want), len(found), matched,
                    len(doc.warnings), truth.get("warnings", 0), missed, extra)


def score_corpus() -> list[DocScore]:
    return [score_document(p) for p in documents()]


def totals(scores: list[DocScore]) -> tuple[float, float]:
    found = sum(s.found for s in scores)
    truth = sum(s.truth for s in scores)
    matched = sum(s.matched for s in scores)
    return (matched / found if found else 1.0), (matched / truth if truth else 1.0)


def report(scores: list[DocScore]) -> str:
    lines = [f"{'document':34} {'kind':9} {'truth':>5} {'found':>5} {'match':>5} "
             f"{'prec':>5} {'recall':>6}"]
    for s in scores:
        lines.append(f"{s.name:34} {s.kind:9} {s.truth:5} {s.found:5} {s.matched:5} "
                     f"{s.precision:5.2f} {s.recall:6.2f}")
        lines += [f"    missed: {m}" for m in s.missed] + [f"    extra: {e}" for e in s.extra]
    p, r = totals(scores)
    lines.append(f"TOTAL precision {p:.3f} recall {r:.3f}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(report(score_corpus()))
