"""Identify mode reads document structure: markups, statement headings, numbered and
definition lists, interviews, KB articles, answer boundaries (issue 11)."""

from __future__ import annotations

from ftbuilder.extract.identify import identify_document
from ftbuilder.extract.markup import normalise

from .test_identify import doc_of, norm, pairs


def extract(text: str, kind: str = "md"):
    """The conversations of ``text``; every paragraph of every message is source text (a
    message may join a speaker's turns or a KB article's sections, each verbatim)."""
    convs = identify_document(doc_of(text, kind=kind, path=f"/data/faq.{kind}"))
    for c in convs:
        for m in c.messages:
            for part in m.content.split("\n\n"):
                assert norm(part) in norm(text), f"not in source: {part!r}"
    return convs


def questions(convs) -> list[str]:
    return [c.messages[0].content for c in convs]


def test_markup_pass_keeps_the_line_count_and_finds_titles() -> None:
    lines = ["---", "title: x", "---", "Install", "=======", "", "Why?", "----", "",
             "== Does it work?", ":toc:", '<h3 id="a">How do I X?</h3>', "<details>",
             "<summary>Can I Y?</summary>", "</details>", "## Q? {#q}", "<!-- a", "b -->"]
    out = normalise(lines)
    assert len(out) == len(lines)
    assert out[:9] == ["", "", "", "# Install", "", "", "## Why?", "", ""]
    assert out[9:] == ["## Does it work?", "", "### How do I X?", "", "###### Can I Y?", "",
                       "## Q?", "", ""]


def test_rst_and_asciidoc_question_sections() -> None:
    rst = ("FAQ\n===\n\nIs it free?\n-----------\n\nYes, under the MIT licence.\n\n"
           "Does it run on Windows?\n-----------------------\n\nYes, 10 and 11.\n\n"
           ".. _MIT: https://opensource.org/licenses/MIT\n")
    assert pairs(extract(rst, "rst")) == [
        [("user", "Is it free?"), ("assistant", "Yes, under the MIT licence.")],
        [("user", "Does it run on Windows?"), ("assistant", "Yes, 10 and 11.")]]
    adoc = ("= FAQ\n:page-aliases: faqs.adoc\n\n== Is it free?\n\nYes.\n\n"
            "== Where are the logs?\n\nIn /var/log/app.\n")
    assert questions(extract(adoc, "adoc")) == ["Is it free?", "Where are the logs?"]


def test_statement_headings_among_question_siblings_and_topics_left_out() -> None:
    text = ("# Help\n\n## How do I log in?\nUse your e-mail address.\n\n"
            "## My database is corrupt\nRestore last night's backup.\n\n"
            "## Why is it slow?\nThe index is rebuilding.\n\n"
            "## See also\n- [Docs](https://example.com)\n\n## Contact\nMail us.\n")
    assert pairs(extract(text)) == [
        [("user", "How do I log in?"), ("assistant", "Use your e-mail address.")],
        [("user", "My database is corrupt"), ("assistant", "Restore last night's backup.")],
        [("user", "Why is it slow?"), ("assistant", "The index is rebuilding.")]]


def test_html_headings_in_markdown_with_a_link_toc_above() -> None:
    text = ("# FAQ\n\n- [How do I install it?](#install)\n- [How do I update it?](#update)\n\n"
            '<h3 name="install">How do I install it?</h3>\n\nRun the installer.\n\n'
            '<h3 name="update">How do I update it?</h3>\n\nRun it again.\n')
    assert pairs(extract(text)) == [
        [("user", "How do I install it?"), ("assistant", "Run the installer.")],
        [("user", "How do I update it?"), ("assistant", "Run it again.")]]


def test_details_summary_faq() -> None:
    text = ("## FAQ\n\n<details>\n<summary>Does it need a GPU?</summary>\n\nNo, a CPU is "
            "enough.\n</details>\n\n<details>\n<summary>Where is the config kept</summary>\n\n"
            "In ~/.config/app.\n</details>\n\n<details><summary>Is there a CLI?</summary>\n\n"
            "Yes: `app --help`.\n\n</details>\n")
    assert questions(extract(text)) == ["Does it need a GPU?", "Where is the config kept",
                                        "Is there a CLI?"]


def test_numbered_series_with_statements_and_wrapped_questions() -> None:
    text = (" 1. Is it thread-safe?\n\n    Yes.\n\n 2. compress() returns an error.\n\n"
            "    Check the buffer size first.\n\n 3. The licence says altered versions must "
            "be marked. So\n    what do I need to do?\n\n    Change the version string.\n\n"
            " 4. Can I use it commercially?\n\n    Yes.\n")
    convs = extract(text, "txt")
    assert questions(convs) == [
        "Is it thread-safe?", "compress() returns an error.",
        "The licence says altered versions must be marked. So what do I need to do?",
        "Can I use it commercially?"]
    assert convs[1].messages[1].content == "Check the buffer size first."


