"""Prompt files, read at run time from ``prompts/`` (never baked into code).

``prompts/system/<name>.txt`` holds the instructions of each mode. Templates use ``{name}``
placeholders filled by :func:`fill` (plain replacement: JSON braces in a prompt are safe).
Editing a file changes the next request, and so its cache key: the next run uses the new text.

The project's folder wins; where there is no project prompts folder (``ftb`` run from any
other folder, without FTB_ROOT) the copy installed with the package is read
(``ftbuilder/defaults/prompts``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ftbuilder.core.errors import ConfigError

SYSTEM_DIR = "system"
PACKAGED_DIR = Path(__file__).resolve().parent.parent / "defaults" / "prompts"


def prompt_path(prompts_dir: Path, name: str) -> Path:
    """The project's prompt file; the packaged one when there is no project prompts folder
    at all (``ftb`` run outside a project). A project folder missing one file is an error
    the user should see (:func:`load_prompt`), not silently replaced."""
    system = prompts_dir / SYSTEM_DIR
    packaged = PACKAGED_DIR / SYSTEM_DIR / f"{name}.txt"
    return packaged if not system.is_dir() and packaged.exists() else system / f"{name}.txt"


def load_prompt(prompts_dir: Path, name: str) -> str:
    """The text of ``prompts/system/<name>.txt``.

    Raises:
        ConfigError: the file is missing or empty (names the file and what to do).
    """
    path = prompt_path(prompts_dir, name)
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise ConfigError(f"prompt file {path} is missing",
                          "run ftb in the project folder (where config.yaml is) or set "
                          "FTB_ROOT to it; restore a lost file: git checkout prompts/"
                          ) from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read prompt file {path}: {e}",
                          "make it a readable UTF-8 text file") from None
    if not text:
        raise ConfigError(f"prompt file {path} is empty", "write the instruction into it")
    return text


def load_lines(prompts_dir: Path, name: str) -> list[str]:
    """Non-empty, non-comment (``#``) lines of ``prompts/system/<name>.txt``."""
    return [ln.strip() for ln in load_prompt(prompts_dir, name).splitlines()
            if ln.strip() and not ln.lstrip().startswith("#")]


def fill(template: str, **values: object) -> str:
    """Replace each ``{name}`` in ``template`` by ``values[name]``; other braces stay."""
    for k, v in values.items():
        template = template.replace("{" + k + "}", str(v))
    return template


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
