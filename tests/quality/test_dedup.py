"""Near-duplicate detection with datasketch MinHash LSH."""

from __future__ import annotations

import random

import numpy as np
from datasketch import MinHash

from ftbuilder.core.types import Conversation, Message
from ftbuilder.quality.dedup import (
    NearDuplicateIndex,
    conversation_text,
    find_near_duplicates,
    shingle_hashes,
)

WORDS = [f"word{i}" for i in range(3000)]


def text(seed: int, n: int = 200) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(WORDS) for _ in range(n))


def conv(q: str, a: str = "the answer") -> Conversation:
    return Conversation([Message("user", q), Message("assistant", a)])


def test_batched_signatures_equal_datasketch_update_batch() -> None:
    index = NearDuplicateIndex(num_perm=64)
    texts = [text(1), text(2, 5), "two words", "x"]
    for t, sig in zip(texts, index.signatures(texts), strict=True):
        m = MinHash(num_perm=64, seed=1, hashfunc=lambda h: h & 0xFFFFFFFF)
        m.update_batch(shingle_hashes(t))
        assert np.array_equal(sig.hashvalues, m.hashvalues)


def test_one_word_changed_is_a_near_duplicate_and_unrelated_text_is_not() -> None:
    base = text(1).split()
    edited = list(base)
    edited[100] = "CHANGED"
    convs = [conv(" ".join(base)), conv(text(2)), conv(" ".join(edited)), conv(text(3))]
    assert find_near_duplicates(convs) == [None, None, 0, None]


def test_lower_threshold_catches_looser_copies() -> None:
    base = text(5).split()
    loose = base[:170] + text(6, 30).split()  # ~80% of the shingles shared
    strict = find_near_duplicates([conv(" ".join(base)), conv(" ".join(loose))], 0.95)
    lenient = find_near_duplicates([conv(" ".join(base)), conv(" ".join(loose))], 0.5)
    assert strict == [None, None]
    assert lenient == [None, 0]


def test_keys_and_dropped_duplicates_are_not_indexed() -> None:
    index = NearDuplicateIndex()
    index.add_texts([10, 11], [text(1), text(2)])
    found = index.check([-1, -2, -3], [text(1), text(1), text(9)], index_duplicates=False)
    assert found == [10, 10, None]
    assert index.size == 3  # 10, 11 and the new text(9); the two copies were not added


def test_conversation_text_joins_every_message_lower_cased() -> None:
    assert conversation_text(conv("Hello THERE", "Fine")) == "hello there fine"


def test_shingle_hashes_are_the_same_in_every_process() -> None:
    # Python's hash() is salted per process; near-duplicate results must not depend on it.
    import os
    import subprocess
    import sys

    code = ("from ftbuilder.quality.dedup import shingle_hashes; "
            "print(shingle_hashes('the quick brown fox jumps over the lazy dog'))")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
            for seed in ("1", "2", "3")}
    assert len(outs) == 1
    assert outs.pop().strip() == str(shingle_hashes("the quick brown fox jumps over the lazy dog"))


def test_batched_shingles_equal_shingle_hashes_across_chunks() -> None:
    # Texts of 0, 1, 2, 3 and many words, enough of them to fill several numpy chunks.
    rng = random.Random(4)
    texts = ["", "x", "two words", "exactly three words"] + [
        text(s, rng.randint(0, 60)) for s in range(1500)]
    index = NearDuplicateIndex(num_perm=32)
    for t, sig in zip(texts, index.signatures(texts), strict=True):
        m = MinHash(num_perm=32, seed=1, hashfunc=lambda h: h & 0xFFFFFFFF)
        m.update_batch(shingle_hashes(t))
        assert np.array_equal(sig.hashvalues, m.hashvalues), t
