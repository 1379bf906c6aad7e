"""Token counting throughput: ours (quicktok batch, what ftbuilder.tokens runs) vs tiktoken.

Same generated texts, both encodings OpenAI fine-tuning uses. Baseline: tiktoken, the faster
of its two ways (``len(encode_ordinary(t))`` per text, and ``encode_ordinary_batch``). The
o200k tiktoken encoding is rebuilt offline from quicktok's ranks and checked against OpenAI's
published SHA-256 (ftbuilder.tokens.reference). Target: >= 5x, identical counts.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable

import numpy as np

from ftbuilder.tokens.openai import count_texts, encoding
from ftbuilder.tokens.reference import tiktoken_encoding

N_TEXTS = 100_000
REPEAT = 3  # best of 3: the figures measure the code, not a neighbour's burst of CPU
TARGET = 5.0

_PROSE = ("the of and to in is that for it with as on be at by this had not are but from or "
          "have an they which one you were her all she there would their we him been has when "
          "who will more no if out so said what up its about into than them can only other new "
          "some could time these two may then do first any my now such like our over man me "
          "even most made after also did many before must through back years where much your "
          "way well down should because each just those people how too little state good very "
          "make world still own see men work long get here between both life being under never "
          "fine-tuning dataset validation tokenizer assistant provider invoice refund shipping "
          "Paris London 2024 3.14 42 100% e-mail naïve café résumé Zürich 東京 データ Москва "
          "don't I'm we'll it's they've")
_WORDS = _PROSE.split()
_CODE = ["def f(x):\n    return x * 2\n", "for (int i = 0; i < n; ++i) { sum += a[i]; }",
         '{"key": "value", "n": [1, 2, 3]}', "SELECT id, name FROM users WHERE id = ?;",
         "    if err != nil {\n        return err\n    }\n"]


def make_texts(n: int, seed: int = 7, lo: int = 5, hi: int = 160) -> list[str]:
    """``n`` varied texts: prose of ``lo``-``hi`` words, some code, some newlines."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        words = rng.choices(_WORDS, k=rng.randint(lo, hi))
        for j in range(0, len(words), rng.randint(8, 20)):
            words[j] = words[j].capitalize() if rng.random() < 0.7 else words[j] + "."
        text = " ".join(words)
        if rng.random() < 0.15:
            text += "\n\n" + rng.choice(_CODE)
        if rng.random() < 0.1:
            text = text.replace(". ", ".\n", 2)
        out.append(text)
    return out


def _timed(fn: Callable[[], object], repeat: int = REPEAT) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs, and the result."""
    best, r = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = fn()
        best = min(best, time.perf_counter() - t0)
    return best, r


def run(out: Callable[[str], None]) -> None:
    texts = make_texts(N_TEXTS)
    chars = sum(map(len, texts))
    out(f"{N_TEXTS:,} texts, {chars / 1e6:.1f} M characters; best of {REPEAT} runs each; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for name in ("o200k_base", "cl100k_base"):
        tk = tiktoken_encoding(name)
        qt = encoding(name)
        count_texts(qt, texts[:2000])  # load / warm both
        tk.encode_ordinary_batch(texts[:2000])
        t_one, base = _timed(lambda tk=tk: [len(tk.encode_ordinary(t)) for t in texts])
        t_batch, batch = _timed(lambda tk=tk: [len(x) for x in tk.encode_ordinary_batch(texts)])
        t_ours, ours = _timed(lambda qt=qt: count_texts(qt, texts))
        t_base = min(t_one, t_batch)
        same = base == batch == np.asarray(ours).tolist()
        ratio = t_base / t_ours
        out(f"{name}: tiktoken per text {N_TEXTS / t_one:,.0f} texts/s, tiktoken batch "
            f"{N_TEXTS / t_batch:,.0f} texts/s, ours (quicktok count_batch) "
            f"{N_TEXTS / t_ours:,.0f} texts/s")
        out(f"{name}: ratio vs best tiktoken {ratio:.1f}x; tokens {int(np.sum(ours)):,}; "
            f"identical counts: {'yes' if same else 'NO'}; target >={TARGET:g}x: "
            f"{'MET' if ratio >= TARGET and same else 'NOT MET'}")


if __name__ == "__main__":
    run(print)
