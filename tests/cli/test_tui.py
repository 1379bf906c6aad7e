"""`ftb tui` hands --config/--db to the TUI's entry point; bad settings fail before it."""

from __future__ import annotations


def test_tui_gets_config_and_db(cli, project, monkeypatch):
    calls = []

    def fake_run(config_path=None, db=None):
        calls.append((config_path, db))
        return 0

    monkeypatch.setattr("ftbuilder.tui.app.run", fake_run)
    cfg = project / "config.yaml"
    r = cli("tui", "--config", cfg, "--db", project / "t.db")
    assert r.code == 0
    assert calls == [(str(cfg), str(project / "t.db"))]


def test_tui_exit_code_passes_through(cli, monkeypatch):
    monkeypatch.setattr("ftbuilder.tui.app.run", lambda config_path=None, db=None: 3)
    assert cli("tui").code == 3


def test_bad_config_fails_before_the_app_starts(cli, project, monkeypatch):
    started = []
    monkeypatch.setattr("ftbuilder.tui.app.run", lambda **kw: started.append(kw) or 0)
    bad = project / "bad.yaml"
    bad.write_text("mode: dream\n", encoding="utf-8")
    r = cli("tui", "--config", bad)
    assert r.code == 2
    assert r.err.startswith("error: bad.yaml: 'mode' = 'dream'")
    assert started == []
