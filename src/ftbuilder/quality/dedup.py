"""Duplicate detection: exact (content hash) and near (datasketch MinHash LSH).

Exact: :meth:`Conversation.content_hash` (roles + whitespace-normalised contents); the store
refuses a second copy in one dataset. Near: each sample's text (all message contents,
lower-cased) becomes word 3-gram shingles, a MinHash of ``num_perm`` permutations, and goes
into a :class:`datasketch.MinHashLSH` at the Jaccard ``threshold`` (default 0.9). LSH is
approximate: a pair just above the threshold may be missed, one somewhat below it may be
reported; use the flag as a pointer for review, or drop with ``dedup="near"``.

Speed: the MinHashes of a batch are computed together with numpy (same values as
``MinHash.update_batch`` with a 32-bit input hash, checked by the tests) and wrapped in
``LeanMinHash``; only the LSH band keys are kept, about 2 KB per sample at 128
permutations, so memory grows with the samples indexed and nothing else. Shingle hashes are
deterministic (CRC-32 of each word, combined per shingle), so the same data gives the same
near-duplicates in every run; Python's ``hash`` is salted per process and would not.
"""

from __future__ import annotations

import zlib
from collections.abc import Hashable, Sequence
from functools import lru_cache

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from ftbuilder.core.types import Conversation

DEFAULT_THRESHOLD = 0.9
DEFAULT_NUM_PERM = 128
_SCHEME = "affine32"
_MASK32 = np.uint64(0xFFFFFFFF)
_CHUNK = 16384  # shingles per numpy block: (num_perm x _CHUNK) uint32 = 8 MB at 128 perms


def conversation_text(conv: Conversation) -> str:
    """The text compared for near-duplicates: every message's content, lower-cased."""
    return " ".join(str(m.content) for m in conv.messages).lower()


_M64 = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15  # golden-ratio multiplier: spreads the combined word hashes


@lru_cache(maxsize=1 << 18)
def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode("utf-8", "surrogatepass"))


def _combine(hashes: Sequence[int]) -> int:
    h = 0
    for w in hashes:
        h = ((h ^ w) * _MIX) & _M64
    return h


def shingle_hashes(text: str, size: int = 3) -> list[int]:
    """Deterministic 64-bit hashes of the word ``size``-grams of ``text``.

    The whole text is one shingle if it is shorter than ``size`` words.
    """
    hs = [_word_hash(w) for w in text.split()]
    if len(hs) < size:
        return [_combine(hs)]
    return [_combine(g) for g in zip(*(hs[i:] for i in range(size)), strict=False)]


_MIX64 = np.uint64(_MIX)