def test_lettered_questions() -> None:
    text = "a) Can I pay by card?\nYes, all major cards.\n\nb) Can I pay later?\nNo.\n"
    assert questions(extract(text, "txt")) == ["Can I pay by card?", "Can I pay later?"]


def test_definition_lists_in_three_markups() -> None:
    rst = ("How do I...\n-----------\n\n... get section numbers?\n   Use the numbered "
           "option.\n\n... write an extension?\n   See the tutorial.\n")
    assert pairs(extract(rst, "rst")) == [
        [("user", "... get section numbers?"), ("assistant", "Use the numbered option.")],
        [("user", "... write an extension?"), ("assistant", "See the tutorial.")]]
    adoc = "Is it free?:: Yes.\nWhere are the logs?::\n  In /var/log.\n"
    assert questions(extract(adoc, "adoc")) == ["Is it free?", "Where are the logs?"]
    md = "Is it free?\n: Yes, always.\n\nCan I self-host?\n: Yes, with Docker.\n"
    assert pairs(extract(md))[1] == [("user", "Can I self-host?"),
                                     ("assistant", "Yes, with Docker.")]


def test_interview_with_three_speakers_timestamps_and_stage_directions() -> None:
    text = ("## Part one\n\n**Jane Doe:** [07:41] Why do you think it worked?\n\n"
            "**Guest:** Because we shipped early. [laughs]\n\n"
            "**Other Guest:** And we listened.\n\n"
            "**Jane Doe:** [09:02] What came next?\n\n**Jane Doe:** Briefly, please.\n\n"
            "**Guest:** A second version.\n\n**Jane Doe:** Did you expect that?\n")
    convs = extract(text)
    assert pairs(convs) == [
        [("user", "Why do you think it worked?"),
         ("assistant", "Because we shipped early.\n\nAnd we listened.")],
        [("user", "What came next?\n\nBriefly, please."), ("assistant", "A second version.")]]
    assert convs[0].meta["speaker"] == "Jane Doe"
    assert convs[0].meta["answered_by"] == ["Guest", "Other Guest"]
    assert convs[0].meta["timestamps"] == ["07:41"]
    assert convs[0].meta["stage_directions"] == ["[laughs]"]
    assert convs[0].meta["citation"]["timestamp"] == "07:41"
    assert convs[0].meta["citation"]["speaker"] == "Jane Doe"


def test_plain_speaker_names_and_notes_are_not_speakers() -> None:
    text = ("Note: this is a transcript.\n\nALICE: How long did it take?\nBOB: Two years.\n"
            "ALICE: Would you do it again?\nBOB: Yes.\n")
    assert pairs(extract(text, "txt")) == [
        [("user", "How long did it take?"), ("assistant", "Two years.")],
        [("user", "Would you do it again?"), ("assistant", "Yes.")]]


def test_knowledge_base_article() -> None:
    text = ("# Error 42 when saving\n\n## Symptoms\n\nSaving fails with error 42.\n\n"
            "## Cause\n\nThe disk is full.\n\n## Resolution\n\nFree some space.\n\n"
            "## More information\n\nSee the manual.\n")
    assert pairs(extract(text)) == [
        [("user", "Saving fails with error 42."),
         ("assistant", "The disk is full.\n\nFree some space.")]]


def test_answers_stop_at_footnotes_see_also_and_never_take_the_next_question() -> None:
    text = ("What is X?\nX is a tool [1].\n[1] https://example.com/x\n"
            "Is X free?\n"
            "How do I install X?\nRun the installer.\nSee also:\n- the manual\n")
    convs = extract(text, "txt")
    assert pairs(convs) == [
        [("user", "What is X?"), ("assistant", "X is a tool [1].")],
        [("user", "How do I install X?"), ("assistant", "Run the installer.")]]


def test_a_closing_code_fence_is_no_title_underline() -> None:
    text = ("### Why is X slow?\n\nLook:\n\n```\nfunc (t T3) Open() *os.File\n```\n\n"
            "### Why is Y fast?\n\nIt caches.\n")
    assert questions(extract(text)) == ["Why is X slow?", "Why is Y fast?"]


def test_statement_sections_under_a_troubleshooting_title() -> None:
    text = ("# Common Issues\n\n## Running the tool\n\n### Missing command line tools\n\n"
            "Install them with the system updater.\n\n### Local changes prevent an update\n\n"
            "Stash them first.\n\n## After an upgrade of the system\n\nRun the doctor.\n")
    assert pairs(extract(text)) == [
        [("user", "Missing command line tools"),
         ("assistant", "Install them with the system updater.")],
        [("user", "Local changes prevent an update"), ("assistant", "Stash them first.")],
        [("user", "After an upgrade of the system"), ("assistant", "Run the doctor.")]]
