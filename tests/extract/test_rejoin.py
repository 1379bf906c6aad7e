"""Line re-joining on big inputs: linear in the text (a long run of letters, or megabytes of
hard-wrapped prose, used to take minutes to hours and hung `ftb build --mode identify`)."""

import pytest

from ftbuilder.extract.rejoin import Vocabulary, join_pair, logical_lines


@pytest.mark.timeout(20)
def test_vocabulary_of_a_long_letter_run() -> None:
    run = "x" * 1_000_000
    vocab = Vocabulary.of(f"{run} well-known")
    assert vocab.words == frozenset({run, "well", "known"})
    assert vocab.hyphenated == frozenset({"well-known"})


@pytest.mark.timeout(20)
def test_megabytes_of_wrapped_prose_join_into_one_line() -> None:
    rows = [f"word{i} runs on without an end" for i in range(60_000)]
    rows[1000] = "the tracking infor-"
    rows[1001] = "mation flows"
    text = "\n".join(rows) + "\nmore information here"
    lines = logical_lines(text, Vocabulary.of(text))
    assert len(text) > 1_900_000
    assert len(lines) == 1 and (lines[0].start, lines[0].end) == (0, len(rows))
    expected = " ".join(rows).replace("infor- mation", "information")
    assert lines[0].text == expected + " more information here"


def test_join_pair_and_logical_lines_agree() -> None:
    vocab = Vocabulary.of("information")
    assert join_pair("the infor-", "mation", vocab) == "the information"
    assert join_pair("a well-", "known", vocab) == "a well-known"
    assert join_pair("no end", "here", None) == "no end here"
    # "#" + "then heading" becomes a heading, which then takes no wrapped line; a line
    # after a bold label is never joined; "cd-" after "ab-" is no word end: plain join.
    text = "# Heading\nnext line\n#\nthen heading\nmore\n**Bold**\nstays\nab-\ncd-\nef"
    assert [ln.text for ln in logical_lines(text)] == [
        "# Heading", "next line", "# then heading", "more", "**Bold**", "stays ab-cd- ef"]
