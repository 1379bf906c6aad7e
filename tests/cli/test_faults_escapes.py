"""Terminal escapes in file names, dataset names and sample text (issue 8.8), through the real
command: what ftb prints holds no raw control character (ESC, BEL, CSI) and --json stays
valid JSON with the names intact."""

from __future__ import annotations

import json

import pytest

TITLE = "\x1b]0;pwned\x07"  # sets the terminal window title
CLEAR = "\x1b[2J"  # clears the screen
CSI = "\x9b"  # the single-byte CSI (C1)
EVIL_NAME = f"ev{TITLE}il{CLEAR}{CSI}"
RAW = (b"\x1b", b"\x07", b"\xc2\x9b", b"\x9b")


def assert_clean(*streams: str) -> None:
    for s in streams:
        data = s.encode("utf-8", "surrogateescape")
        for raw in RAW:
            assert raw not in data, (raw, s[:300])


def record(q: str, a: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": q},
                                    {"role": "assistant", "content": a}]})


@pytest.fixture
def evil_files(project):
    folder = project / "input_files"
    (folder / f"notes{CLEAR}{TITLE}.txt").write_text("Q: what?\nA: that.\n" * 3,
                                                   encoding="utf-8")
    data = project / f"set{TITLE}.jsonl"
    data.write_text("\n".join(record(f"question {EVIL_NAME} {i}?", f"answer {CLEAR} {i}.")
                              for i in range(5)) + "\n", encoding="utf-8")
    return folder, data


@pytest.mark.fault
def test_names_with_escapes_are_shown_not_obeyed(ftb, project, evil_files):
    folder, data = evil_files
    runs = [
        ftb("import", data, "--name", EVIL_NAME),
        ftb("ingest", folder),
        ftb("datasets"),
        ftb("stats", EVIL_NAME),
        ftb("validate", EVIL_NAME),
        ftb("validate", data),
        ftb("export", f"no such {CLEAR}{TITLE}"),  # an error line embedding the name
        ftb("build", "--mode", "identify", "--input", folder, "--name", EVIL_NAME + "2"),
    ]
    for r in runs:
        assert_clean(r.out, r.err)
    assert runs[0].code == 0, runs[0].err
    assert "ev^[]0;pwned^Gil^[[2J\\x9b" in runs[2].out  # the name, escaped, in the table
    err = runs[6].err
    assert runs[6].code != 0 and err.startswith("error: ") and "\nhint: " in err
    assert "^[[2J^[]0;pwned^G" in err


@pytest.mark.fault
def test_json_output_stays_valid_and_keeps_the_name(ftb, project, evil_files):
    _, data = evil_files
    assert ftb("import", data, "--name", EVIL_NAME).code == 0
    r = ftb("datasets", "--json")
    assert r.code == 0
    assert_clean(r.out)
    names = [d["name"] for d in json.loads(r.out)]
    assert EVIL_NAME in names  # decoded back to the very same characters


@pytest.mark.fault
def test_an_error_line_embedding_a_huge_name_is_bounded(ftb, project):
    r = ftb("stats", "n" * 100_000 + CLEAR)
    assert r.code != 0 and r.err.startswith("error: ") and "\nhint: " in r.err
    assert len(r.err) < 2 * 1100, len(r.err)
    assert "more characters)" in r.err
    assert_clean(r.err)


def test_every_error_gets_a_hint_line_redacted_and_escaped(monkeypatch):
    import argparse
    import io

    from ftbuilder.cli.common import Session
    from ftbuilder.cli.main import _print_error
    from ftbuilder.core.errors import FtbError, NotFoundError, UsageError

    monkeypatch.setenv("OPENAI_API_KEY", "sk-canary-0123456789")
    session = Session(argparse.Namespace(command="stats"))
    for err, hint in ((UsageError("bad\x1b[2J flag"), "see `ftb stats --help`"),
                      (NotFoundError("no dataset 'x'"), "ftb datasets"),
                      (FtbError("key sk-canary-0123456789\nleaked?"), "ftb stats --help")):
        buf = io.StringIO()
        _print_error(session, buf, err)
        lines = buf.getvalue().splitlines()
        assert len(lines) == 2 and lines[0].startswith("error: "), lines
        assert lines[1].startswith("hint: ") and hint in lines[1]
        assert "\x1b" not in buf.getvalue() and "sk-canary" not in buf.getvalue()


def test_the_progress_line_shows_escapes():
    from ftbuilder.cli.progress import format_progress
    from ftbuilder.core.progress import Progress

    line = format_progress(Progress("ingest", 1, 2, f"a{CLEAR}b\nc", 0.0))
    assert "\x1b" not in line and "\n" not in line and "a^[[2Jb^Jc" in line
