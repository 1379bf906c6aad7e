"""One test per content check on real prose (PEP 1, tests/quality/data/SOURCES.md), with a
planted failure and the untouched original; then the runner's flags and reasons."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from ftbuilder.core.types import Conversation, Message
from ftbuilder.quality.filters import (
    filerefs,
    language,
    length,
    markdown,
    mermaid,
    pii,
    prompt_examples,
    repetition,
    truncated,
)
from ftbuilder.quality.filters.base import FilterOptions, SampleView
from ftbuilder.quality.filters.runner import RULES, apply, check_rules
from quality.planted import sections

REPO = Path(__file__).resolve().parents[2]
PARA = sections()[3][1]  # a real paragraph of prose
OPTS = FilterOptions(prompts_dir=str(REPO / "prompts"))


def view(answer: str, question: str = "What does PEP 1 say?", **meta) -> SampleView:
    return SampleView(Conversation([Message("user", question), Message("assistant", answer)],
                                   meta=dict(meta)))


def test_length():
    assert length.check(view(PARA), OPTS) is None
    assert "answer of 0 characters" in length.check(view("  "), OPTS)
    assert "maximum" in length.check(view(PARA * 200), OPTS)


def test_truncated():
    assert truncated.check(view(PARA), OPTS) is None
    cut = PARA[: PARA.rindex(" ", 0, len(PARA) - 10)]
    assert truncated.check(view(cut.rstrip(".")), OPTS).startswith("ends mid-sentence")
    assert "finish_reason" in truncated.check(view(PARA, finish_reason="length"), OPTS)
    assert truncated.check(view(""), OPTS) == "empty answer"
    listing = "The steps are:\n- fork the repository\n- create the file\n- open a pull request"
    assert truncated.check(view(listing), OPTS) is None


def test_repetition():
    assert repetition.check(view(PARA), OPTS) is None
    words = PARA.split()
    looped = " ".join(words[:12] * 5)
    assert "repeated" in repetition.check(view(looped), OPTS)
    lines = "\n".join(["Submit the PEP as a pull request."] * 3)
    assert "line repeated 3 times" in repetition.check(view(lines), OPTS)


def test_language():
    src = sections()[1][1]
    assert language.check(view(PARA, source_text=src), OPTS) is None
    german = ("Ein PEP ist ein Entwurfsdokument, das der Python-Gemeinschaft Informationen "
              "liefert oder eine neue Funktion beschreibt. Der Autor ist dafür verantwortlich, "
              "einen Konsens innerhalb der Gemeinschaft herzustellen.")
    assert "answer in 'de'" in language.check(view(german, source_text=src), OPTS)
    short = view("Ja, genau.", source_text=src)
    assert language.check(short, OPTS) is None  # too short to judge
    assert language.check(view(german), FilterOptions(languages=["de"])) is None


def test_markdown():
    ok = f"{PARA}\n\n```json\n{{\"pep\": 1, \"type\": \"Process\"}}\n```\n"
    assert markdown.check(view(ok), OPTS) is None
    assert "never closed" in markdown.check(view(f"{PARA}\n\n```python\nprint(1)\n"), OPTS)
    assert "json block does not parse" in markdown.check(
        view("```json\n{\"pep\": 1,}\n```"), OPTS)
    assert "python block does not parse" in markdown.check(
        view("```python\ndef f(:\n    pass\n```"), OPTS)
    assert markdown.check(view("```python\ndef f():\n    ...\n```"), OPTS) is None


GOOD_FLOW = """```mermaid
flowchart TD
    A[Idea] --> B{PEP-able?}
    B -->|yes| C[Draft PEP]
    B -- no --> D[Issue tracker]
    subgraph review
      C --> E((Editors))
    end
```"""
GOOD_SEQ = """```mermaid
sequenceDiagram
    participant Author
    participant Editors
    Author->>Editors: pull request
    alt approved
      Editors-->>Author: PEP number
    else rejected
      Editors-->>Author: reasons
    end
```"""


@pytest.mark.parametrize(("text", "why"), [
    (GOOD_FLOW, None), (GOOD_SEQ, None),
    (GOOD_FLOW.replace("flowchart TD", "flowchat TD"), "unknown diagram type"),
    (GOOD_FLOW.replace("B{PEP-able?}", "B{PEP-able?"), "unbalanced"),
    (GOOD_FLOW.replace("    end\n", ""), "not closed with end"),
    (GOOD_SEQ.replace("Author->>Editors: pull request", "Author sends a pull request"),
     "not a sequence-diagram line"),
    (GOOD_FLOW.replace("A[Idea] --> B{PEP-able?}", "A[Idea] -> B"), "not a node or edge"),
])
def test_mermaid(text: str, why: str | None):
    got = mermaid.check(view(text), OPTS)
    assert got is None if why is None else (got is not None and why in got), got


def test_file_refs_against_a_real_git_repository(tmp_path: Path):
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (repo / "src" / "app.py").write_text("\n".join(f"line {i}" for i in range(40)) + "\n")
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    doc = repo / "README.md"
    doc.write_text("see src/app.py\n")
    answer = "It is in src/app.py:12, see also src/app.py:30-35."
    conv = Conversation([Message("user", "Where is the parser?"), Message("assistant", answer)],
                        source_file=str(doc))
    assert filerefs.check(SampleView(conv), OPTS) is None
    conv.messages[1].content = "It is in src/app.py:120."
    assert "src/app.py has 40 lines" in filerefs.check(SampleView(conv), OPTS)
    conv.messages[1].content = "It is in src/parser.py:3."
    assert "no such file" in filerefs.check(SampleView(conv), OPTS)
    conv.source_file = str(tmp_path / "outside.md")  # not in a repository: not checked
    assert filerefs.check(SampleView(conv), OPTS) is None
    assert "no such file" in filerefs.check(SampleView(conv), FilterOptions(repo_root=str(repo)))


def test_pii_rule():
    assert pii.check(view(PARA), OPTS) is None
    assert pii.check(view(PARA + " Write to barry@pep-mail.example."), OPTS) == \
        "contains 1 EMAIL"


def test_prompt_examples_of_the_built_in_prompts():
    leaked = view("Sale items cannot be refunded, but they can exchange the item for another one.",
                  "A customer wants a refund for a sale item. What do I tell them?")
    assert "copies a prompt example" in prompt_examples.check(leaked, OPTS)
    assert prompt_examples.check(view(PARA), OPTS) is None


def test_runner_stores_flags_with_reasons_and_clears_them_when_fixed():
    conv = Conversation([Message("user", "What does PEP 1 say?"),
                         Message("assistant", PARA + " Mail barry@pep-mail.example")],
                        meta={"flags": ["near_duplicate"]})
    found = apply(conv, check_rules(["pii", "truncated"]), OPTS)
    assert set(found) == {"pii", "truncated"}
    assert conv.meta["flags"] == ["near_duplicate", "truncated", "pii"]  # rule table order
    assert conv.meta["flag_reasons"]["pii"] == "contains 1 EMAIL"
    conv.messages[1].content = PARA
    assert apply(conv, ["pii", "truncated"], OPTS) == {}
    assert conv.meta["flags"] == ["near_duplicate"] and "flag_reasons" not in conv.meta


def test_rule_names_match_the_issue():
    assert {"grounding", "length", "truncated", "repetition", "language", "markdown",
            "mermaid", "file-refs", "pii"} <= set(RULES)
    from ftbuilder.core.errors import UsageError

    with pytest.raises(UsageError, match="unknown rule: spelling"):
        check_rules(["spelling"])
