"""Real git repositories made in a test's tmp folder: commits, a changed file, a .gitignore,
a binary, lock files, a vendored folder and a monorepo layout (no submodules)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ENV = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com",
       "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.com",
       "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))

PARSER = '''"""Parse key=value configuration files into dictionaries."""

import re

PAIR = re.compile(r"^(\\w+)\\s*=\\s*(.*)$")


def parse_line(line):
    """Split one key=value line into a (key, value) pair, or None for comments."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    m = PAIR.match(line)
    return (m.group(1), m.group(2)) if m else None


class Config:
    """A parsed configuration: keys mapped to their string values."""

    def __init__(self, text):
        self.values = dict(p for p in map(parse_line, text.splitlines()) if p)

    def get(self, key, default=None):
        """The value of key, or default when the file does not set it."""
        return self.values.get(key, default)
'''

PARSER_MD = """# parser

`parse_line` reads one `key=value` line; `Config` holds every pair of a file and `get`
returns a value or the default you give.
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True,
                          text=True).stdout


def make_repo(path: Path, files: dict[str, str | bytes], message: str = "initial") -> Path:
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    commit(path, files, message)
    return path


def commit(path: Path, files: dict[str, str | bytes], message: str = "change") -> str:
    for rel, content in files.items():
        f = path / rel
        f.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            f.write_bytes(content)
        else:
            f.write_text(content, encoding="utf-8")
    git(path, "add", "--", *files)
    git(path, "commit", "-q", "-m", message)
    return git(path, "rev-parse", "HEAD").strip()


def sample_repo(path: Path) -> Path:
    """A small project: code with docstrings, a Markdown of the same stem, a .gitignore, an
    ignored file, a binary, an image named .txt, a lock file, a vendored folder."""
    repo = make_repo(path, {
        "src/parser.py": PARSER,
        "src/parser.md": PARSER_MD,
        "src/util.js": "export function add(a, b) {\n  return a + b;\n}\n\n"
                       "export function mul(a, b) {\n  return a * b;\n}\n",
        "README.md": "# Demo\n\nA demo repository for the tests of ftb repos.\n",
        ".gitignore": "*.log\nsecret/\n",
        "assets/logo.png": PNG,
        "assets/not_text.txt": PNG,  # an image whatever its extension says
        "bin/tool": b"\x7fELF\x02\x01\x01" + bytes(200),
        "data.bin.txt": b"abc\x00def" * 10,
        "package-lock.json": '{"lockfileVersion": 3}\n',
        "node_modules/left-pad/index.js": "module.exports = () => 1;\n",
        "dist/app.min.js": "var a=1;" * 10,
    })
    (repo / "debug.log").write_text("ignored by .gitignore\n")
    (repo / "secret").mkdir()
    (repo / "secret" / "key.py").write_text("KEY = 'ignored'\n")
    (repo / "notes.py").write_text('"""Untracked but not ignored: selected."""\n\nX = 1\n')
    return repo


def monorepo(path: Path) -> Path:
    return make_repo(path, {
        "packages/api/src/server.py": '"""HTTP server of the API package."""\n\n'
                                      "def serve(port):\n"
                                      '    """Start serving requests on the given port."""\n'
                                      "    return port\n",
        "packages/web/src/app.ts": "export const app = () => 'web';\n",
        "packages/web/package.json": '{"name": "web"}\n',
        "tools/build.sh": "#!/bin/sh\necho build\n",
    })
