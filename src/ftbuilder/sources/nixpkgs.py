"""nixpkgs package definitions: from a checkout, or GitHub's contents API.

A definition (``pkgs/by-name/<xx>/<name>/package.nix``, or a ``default.nix`` under ``pkgs/``
that calls a builder) is read with regular expressions for what a reader asks about: the
builder (``stdenv.mkDerivation``, ``buildPythonPackage``, ``buildGoModule``...), ``pname``
and ``version``, the source fetcher and its arguments, build inputs, the phases and hooks it
overrides, and ``meta`` (description, homepage, license, mainProgram). Not a Nix evaluator:
an attribute computed by an expression is reported as written.

Each definition gives two samples citing the file's URL: how the package is built (a
summary written from the parsed fields) and the definition itself for a request to write it
(when it is short enough to be a good answer).
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn, report
from ftbuilder.sources.base import Harvest, qa
from ftbuilder.sources.http import FetchError, HttpClient

GITHUB_API = "https://api.github.com"
REPO = "NixOS/nixpkgs"
MAX_DEFINITION = 6000  # characters: longer files get only the summary sample
BUILDERS = ("stdenv.mkDerivation", "stdenvNoCC.mkDerivation", "buildPythonPackage",
            "buildPythonApplication", "buildGoModule", "rustPlatform.buildRustPackage",
            "buildNpmPackage", "mkYarnPackage", "buildDotnetModule", "maven.buildMavenPackage",
            "buildPerlPackage", "mkDerivation", "python3Packages.buildPythonApplication",
            "buildGo124Module", "buildGoPackage", "runCommand", "writeShellApplication")
PHASES = ("unpackPhase", "patchPhase", "configurePhase", "buildPhase", "checkPhase",
          "installPhase", "fixupPhase", "preConfigure", "postPatch", "preBuild", "postBuild",
          "preInstall", "postInstall", "postFixup", "installCheckPhase")


@dataclass
class PackageDef:
    path: str
    url: str
    text: str
    builder: str = ""
    pname: str = ""
    version: str = ""
    fetcher: str = ""
    fetch_args: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, list[str]] = field(default_factory=dict)
    phases: dict[str, str] = field(default_factory=dict)
    meta: dict[str, str] = field(default_factory=dict)


def _string(text: str, key: str) -> str:
    m = re.search(rf"(?<![\w.]){re.escape(key)}\s*=\s*\"((?:[^\"\\]|\\.)*)\"\s*;", text)
    if m:
        return m.group(1)
    m = re.search(rf"(?<![\w.]){re.escape(key)}\s*=\s*([^;\n]+);", text)
    return m.group(1).strip() if m else ""


def _block(text: str, start: int, open_: str = "{", close: str = "}") -> str:
    depth = 0
    for i in range(start, len(text)):
        if text[i] == open_:
            depth += 1
        elif text[i] == close:
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return text[start + 1:]


def _indented(text: str, key: str) -> str | None:
    m = re.search(rf"(?<![\w.]){key}\s*=\s*''(.*?)''\s*;", text, re.S)
    if not m:
        return None
    lines = m.group(1).strip("\n").splitlines()
    pad = min((len(ln) - len(ln.lstrip()) for ln in lines if ln.strip()), default=0)
    return "\n".join(ln[pad:] for ln in lines).strip()


def parse(path: str, url: str, text: str) -> PackageDef:
    d = PackageDef(path, url, text)
    d.builder = next((b for b in BUILDERS if re.search(rf"(?<![\w.]){re.escape(b)}\b", text)),
                     "")
    d.pname = _string(text, "pname") or _string(text, "name")
    d.version = _string(text, "version")
    m = re.search(r"\bsrc\s*=\s*(fetch\w+|\w+\.fetch\w+)\s*\{", text)
    if m:
        d.fetcher = m.group(1)
        body = _block(text, m.end() - 1)
        for key in ("owner", "repo", "url", "rev", "tag", "domain", "hash", "sha256"):
            v = _string(body, key)
            if v:
                d.fetch_args[key] = v
    for key in ("nativeBuildInputs", "buildInputs", "propagatedBuildInputs", "dependencies",
                "build-system", "nativeCheckInputs"):
        m = re.search(rf"(?<![\w.]){re.escape(key)}\s*=\s*(?:\[|with\b[^;]*?;\s*\[)", text)
        if m:
            items = _block(text, m.end() - 1, "[", "]")
            names = re.findall(r"[A-Za-z_][\w.'-]*", re.sub(r"#.*", "", items))
            d.inputs[key] = [n for n in names if n not in ("with", "lib", "optionals")][:20]
    for phase in PHASES:
        body = _indented(text, phase)
        if body:
            d.phases[phase] = body
    m = re.search(r"\bmeta\s*=\s*(?:with\s+lib;\s*)?\{", text)
    if m:
        meta = _block(text, m.end() - 1)
        for key in ("description", "homepage", "license", "mainProgram", "platforms"):
            v = _string(meta, key)
            if v:
                d.meta[key] = v
    return d


def _code(text: str, lang: str = "") -> str:
    return f"```{lang}\n{text}\n```"


def samples(d: PackageDef, h: Harvest) -> None:
    name = d.pname or Path(d.path).parent.name
    if not (d.builder or d.fetcher or d.meta):
        h.skipped["not a package definition"] += 1
        return
    ver = f" {d.version}" if d.version and "${" not in d.version else ""
    lines = [f"In nixpkgs, `{name}`{ver} is defined in `{d.path}`."]
    if d.meta.get("description"):
        lines.append(f"It is described as: {d.meta['description']}.")
    if d.builder:
        lines.append(f"It is built with `{d.builder}`.")
    if d.fetcher:
        args = ", ".join(f"{k} = {v}" for k, v in d.fetch_args.items()
                         if k not in ("hash", "sha256"))
        lines.append(f"The source comes from `{d.fetcher}`" + (f" ({args})." if args else "."))
    for key, names in d.inputs.items():
        if names:
            lines.append(f"`{key}`: " + ", ".join(f"`{n}`" for n in names) + ".")
    for phase, body in list(d.phases.items())[:4]:
        short = body if len(body) < 800 else body[:800].rsplit("\n", 1)[0] + "\n..."
        lines.append(f"It overrides `{phase}`:\n\n{_code(short, 'sh')}")
    for key in ("homepage", "license", "mainProgram"):
        if d.meta.get(key):
            lines.append(f"meta.{key}: `{d.meta[key]}`")
    h.add(qa(f"How is the `{name}` package built in nixpkgs?", "\n\n".join(lines), d.url,
             d.path, "nixpkgs", keywords=[name], kind="package-definition"), "definition")
    if len(d.text) <= MAX_DEFINITION:
        what = d.meta.get("description", "")
        ask = (f"Write a nixpkgs package definition for {name}{ver}"
               + (f" ({what})" if what else "") + f" using `{d.builder or 'mkDerivation'}`.")
        h.add(qa(ask, f"Here is the definition from nixpkgs (`{d.path}`):\n\n"
                 + _code(d.text.strip(), "nix"), d.url, d.path, "nixpkgs", keywords=[name],
                 kind="package-source"), "definition source")


# --- where definitions come from -------------------------------------------------------------
def _revision(root: Path) -> str:
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=False)
        return out.stdout.strip() or "master"
    except (OSError, subprocess.SubprocessError):
        return "master"


def checkout_files(root: Path, limit: int) -> Iterator[tuple[str, str]]:
    """(relative path, text) of package definitions in a nixpkgs checkout, sorted."""
    if not (root / "pkgs").is_dir():
        raise UsageError(f"{root} is not a nixpkgs checkout (no pkgs/ folder)",
                         "clone it first: git clone --depth 1 https://github.com/NixOS/nixpkgs")
    n = 0
    by_name = sorted((root / "pkgs" / "by-name").glob("*/*/package.nix"))
    others = sorted(p for p in (root / "pkgs").rglob("default.nix") if "by-name" not in p.parts)
    for p in [*by_name, *others]:
        if n >= limit:
            return
        try:
            text = p.read_text("utf-8", "replace")
        except OSError:
            continue
        if p.name == "default.nix" and not re.search(r"mkDerivation|build\w+Package|"
                                                     r"buildGoModule", text):
            continue
        n += 1
        yield p.relative_to(root).as_posix(), text


def github_files(client: HttpClient, api: str, repo: str, limit: int,
                 cancel: CancelToken | None) -> Iterator[tuple[str, str, str]]:
    """(path, text, html_url) of ``pkgs/by-name`` definitions through the contents API."""
    token = os.environ.get("GITHUB_TOKEN")
    headers = {"Accept": "application/vnd.github+json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    base = f"{api.rstrip('/')}/repos/{repo}/contents"
    n = 0
    for shard in client.get(f"{base}/pkgs/by-name", headers=headers).json():
        if not isinstance(shard, dict) or shard.get("type") != "dir":
            continue
        for pkg in client.get(f"{base}/{shard['path']}", headers=headers).json():
            if n >= limit:
                return
            if cancel is not None:
                cancel.check()
            if not isinstance(pkg, dict) or pkg.get("type") != "dir":
                continue
            data = client.get(f"{base}/{pkg['path']}/package.nix", headers=headers).json()
            content = data.get("content") if isinstance(data, dict) else None
            if not content:
                continue
            text = base64.b64decode(content).decode("utf-8", "replace")
            n += 1
            yield (str(data.get("path") or f"{pkg['path']}/package.nix"), text,
                   str(data.get("html_url") or ""))


def harvest(client: HttpClient | None, checkout: Path | None, limit: int,
            api: str = GITHUB_API, repo: str = REPO, progress: ProgressFn | None = None,
            cancel: CancelToken | None = None) -> Harvest:
    h = Harvest()
    if checkout is not None:
        rev = _revision(checkout)
        for i, (rel, text) in enumerate(checkout_files(checkout, limit), 1):
            if cancel is not None:
                cancel.check()
            samples(parse(rel, f"https://github.com/{repo}/blob/{rev}/{rel}", text), h)
            report(progress, "nixpkgs", i, limit)
        return h
    assert client is not None
    try:
        for i, (rel, text, url) in enumerate(github_files(client, api, repo, limit, cancel), 1):
            samples(parse(rel, url or f"https://github.com/{repo}/blob/master/{rel}", text), h)
            report(progress, "nixpkgs", i, limit)
    except FetchError as e:
        if e.status in (401, 403):
            e.hint = "GitHub limits calls without a token: set GITHUB_TOKEN, or use a " \
                     "checkout with --nixpkgs PATH"
        raise
    return h


def describe(d: PackageDef) -> dict[str, Any]:
    return {"path": d.path, "pname": d.pname, "version": d.version, "builder": d.builder,
            "fetcher": d.fetcher, "phases": list(d.phases), "meta": d.meta}
