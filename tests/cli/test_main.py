"""The command surface: help, usage errors, error lines, exit codes, global options."""

from __future__ import annotations

import sqlite3

import pytest

from ftbuilder.cli.main import build_parser, main


def command_names() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return list(sub.choices)


def test_the_documented_commands_exist():
    assert set(command_names()) >= {"ingest", "build", "retry", "import", "validate", "split",
                                     "export", "stats", "datasets", "models", "tokens",
                                     "backup", "config", "tui"}


@pytest.mark.parametrize("name", command_names())
def test_every_command_has_help(cli, name):
    r = cli(name, "--help")
    assert r.code == 0
    assert r.out.startswith(f"usage: ftb {name}")
    assert "--db" in r.out and "--config" in r.out


def test_top_level_help_lists_commands_and_exit_codes(cli):
    r = cli("--help")
    assert r.code == 0
    for name in command_names():
        assert name in r.out
    assert "exit codes" in r.out


def test_no_command_is_a_usage_error(cli):
    r = cli()
    assert r.code == 2
    assert "usage: ftb" in r.err


@pytest.mark.parametrize("argv", [
    ["bogus"],
    ["split", "ds", "--ratio", "1.5"],
    ["split", "ds", "--strategy", "alphabetical"],
    ["build", "--mode", "dream"],
    ["build", "--size", "0"],
    ["export", "ds", "--format"],
    ["models", "--provider", "acme"],
    ["import", "file.jsonl"],  # --name is required
])
def test_bad_arguments_exit_2(cli, argv):
    r = cli(*argv)
    assert r.code == 2
    assert r.out == ""
    assert "error:" in r.err


def test_unknown_export_format_in_a_comma_list_is_a_usage_error(cli):
    r = cli("export", "ds", "--format", "openai,vicuna")  # parquet is a format (issue 10)
    assert r.code == 2
    assert r.err.splitlines()[0] == "error: unknown export format 'vicuna'"
    assert r.err.splitlines()[1].startswith("hint: use one of: openai")


def test_invalid_config_names_the_key_and_exits_2(cli, project):
    bad = project / "bad.yaml"
    bad.write_text("split:\n  strategy: alphabetical\n", encoding="utf-8")
    r = cli("--config", bad, "datasets")
    assert r.code == 2
    first, second = r.err.splitlines()[:2]
    assert first.startswith("error: bad.yaml: 'split.strategy' = 'alphabetical'")
    assert "random" in first and "weighted" in first
    assert second.startswith("hint: ")
    assert "Traceback" not in r.err


def test_missing_config_file_is_a_usage_error(cli, project):
    r = cli("datasets", "--config", project / "nope.yaml")
    assert r.code == 2
    assert "does not exist" in r.err


def test_db_that_is_not_sqlite_is_a_clear_error(cli, project):
    junk = project / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    r = cli("--db", junk, "datasets")
    assert r.code == 2
    assert r.err.startswith("error: ")
    assert "not a usable dataset store" in r.err
    assert "Traceback" not in r.err


def test_db_option_works_before_and_after_the_command(cli, project):
    a, b = project / "a.db", project / "b.db"
    assert cli("--db", a, "datasets").code == 0
    assert cli("datasets", "--db", b).code == 0
    for path in (a, b):
        tables = {r[0] for r in sqlite3.connect(path).execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert "datasets" in tables


def test_version(cli):
    r = cli("--version")
    assert r.code == 0
    assert r.out.startswith("ftb ")


def test_unexpected_exception_is_one_line_and_redacts_keys(cli, monkeypatch):
    secret = "sk-test-abcdefghijklmnop"
    monkeypatch.setenv("OPENAI_API_KEY", secret)

    def broken(provider=None):
        raise RuntimeError(f"upstream said no to key {secret}\nsecond line")

    monkeypatch.setattr("ftbuilder.targets.registry.list_models", broken)
    r = cli("models")
    assert r.code == 1
    assert r.err.count("\n") == 1
    assert r.err.startswith("internal error: RuntimeError: upstream said no to key ***")
    assert "FTB_DEBUG=1" in r.err
    assert secret not in r.err


def test_ftb_debug_adds_the_traceback(cli, monkeypatch):
    monkeypatch.setenv("FTB_DEBUG", "1")

    def broken(provider=None):
        raise RuntimeError("boom")

    monkeypatch.setattr("ftbuilder.targets.registry.list_models", broken)
    r = cli("models")
    assert r.code == 1
    assert "Traceback" in r.err and "internal error: RuntimeError: boom" in r.err


def test_main_returns_ints_not_systemexit():
    assert main(["--help"]) == 0
    assert main(["split"]) == 2  # NAME missing


def test_subprocess_help_and_usage_error(ftb):
    ok = ftb("--help")
    assert ok.code == 0 and "usage: ftb" in ok.out
    bad = ftb("split", "x", "--ratio", "abc")
    assert bad.code == 2 and "expected a number" in bad.err
