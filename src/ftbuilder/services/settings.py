"""Use case: read and edit the project's settings files: config.yaml and the prompt files.

Both faces edit through here (the app's Configure and Settings screens, ``ftb config``):
config.yaml is written by :func:`ftbuilder.config.save_config`, which keeps the user's
comments and layout, and every text written is validated first and written atomically.
The form checks of Configure (the target's limits, the size cap) are here too, so the screen
only shows what these return.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ftbuilder.config import FileConfig, load_yaml, parse_config, save_config
from ftbuilder.core.errors import UsageError
from ftbuilder.core.files import write_atomic
from ftbuilder.core.types import ModelSpec
from ftbuilder.services.context import AppContext
from ftbuilder.targets.limits import SizeCheck, size_check
from ftbuilder.targets.registry import get_model, list_models

FREE_PROMPT = Path("free_mode") / "prompt.txt"


def _config_path(ctx: AppContext) -> Path:
    return ctx.settings.config_path or ctx.settings.root / "config.yaml"


# --- config.yaml ---------------------------------------------------------------------------
def config_text(ctx: AppContext) -> str:
    """The text of config.yaml, or the current settings as YAML when there is no file yet."""
    path = _config_path(ctx)
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return yaml.safe_dump(ctx.settings.config.model_dump(), sort_keys=False)


def check_config_text(text: str) -> FileConfig:
    """Parse and validate config.yaml text (ConfigError: not YAML, aliases, a bad key/value)."""
    return parse_config(load_yaml(text) or {}, "config.yaml")


def save_config_text(ctx: AppContext, text: str) -> FileConfig:
    """Validate ``text`` and write it as config.yaml as typed (the user's layout kept).

    Raises:
        ConfigError: as :func:`check_config_text`; nothing is written then.
    """
    config = check_config_text(text)
    path = _config_path(ctx)
    write_atomic(path, text if text.endswith("\n") else text + "\n", f"the config file {path}")
    ctx.settings.config = config
    ctx.settings.config_path = path
    return config


def save_config_keeping_comments(ctx: AppContext, config: FileConfig) -> Path:
    """Write ``config`` to config.yaml, changing only the values that differ (comments and
    layout kept). Returns the path written.

    Raises:
        ConfigError: ``config`` is not valid (nothing is written).
    """
    return save_config(ctx.settings, config)


def get_value(ctx: AppContext, key: str) -> Any:
    """The value of a dotted config key (``split.ratio``).

    Raises:
        UsageError: no such key.
    """
    node: Any = ctx.settings.config.model_dump()
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise UsageError(f"config.yaml has no key '{key}'",
                             "see `ftb config get` for the keys and their values")
        node = node[part]
    return node


def set_value(ctx: AppContext, key: str, text: str) -> FileConfig:
    """Set a dotted config key from its text (parsed as YAML: ``0.75``, ``true``, ``[a, b]``),
    validate the whole config and save it keeping comments.

    Raises:
        UsageError: no such key. ConfigError: the value is not allowed (nothing written).
    """
    get_value(ctx, key)
    data = ctx.settings.config.model_dump()
    node = data
    *parents, last = key.split(".")
    for part in parents:
        node = node[part]
    node[last] = load_yaml(text) if text.strip() else ""
    config = parse_config(data, "config")
    save_config(ctx.settings, config)
    return config


# --- prompt files ----------------------------------------------------------------------------
def prompt_files(ctx: AppContext) -> list[str]:
    """Editable prompt files, relative to prompts/: the free-mode prompt, then system prompts."""
    base = ctx.settings.prompts_dir
    found = [str(FREE_PROMPT)]
    system = base / "system"
    if system.is_dir():
        found += sorted(str(p.relative_to(base)) for p in system.rglob("*")
                        if p.is_file() and p.suffix in (".txt", ".md"))
    return found


def prompt_path(ctx: AppContext, rel: str) -> Path:
    """The absolute path of prompt file ``rel``.

    Raises:
        UsageError: ``rel`` points outside prompts/.
    """
    base = ctx.settings.prompts_dir.resolve()
    path = (base / rel).resolve()
    if base not in path.parents:
        raise UsageError(f"{rel} is not inside prompts/", "pick one of the listed prompt files")
    return path


def read_prompt(ctx: AppContext, rel: str) -> str:
    """Text of a prompt file under prompts/ ("" when it does not exist yet)."""
    path = prompt_path(ctx, rel)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def write_prompt(ctx: AppContext, rel: str, text: str) -> Path:
    """Write a prompt file under prompts/ (folders created, atomically). Returns its path.

    Raises:
        UsageError: ``rel`` points outside prompts/.
    """
    path = prompt_path(ctx, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text, f"the prompt file {path}")
    return path


# --- the target, as the Configure form shows it ------------------------------------------
def target_models(provider: str) -> list[str]:
    """The model ids the registry has for ``provider`` (empty for an unknown provider)."""
    return [m.id for m in list_models(provider)]


def target_specs(provider: str) -> list[ModelSpec]:
    """The registry entries of ``provider`` (ids, documented aliases, limits)."""
    return list_models(provider)


def target_spec(provider: str, model: str) -> ModelSpec:
    """The registry entry of a target (NotFoundError naming the known models)."""
    return get_model(provider, model)


@dataclass(slots=True)
class FormCheck:
    """A config form checked: the valid config, its target's entry and the size check."""

    config: FileConfig
    spec: ModelSpec
    size: SizeCheck


def check_form(data: dict[str, Any]) -> FormCheck:
    """Validate a whole config mapping as the Configure form holds it.

    Raises:
        ConfigError: a bad key or value. NotFoundError: the model is not in the registry.
    """
    config = parse_config(data, "config")
    spec = get_model(config.provider, config.model)
    return FormCheck(config, spec, size_check(spec, config.dataset_size, config.split.ratio,
                                              config.split.enabled))


def check_size(provider: str, model: str, size: int, ratio: float = 1.0,
               split_enabled: bool = False) -> SizeCheck:
    """``size`` checked against the target's limits (see targets.limits.size_check).

    Raises:
        NotFoundError: the model is not in the registry for that provider.
    """
    return size_check(get_model(provider, model), size, ratio, split_enabled)
