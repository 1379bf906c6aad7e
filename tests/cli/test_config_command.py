"""``ftb config``: the command-line face of services.settings (the app's Settings screen)."""

from __future__ import annotations

import yaml


def test_get_and_set_keep_the_comments(cli, project):
    r = cli("config", "get", "split.ratio")
    assert r.code == 0 and r.out.strip() == "0.8"
    r = cli("config", "set", "split.ratio", "0.75")
    assert r.code == 0 and "split.ratio = 0.75" in r.out
    text = (project / "config.yaml").read_text()
    assert "  ratio: 0.75                     # training share, 0 < ratio < 1" in text
    assert text.startswith("# ftbuilder configuration.")
    assert yaml.safe_load(text)["split"]["ratio"] == 0.75
    assert cli("config", "get", "--json").json()["split"]["ratio"] == 0.75


def test_a_bad_value_or_key_writes_nothing(cli, project):
    before = (project / "config.yaml").read_text()
    r = cli("config", "set", "split.ratio", "3")
    assert r.code == 2 and "error: config: 'split.ratio' = 3" in r.err and "hint:" in r.err
    r = cli("config", "set", "nope.x", "1")
    assert r.code == 2 and "no key 'nope.x'" in r.err
    assert (project / "config.yaml").read_text() == before


def test_prompt_files_are_listed_read_and_replaced(cli, project, tmp_path):
    r = cli("config", "prompt")
    assert r.code == 0 and r.out.splitlines()[0] == "free_mode/prompt.txt"
    src = tmp_path / "new.txt"
    src.write_text("Write questions a new hire asks about the VPN.\n")
    r = cli("config", "prompt", "free_mode/prompt.txt", "--set", src)
    assert r.code == 0 and "saved" in r.out
    r = cli("config", "prompt", "free_mode/prompt.txt")
    assert r.out.strip() == "Write questions a new hire asks about the VPN."
    r = cli("config", "prompt", "../../etc/passwd", "--set", src)
    assert r.code == 2 and "not inside prompts/" in r.err
