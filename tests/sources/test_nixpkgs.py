"""nixpkgs definitions from a real checkout folder (made here, committed with real git)."""

from __future__ import annotations

import subprocess

from ftbuilder.sources import nixpkgs

HELLO = '''{ lib, stdenv, fetchurl, testers }:

stdenv.mkDerivation (finalAttrs: {
  pname = "hello";
  version = "2.12.1";

  src = fetchurl {
    url = "mirror://gnu/hello/hello-${finalAttrs.version}.tar.gz";
    hash = "sha256-AAAA";
  };

  nativeBuildInputs = [ pkg-config ];

  postInstall = \'\'
    mkdir -p $out/share/doc
    cp README $out/share/doc/
  \'\';

  meta = {
    description = "Program that produces a familiar, friendly greeting";
    homepage = "https://www.gnu.org/software/hello/";
    license = lib.licenses.gpl3Plus;
    mainProgram = "hello";
  };
})
'''

RG = '''{ lib, rustPlatform, fetchFromGitHub }:
rustPlatform.buildRustPackage rec {
  pname = "ripgrep";
  version = "14.1.1";
  src = fetchFromGitHub {
    owner = "BurntSushi";
    repo = "ripgrep";
    rev = version;
    hash = "sha256-BBBB";
  };
  meta = with lib; {
    description = "Utility that combines the usability of The Silver Searcher with grep";
    mainProgram = "rg";
  };
}
'''


def test_checkout_definitions_become_cited_samples(tmp_path):
    root = tmp_path / "nixpkgs"
    for name, text in (("he/hello", HELLO), ("ri/ripgrep", RG)):
        d = root / "pkgs" / "by-name" / name
        d.mkdir(parents=True)
        (d / "package.nix").write_text(text)
    (root / "pkgs" / "top-level").mkdir(parents=True)
    (root / "pkgs" / "top-level" / "default.nix").write_text("{ }: { }\n")  # not a package
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@t", "-c", "user.name=t",
                    "add", "."], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.email=t@t", "-c", "user.name=t",
                    "commit", "-qm", "init"], check=True)
    rev = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                         text=True, check=True).stdout.strip()
    h = nixpkgs.harvest(None, root, 10)
    assert h.counts == {"definition": 2, "definition source": 2}
    hello = next(c for c in h.conversations if c.location.endswith("hello/package.nix")
                 and c.meta["kind"] == "package-definition")
    a = hello.messages[1].content
    assert hello.source_file == ("https://github.com/NixOS/nixpkgs/blob/"
                                 f"{rev}/pkgs/by-name/he/hello/package.nix")
    assert "`hello` 2.12.1" in a and "`stdenv.mkDerivation`" in a and "`fetchurl`" in a
    assert "`nativeBuildInputs`: `pkg-config`" in a
    assert "```sh\nmkdir -p $out/share/doc\ncp README $out/share/doc/\n```" in a
    assert "meta.mainProgram: `hello`" in a
    d = nixpkgs.parse("p", "u", RG)
    assert d.builder == "rustPlatform.buildRustPackage" and d.fetcher == "fetchFromGitHub"
    assert d.fetch_args["owner"] == "BurntSushi" and d.meta["mainProgram"] == "rg"
