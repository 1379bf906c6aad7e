"""Fault cases of `ftb repos sync`, for real: loopback HTTP git servers that answer 404 or
401, a slow "dumb HTTP" server (a real bare repository served file by file) to interrupt a
clone with a real SIGINT and a real kill -9 of the `ftb` process."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ftbuilder.config import load_settings
from ftbuilder.services.context import AppContext
from ftbuilder.services.repos import sync_repos
from ftbuilder.sources.repos import AUTH, NOT_FOUND, parse_entry, sync_entry
from ftbuilder.store.db import Store
from sources.gitfixtures import ENV, git, make_repo

SRC = Path(__file__).resolve().parents[2] / "src"


class _Server:
    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _answering(status: int, headers: dict[str, str] | None = None):
    class H(BaseHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            body = b"no\n"
            self.send_response(status)
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

    return H


@pytest.mark.fault
def test_http_404_is_not_found_and_401_is_authentication_required(tmp_path):
    with _Server(_answering(404)) as s404, _Server(_answering(
            401, {"WWW-Authenticate": 'Basic realm="git"'})) as s401:
        gone = sync_entry(parse_entry(f"{s404.url}/acme/gone.git"), tmp_path)
        private = sync_entry(parse_entry(f"{s401.url}/acme/private.git"), tmp_path)
    assert (gone.status, gone.reason) == ("error", NOT_FOUND)
    assert (private.status, private.reason) == ("error", AUTH)  # no prompt: fails at once
    assert private.seconds < 10
    assert not (tmp_path / "acme").exists() or not any((tmp_path / "acme").iterdir())


def _bare_repo(tmp_path: Path, files: int) -> Path:
    """A bare repository of ``files`` files, loose objects only: a dumb HTTP clone fetches
    each object with its own request."""
    work = make_repo(tmp_path / "work", {f"f{i:03d}.txt": f"file {i}\n" * 20
                                         for i in range(files)})
    bare = tmp_path / "srv" / "acme" / "big.git"
    bare.parent.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(bare)], env=ENV, check=True)
    packs = list((bare / "objects" / "pack").glob("*.pack"))
    for pack in packs:  # unpack into loose objects
        tmp = pack.with_suffix(".tmp")
        pack.rename(tmp)
        pack.with_suffix(".idx").unlink()
        with tmp.open("rb") as f:
            subprocess.run(["git", "unpack-objects", "-q"], cwd=bare, stdin=f, env=ENV,
                           check=True)
        tmp.unlink()
    git(bare, "update-server-info")
    return bare


def _dumb_server(root: Path, delay: float) -> _Server:
    class Slow(SimpleHTTPRequestHandler):
        def log_message(self, *a: object) -> None:
            pass

        def do_GET(self) -> None:
            time.sleep(delay)
            super().do_GET()

    return _Server(functools.partial(Slow, directory=str(root)))


def _ftb(project: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "FTB_DB": str(project / "store.db")}
    return subprocess.Popen([sys.executable, "-m", "ftbuilder", *args], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_partial(parent: Path, timeout: float = 30) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if parent.is_dir() and any(p.name.startswith(".big.partial-") for p in parent.iterdir()):
            return
        time.sleep(0.05)
    raise AssertionError("the clone never started")


@pytest.mark.fault
def test_ctrl_c_during_a_clone_leaves_no_folder_that_looks_complete(tmp_path):
    bare = _bare_repo(tmp_path, 60)
    project = tmp_path / "proj"
    project.mkdir()
    with _dumb_server(tmp_path / "srv", 0.1) as srv:
        (project / "repos.txt").write_text(f"{srv.url}/acme/big.git\n")
        proc = _ftb(project, "repos", "sync")
        _wait_partial(project / "repos" / "acme")
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "cancelled" in err and "Traceback" not in err
    acme = project / "repos" / "acme"
    assert not (acme / "big").exists()
    assert list(acme.iterdir()) == []  # the partial clone was removed too
    assert bare.exists()


@pytest.mark.fault
def test_kill_9_during_a_clone_then_sync_again_clones_cleanly(tmp_path):
    _bare_repo(tmp_path, 60)
    project = tmp_path / "proj"
    project.mkdir()
    with _dumb_server(tmp_path / "srv", 0.1) as srv:
        (project / "repos.txt").write_text(f"{srv.url}/acme/big.git\n")
        proc = _ftb(project, "repos", "sync")
        _wait_partial(project / "repos" / "acme")
        proc.kill()
        proc.communicate(timeout=30)
    acme = project / "repos" / "acme"
    assert not (acme / "big").exists()  # only a hidden .big.partial-* leftover
    assert [p.name.startswith(".big.partial-") for p in acme.iterdir()] == [True]
    with _dumb_server(tmp_path / "srv", 0.0) as srv:
        (project / "repos.txt").write_text(f"{srv.url}/acme/big.git\n")
        ctx = AppContext(load_settings(root=project, environ={}), Store(":memory:"))
        result = sync_repos(ctx)
        ctx.close()
    assert [(r.status, r.reason) for r in result.repos] == [("cloned", "")]
    assert result.removed_partials == 1
    assert [p.name for p in acme.iterdir()] == ["big"]
    assert len(list((acme / "big").glob("f*.txt"))) == 60
