"""sources.code: code-aware chunking with line ranges, docstring and Markdown pairs."""

from __future__ import annotations

import itertools

from ftbuilder.sources.code import (
    chunk_code,
    docstring_pairs,
    documented_by,
    markdown_pair,
    pair_conversation,
)
from sources.gitfixtures import PARSER


def _words(text: str) -> int:  # a deterministic stand-in for a tokenizer: whitespace words
    return len(text.split())


def _func(name: str, n: int) -> str:
    body = "".join(f"    v{i} = {i} + x\n" for i in range(n))
    return f"def {name}(x):\n    \"\"\"Compute {name} from x.\"\"\"\n{body}    return x\n\n\n"


def test_python_pieces_keep_functions_whole_and_cite_lines():
    text = "import os\n\n\n" + "".join(_func(f"f{i}", 6) for i in range(5))
    pieces = chunk_code("m.py", text, budget=60, count=_words)
    lines = text.splitlines(keepends=True)
    assert len(pieces) > 1
    for p in pieces:
        assert p.text == "".join(lines[p.start - 1:p.end])
        assert p.text.count("def ") == p.text.count("return x")  # no function cut in two
        assert p.tokens <= 60
    assert pieces[0].start == 1 and pieces[-1].end == len(lines)
    assert all(a.end + 1 == b.start for a, b in itertools.pairwise(pieces))


def test_a_class_over_the_budget_is_cut_into_its_methods():
    methods = "".join("    " + ln if ln.strip() else ln for ln in
                      "".join(_func(f"m{i}", 8) for i in range(4)).splitlines(keepends=True))
    text = f"class Big:\n    \"\"\"A big class.\"\"\"\n\n{methods}"
    pieces = chunk_code("big.py", text, budget=70, count=_words)
    assert len(pieces) >= 2
    assert pieces[0].text.startswith("class Big:")
    for p in pieces:
        assert p.text.count("def m") == p.text.count("return x")


def test_a_file_that_fits_is_one_piece_and_other_languages_cut_at_top_level():
    assert [(p.start, p.end) for p in chunk_code("x.py", PARSER, 5000)] == [(1, 25)]
    js = "".join(f"function f{i}(a) {{\n  return a + {i};\n}}\n\n" for i in range(6))
    pieces = chunk_code("x.js", js, budget=20, count=_words)
    assert len(pieces) >= 2
    assert all(p.text.count("function") == p.text.count("}") for p in pieces)


def test_docstring_pairs_show_the_code_without_its_docstring():
    pairs = {p.name: p for p in docstring_pairs("src/parser.py", PARSER, 2000)}
    assert set(pairs) == {"parser", "parse_line", "Config", "Config.get"}
    pl = pairs["parse_line"]
    assert (pl.kind, pl.start, pl.end) == ("function", 8, 14)
    assert pl.doc.startswith("Split one key=value line") and "Split one" not in pl.code
    assert pl.code.startswith("def parse_line(line):")
    conv = pair_conversation(pl, "acme/demo", "c" * 40, "src/parser.py")
    assert conv.source_file == "acme/demo/src/parser.py" and conv.location == "lines 8-14"
    assert conv.meta["ref"] == "src/parser.py:8-14" and conv.meta["commit"] == "c" * 40
    assert "acme/demo/src/parser.py:8-14" in conv.messages[0].content
    assert docstring_pairs("src/parser.py", PARSER, 20) == [] or all(
        p.kind != "module" for p in docstring_pairs("src/parser.py", PARSER, 60))
    assert docstring_pairs("broken.py", "def (:\n", 100) == []


def test_markdown_of_the_same_stem_documents_the_code():
    assert documented_by(["a/x.py", "a/x.md", "b/x.py", "a/y.md", "README.md"]) == \
        {"a/x.py": "a/x.md"}
    pair = markdown_pair("a/x.py", "def f():\n    return 1\n", "a/x.md",
                         "# x\n\nf returns one, always.\n", 1000)
    assert pair is not None and pair.kind == "markdown" and (pair.start, pair.end) == (1, 2)
    assert markdown_pair("a/x.py", "x = 1\n", "a/x.md", "tbd", 1000) is None
