"""Git repositories as a source: read ``repos.txt`` and clone or update each entry with git.

Every entry (a URL or a local path) goes to ``<dir>/<org>/<repo>``. A new one is cloned
shallow (``--depth 1``; in full when the server cannot serve shallow clones) into a hidden
``.<repo>.partial-*`` folder beside it, renamed into place only once git has finished: a clone
cut short by Ctrl-C, a kill or a full disk never leaves a folder that looks complete, and the
next sync removes the leftover. An existing one is fetched and fast-forwarded.

git never prompts (``GIT_TERMINAL_PROMPT=0``, ssh in batch mode): a repository needing a
password fails at once with "authentication required". Each entry gets an outcome (cloned,
updated, unchanged, error) with a reason; one bad entry never stops the others.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from ftbuilder.core.errors import Cancelled, FtbError, UsageError
from ftbuilder.core.progress import CancelToken

CLONED, UPDATED, UNCHANGED, ERROR = "cloned", "updated", "unchanged", "error"
NOT_FOUND, AUTH, NOT_GIT = "not found", "authentication required", "not a git repository"
PARTIAL = ".partial-"
GIT_TIMEOUT = 900.0  # seconds for one git command (a large clone)
_SCP_RE = re.compile(r"^[\w.-]+@[\w.-]+:(?P<path>.+)$")  # git@github.com:org/repo.git
_SAFE_RE = re.compile(r"[^\w.-]+")


@dataclass(slots=True)
class Entry:
    """One line of the list: what to clone (``url``) and where (``org/repo``)."""

    line: int
    text: str
    url: str
    org: str
    name: str
    local: Path | None = None  # a local path entry

    @property
    def slug(self) -> str:
        return f"{self.org}/{self.name}"


@dataclass(slots=True)
class RepoOutcome:
    entry: str
    repo: str
    status: str
    reason: str = ""
    commit: str = ""
    seconds: float = 0.0
    detail: str = ""  # git's own last line, or what to do

    def to_dict(self) -> dict[str, object]:
        return {"entry": self.entry, "repo": self.repo, "status": self.status,
                "reason": self.reason, "commit": self.commit[:12],
                "seconds": round(self.seconds, 2), "detail": self.detail}


class GitError(FtbError):
    """A git command failed; ``reason`` is one of the stable reasons or git's own line."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason + (f": {detail}" if detail and detail != reason else ""))
        self.reason = reason
        self.detail = detail


def _clean(part: str) -> str:
    return _SAFE_RE.sub("-", part).strip(".-") or "repo"


def parse_entry(text: str, line: int = 0, base: Path | None = None) -> Entry:
    """An entry of the list: https/ssh/git/file URL, ``user@host:org/repo``, or a local path
    (relative to ``base``).

    Raises:
        UsageError: the entry names no repository.
    """
    text = text.strip()
    if "://" in text:
        u = urlparse(text)
        path = u.path
        local = Path(u.path) if u.scheme == "file" else None
        url = text
    elif m := _SCP_RE.match(text):
        path, local, url = m.group("path"), None, text
    else:
        p = Path(text).expanduser()
        local = (base / p if base is not None and not p.is_absolute() else p).resolve()
        path = str(local)
        url = local.as_uri()  # file:// so that --depth is honoured for local clones
    parts = [x for x in path.strip("/").split("/") if x]
    if not parts:
        raise UsageError(f"line {line}: '{text}' names no repository",
                         "write a URL such as https://github.com/org/repo or a local path")
    name = parts[-1].removesuffix(".git")
    org = parts[-2] if len(parts) > 1 else "local"
    return Entry(line, text, url, _clean(org), _clean(name), local)


def read_list(path: Path) -> list[Entry]:
    """The entries of a repository list: one per line, ``#`` comments and blank lines skipped.

    Raises:
        NotFoundError-like UsageError: the list cannot be read; UsageError: a bad line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"repository list {path} does not exist",
                         "write one repository URL or local path per line, or pass --list "
                         "FILE") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read repository list {path}: {e}",
                         "make it a UTF-8 text file") from None
    out: list[Entry] = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            out.append(parse_entry(line, n, path.parent))
    return out


def git_env() -> dict[str, str]:
    """The environment of every git call: no prompt, no pager, no user config surprises."""
    env = dict(os.environ)
    env.update(GIT_TERMINAL_PROMPT="0", GIT_ASKPASS="", SSH_ASKPASS="", GCM_INTERACTIVE="never",
               GIT_SSH_COMMAND=env.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
               GIT_PAGER="cat", LC_ALL="C")
    return env


def classify(stderr: str) -> str:
    """A stable reason from git's error output."""
    low = stderr.lower()
    if any(s in low for s in ("could not read username", "authentication failed",
                              "terminal prompts disabled", "permission denied (publickey",
                              "http basic: access denied", "returned error: 401",
                              "returned error: 403", "invalid username or password")):
        return AUTH
    if any(s in low for s in ("not found", "returned error: 404", "does not exist",
                              "no such file or directory")):
        return NOT_FOUND
    if "not a git repository" in low or "does not appear to be a git repository" in low:
        return NOT_GIT
    if any(s in low for s in ("could not resolve host", "failed to connect",
                              "connection refused", "network is unreachable",
                              "connection timed out")):
        return "host unreachable"
    if "no space left" in low:
        return "disk full"
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    fatal = [ln for ln in lines if ln.startswith(("fatal:", "error:"))]
    return (fatal or lines or ["git failed"])[-1][:200]


