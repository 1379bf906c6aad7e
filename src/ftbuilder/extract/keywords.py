"""Topic keywords per sample: deterministic TF-IDF over the run's texts. No LLM, no model.

A sample's score for a term is ``(1 + log tf) * idf`` where ``tf`` counts the term in the
sample (user text weighs double: the question names the topic) and
``idf = log((1 + N) / (1 + df)) + 1`` over the corpus units (the samples plus the source
documents). Terms are lowercased words of 3+ letters that are not stopwords or numbers. Ties
go to the term that appears first, so the result is stable for the same input.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ftbuilder.core.types import Conversation

DEFAULT_K = 5
_TOKEN_RE = re.compile(r"[^\W\d_](?:[\w'’-]*[^\W_])?")

_STOPWORD_TEXT = """
a about above after again against all almost also although always am among an and another any
anybody anyone anything anyway anywhere are aren't around as at away back be became because
become becomes been before being below besides between beyond both but by can can't cannot
could couldn't did didn't do does doesn't doing don't done down during each either else
enough etc even ever every everyone everything except few first for from further get gets
getting give given go goes going got had hadn't has hasn't have haven't having he he'd he'll
he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if
in instead into is isn't it it's its itself just keep last least less let let's like made
make makes many may maybe me might mine more most much must mustn't my myself need needs
neither never new next no nobody none nor not nothing now of off often on once one only onto
or other others otherwise our ours ourselves out over own per perhaps please quite rather
really said same say says see seem seems several shall shan't she she'd she'll she's should
shouldn't since so some somebody someone something sometimes somewhere still such sure take
than that that's the their theirs them themselves then there there's these they they'd
they'll they're they've thing things this those though through thus to too toward towards
two under until up upon us use used uses using very via want wants was wasn't way we we'd
we'll we're we've well were weren't what what's whatever when when's where where's whether
which while who who's whom whose why why's will with within without won't would wouldn't
yes yet you you'd you'll you're you've your yours yourself yourselves
hello hi thanks thank ok okay question questions answer answers user assistant human agent
customer sorry help able know want tell right
el la los las un una unos unas de del y o que en por para con sin es son como pero mas más
se su sus al lo le les este esta estos estas ese esa hay muy ya sí no qué cómo cuál
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def tokens(text: str) -> list[str]:
    """Lowercased candidate terms of ``text`` in order (stopwords and short words removed)."""
    out = []
    for t in _TOKEN_RE.findall(text.lower()):
        t = t.replace("’", "'").strip("'-")
        if t.endswith("'s"):
            t = t[:-2]
        if len(t) >= 3 and t not in STOPWORDS:
            out.append(t)
    return out


def conversation_text(conv: Conversation) -> str:
    return "\n".join(str(m.content) for m in conv.messages if m.role != "system")


class KeywordIndex:
    """Document frequencies of a corpus; ``keywords(...)`` ranks terms of one text by TF-IDF."""

    def __init__(self, units: Iterable[str]) -> None:
        self.df: Counter[str] = Counter()
        self.n = 0
        for text in units:
            self.n += 1
            self.df.update(set(tokens(text)))

    def idf(self, term: str) -> float:
        return math.log((1 + self.n) / (1 + self.df.get(term, 0))) + 1.0

    def keywords(self, weighted: Sequence[tuple[str, float]], k: int = DEFAULT_K) -> list[str]:
        """Top ``k`` terms of (text, weight) parts, best first, ties by first appearance."""
        tf: dict[str, float] = {}
        first: dict[str, int] = {}
        pos = 0
        for text, weight in weighted:
            for t in tokens(text):
                tf[t] = tf.get(t, 0.0) + weight
                first.setdefault(t, pos)
                pos += 1
        scored = sorted(tf, key=lambda t: (-(1 + math.log(tf[t])) * self.idf(t), first[t]))
        return scored[:k]

    def for_conversation(self, conv: Conversation, k: int = DEFAULT_K) -> list[str]:
        parts = [(str(m.content), 2.0 if m.role == "user" else 1.0)
                 for m in conv.messages if m.role != "system"]
        return self.keywords(parts, k)


def attach_keywords(convs: Sequence[Conversation], documents: Iterable[str] = (),
                    k: int = DEFAULT_K) -> None:
    """Set ``topic_keywords`` on each conversation (up to ``k``; fewer only when the text has
    fewer than that many distinct terms). ``documents`` are extra corpus units (source texts)."""
    index = KeywordIndex([*(conversation_text(c) for c in convs), *documents])
    for c in convs:
        c.topic_keywords = index.for_conversation(c, k)