def _shingle_batch(words: list[int], counts: list[int],
                   size: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hashes` of several texts at once, with numpy.

    ``words`` are the word hashes of the texts one after another, ``counts`` how many each
    has. Returns (the shingle hashes, text after text; how many each text has): the same
    values as :func:`shingle_hashes`, as uint64 multiplication wraps like ``& _M64``.
    """
    w = np.array(words, dtype=np.uint64)
    n = np.array(counts, dtype=np.int64)
    lengths = np.where(n >= size, n - size + 1, 1)
    out = np.empty(int(lengths.sum()), dtype=np.uint64)
    long = n >= size
    if long.any():
        m = len(w) - size + 1
        h = w[:m] * _MIX64
        for k in range(1, size):
            h = (h ^ w[k:k + m]) * _MIX64
        text_of = np.repeat(np.arange(len(n)), n)
        out[np.repeat(long, lengths)] = h[text_of[:m] == text_of[size - 1:]]
    if not long.all():  # shorter texts: one shingle of all their words
        first_word = np.cumsum(n) - n
        first_out = np.cumsum(lengths) - lengths
        for i in np.nonzero(~long)[0].tolist():
            a = int(first_word[i])
            out[first_out[i]] = _combine(words[a:a + int(n[i])])
    return out, lengths


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch's affine32 scheme pre-mixes its input."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


class NearDuplicateIndex:
    """A MinHash LSH index of samples under caller-chosen keys (e.g. sample ids).

    Args:
        threshold: Jaccard similarity from which two samples count as near-duplicates.
        num_perm: permutations per MinHash (more = finer, slower, larger).
        seed: seed of the permutations.
        shingle: words per shingle (3: word 3-grams).
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM,
                 seed: int = 1, shingle: int = 3) -> None:
        if not 0 < threshold <= 1:
            raise ValueError(f"near-duplicate threshold must be in (0, 1], got {threshold}")
        if shingle < 1:
            raise ValueError(f"shingle size must be at least 1, got {shingle}")
        self.shingle = shingle
        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self._a, self._b = MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations
        # Band keys hashed to ints: a quarter of the memory of the raw byte strings.
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, hashfunc=hash)
        self.size = 0

    def signatures(self, texts: Sequence[str]) -> list[LeanMinHash]:
        """MinHashes of ``texts``, computed with numpy a few thousand shingles at a time."""
        out: list[LeanMinHash] = []
        words: list[int] = []
        counts: list[int] = []
        shingles = 0
        for text in texts:
            split = text.split()
            words.extend(map(_word_hash, split))
            counts.append(len(split))
            shingles += max(len(split) - self.shingle + 1, 1)
            if shingles >= _CHUNK:
                flat, lengths = _shingle_batch(words, counts, self.shingle)
                out += self._minhashes(lengths, flat)
                words, counts, shingles = [], [], 0
        if counts:
            flat, lengths = _shingle_batch(words, counts, self.shingle)
            out += self._minhashes(lengths, flat)
        return out

    def _minhashes(self, lengths: np.ndarray, flat: np.ndarray) -> list[LeanMinHash]:
        hv = (flat & _MASK32).astype(np.uint32)
        hv = _fmix32(hv)
        permuted = np.multiply(self._a[:, None], hv[None, :])  # (num_perm, shingles), wraps
        permuted += self._b[:, None]
        starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
        mins = np.minimum.reduceat(permuted, starts, axis=1).T.copy()
        return [LeanMinHash(seed=self.seed, hashvalues=row, scheme=_SCHEME) for row in mins]

    def query(self, signature: LeanMinHash) -> list[Hashable]:
        """Keys of indexed samples likely at or above the threshold."""
        return self._lsh.query(signature)

    def add(self, key: Hashable, signature: LeanMinHash) -> None:
        self._lsh.insert(key, signature, check_duplication=False)
        self.size += 1

    def add_texts(self, keys: Sequence[Hashable], texts: Sequence[str]) -> None:
        for key, sig in zip(keys, self.signatures(texts), strict=True):
            self.add(key, sig)

    def check(self, keys: Sequence[Hashable], texts: Sequence[str],
              index_duplicates: bool = True) -> list[Hashable | None]:
        """For each text in order: the key of a near-duplicate already indexed, or None.

        Each text is indexed after it is checked, so later texts of the same batch are
        compared with earlier ones; a text found to be a near-duplicate is indexed only if
        ``index_duplicates`` (False when duplicates are dropped). When several keys match,
        the smallest is reported so the answer is stable.
        """
        found: list[Hashable | None] = []
        for key, sig in zip(keys, self.signatures(texts), strict=True):
            hits = self.query(sig)
            found.append(min(hits, key=_order) if hits else None)
            if index_duplicates or not hits:
                self.add(key, sig)
        return found


def _order(key: Hashable) -> tuple[int, int, str]:
    """Non-negative ints first (sample ids), then negative ints by size, then the rest."""
    if isinstance(key, int):
        return (0, key, "") if key >= 0 else (1, -key, "")
    return (2, 0, repr(key))


def find_near_duplicates(convs: Sequence[Conversation], threshold: float = DEFAULT_THRESHOLD,
                         num_perm: int = DEFAULT_NUM_PERM) -> list[int | None]:
    """For each conversation, the position of an earlier near-duplicate in ``convs``, or None."""
    index = NearDuplicateIndex(threshold, num_perm)
    found = index.check(list(range(len(convs))), [conversation_text(c) for c in convs])
    return [k if isinstance(k, int) else None for k in found]
