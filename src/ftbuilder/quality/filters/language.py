"""Language: the answers are in the expected language.

Identification is ``langdetect`` (a port of Google's language-detection; its profiles ship
inside the package, nothing is downloaded), seeded so the answer is the same every run.
Expected: ``quality.languages`` when set, else the language of the source chunk kept with
the sample, else that of the user's first message. Code blocks, inline code and URLs are
removed first; texts under 60 letters are not judged (too short to identify reliably), nor
are answers identified with less than 0.9 probability.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ftbuilder.quality.filters.base import FilterOptions, SampleView

MIN_LETTERS = 60
_CODE = re.compile(r"```.*?(?:```|\Z)|`[^`\n]*`|https?://\S+", re.S)


def _clean(text: str) -> str:
    return _CODE.sub(" ", text)


@lru_cache(maxsize=4096)
def identify(text: str) -> tuple[str, float] | None:
    """(language code, probability) of ``text``, or None when it is too short to say."""
    text = _clean(text)
    if sum(ch.isalpha() for ch in text) < MIN_LETTERS:
        return None
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException

    DetectorFactory.seed = 0
    try:
        best = detect_langs(text)[0]
    except LangDetectException:
        return None
    return best.lang, best.prob


def check(sample: SampleView, opts: FilterOptions) -> str | None:
    expected = [lang.lower() for lang in opts.languages]
    if not expected:
        ref = identify(sample.source_text[:2000]) if sample.source_text else None
        if ref is None and sample.questions:
            ref = identify(sample.questions[0])
        if ref is None:
            return None
        expected = [ref[0]]
    for answer in sample.answers:
        got = identify(answer)
        if got is not None and got[1] >= 0.9 and got[0] not in expected:
            return f"answer in '{got[0]}', expected {'/'.join(expected)}"
    return None