def run_git(args: list[str], cwd: Path | None = None, cancel: CancelToken | None = None,
            timeout: float = GIT_TIMEOUT) -> str:
    """Run ``git args``; returns stdout. A cancel stops git at once (checked every 50 ms).

    Raises:
        GitError: git exited non-zero (reason classified), or ran over ``timeout``.
        Cancelled: ``cancel`` was set while git ran.
    """
    with tempfile.TemporaryFile() as err_f, tempfile.TemporaryFile() as out_f:
        try:
            proc = subprocess.Popen(["git", *args], cwd=cwd, env=git_env(),
                                    stdin=subprocess.DEVNULL, stdout=out_f, stderr=err_f)
        except FileNotFoundError:
            raise FtbError("git is not installed", "install git (https://git-scm.com) and "
                                                   "run again") from None
        end = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                if cancel is not None and cancel.cancelled:
                    raise Cancelled("cancelled")
                if time.monotonic() > end:
                    raise GitError("timed out", f"git {args[0]} ran over {timeout:.0f} s")
                time.sleep(0.05)
        except BaseException:  # Ctrl-C, cancel, timeout: git stops with us
            proc.kill()
            proc.wait()
            raise
        err_f.seek(0)
        out_f.seek(0)
        stderr = err_f.read().decode("utf-8", "replace")
        stdout = out_f.read().decode("utf-8", "replace")
    if proc.returncode != 0:
        raise GitError(classify(stderr), stderr.strip().splitlines()[-1] if stderr.strip()
                       else f"git {args[0]} exited with {proc.returncode}")
    return stdout


def head_commit(repo: Path) -> str:
    return run_git(["rev-parse", "HEAD"], cwd=repo, timeout=60).strip()


def is_git_repo(path: Path) -> bool:
    """True when ``path`` is the top folder of a git work tree (or a bare repository)."""
    try:
        top = run_git(["rev-parse", "--show-toplevel"], cwd=path, timeout=60).strip()
    except (GitError, OSError):
        try:
            return run_git(["rev-parse", "--is-bare-repository"], cwd=path,
                           timeout=60).strip() == "true"
        except (GitError, OSError):
            return False
    return Path(top).resolve() == path.resolve()


def remove_partials(folder: Path) -> int:
    """Delete leftovers of clones cut short (``.<repo>.partial-*``). Returns how many."""
    n = 0
    if folder.is_dir():
        for p in folder.glob(f".*{PARTIAL}*"):
            shutil.rmtree(p, ignore_errors=True)
            n += 1
    return n


def _clone(entry: Entry, dest: Path, shallow: bool, cancel: CancelToken | None) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{entry.name}{PARTIAL}", dir=dest.parent))
    try:
        args = ["clone", "--quiet", "--no-tags", *(["--depth", "1"] if shallow else []),
                "--", entry.url, str(tmp / "r")]
        try:
            run_git(args, cancel=cancel)
        except GitError as e:
            if not shallow or "shallow" not in e.detail.lower():
                raise
            shutil.rmtree(tmp / "r", ignore_errors=True)  # a dumb server: clone in full
            run_git(["clone", "--quiet", "--no-tags", "--", entry.url, str(tmp / "r")],
                    cancel=cancel)
        os.rename(tmp / "r", dest)  # atomic: the folder appears complete or not at all
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _update(dest: Path, cancel: CancelToken | None) -> bool:
    """Fetch and fast-forward; True when HEAD moved."""
    before = head_commit(dest)
    run_git(["fetch", "--quiet", "--no-tags", "origin"], cwd=dest, cancel=cancel)
    try:
        upstream = run_git(["rev-parse", "--abbrev-ref", "@{upstream}"], cwd=dest).strip()
    except GitError:
        upstream = "FETCH_HEAD"
    try:
        run_git(["merge", "--ff-only", "--quiet", upstream], cwd=dest, cancel=cancel)
    except GitError as e:
        raise GitError("cannot fast-forward", "the local copy has diverged from its remote; "
                       f"delete {dest} and sync again") from e
    return head_commit(dest) != before


def sync_entry(entry: Entry, root: Path, shallow: bool = True,
               cancel: CancelToken | None = None) -> RepoOutcome:
    """Clone or update one entry into ``root/org/repo``; never raises for the entry's own
    failure (the outcome says why), only for a cancel."""
    started = time.monotonic()
    dest = root / entry.org / entry.name
    out = RepoOutcome(entry.text, entry.slug, ERROR)
    try:
        if entry.local is not None:
            if not entry.local.exists():
                raise GitError(NOT_FOUND, f"{entry.local} does not exist")
            if not is_git_repo(entry.local):
                raise GitError(NOT_GIT, str(entry.local))
        if dest.exists():
            if not is_git_repo(dest):
                raise GitError(NOT_GIT, f"{dest} exists and is not a git repository: move "
                                        "it away")
            out.status = UPDATED if _update(dest, cancel) else UNCHANGED
        else:
            _clone(entry, dest, shallow, cancel)
            out.status = CLONED
        out.commit = head_commit(dest)
    except GitError as e:
        out.status, out.reason, out.detail = ERROR, e.reason, e.detail
    except OSError as e:
        out.status, out.reason = ERROR, f"{e.strerror or e}"
    out.seconds = time.monotonic() - started
    return out


def checked_out(root: Path) -> Iterator[tuple[str, Path]]:
    """(``org/repo``, folder) of every repository under ``root`` (two levels deep)."""
    if not root.is_dir():
        return
    for org in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for repo in sorted(p for p in org.iterdir() if p.is_dir()
                           and not p.name.startswith(".")):
            if (repo / ".git").exists():
                yield f"{org.name}/{repo.name}", repo
