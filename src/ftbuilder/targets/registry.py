"""The model registry: fine-tunable targets read from ``models.yaml`` (the one data file).

Look-ups accept fine-tuned ids (``ft:gpt-4.1-2025-04-14:org::abc``) and map them to their
base model explicitly, and the aliases a provider documents for a snapshot (an entry's
``aliases`` list: ``gpt-4o-mini`` -> ``gpt-4o-mini-2024-07-18``); the spec returned always
carries the snapshot id, which is what a dataset records.
"""

from __future__ import annotations

from dataclasses import fields
from functools import lru_cache
from pathlib import Path

import yaml

from ftbuilder.core.errors import NotFoundError
from ftbuilder.core.types import ModelSpec

DATA_FILE = Path(__file__).with_name("models.yaml")
_SPEC_FIELDS = {f.name for f in fields(ModelSpec)}


@lru_cache(maxsize=1)
def load_registry(path: str | None = None) -> tuple[ModelSpec, ...]:
    """Every model of the data file, defaults per provider applied."""
    data = yaml.safe_load(Path(path or DATA_FILE).read_text(encoding="utf-8"))
    defaults = data.get("defaults", {})
    specs = []
    for entry in data["models"]:
        merged = {**defaults.get(entry["provider"], {}), **entry}
        unknown = set(merged) - _SPEC_FIELDS
        if unknown:
            raise ValueError(f"models.yaml: unknown fields {sorted(unknown)} in {entry['id']}")
        specs.append(ModelSpec(**merged))
    return tuple(specs)


def providers() -> tuple[str, ...]:
    """The target providers of the data file, in its order (openai, anthropic, ...)."""
    return tuple(dict.fromkeys(m.provider for m in load_registry()))


def list_models(provider: str | None = None) -> list[ModelSpec]:
    return [m for m in load_registry() if provider is None or m.provider == provider]


def base_model_id(model_id: str) -> str:
    """``ft:gpt-4o-mini-2024-07-18:org:name:id`` -> ``gpt-4o-mini-2024-07-18``."""
    if model_id.startswith("ft:"):
        return model_id.split(":")[1]
    return model_id


def get_model(provider: str, model_id: str) -> ModelSpec:
    """The spec of ``model_id`` for ``provider``.

    Raises:
        NotFoundError: naming the models the registry has for that provider.
    """
    wanted = base_model_id(model_id)
    for m in load_registry():
        if m.provider == provider and m.id == wanted:
            return m
    for m in load_registry():
        if m.provider == provider and wanted in m.aliases:
            return m
    models = list_models(provider)
    if not models:
        raise NotFoundError(f"unknown provider '{provider}'",
                            "use one of: " + ", ".join(providers()))
    raise NotFoundError(f"model '{model_id}' is not in the registry for {provider}",
                        "known: " + ", ".join(_with_aliases(m) for m in models))


def _with_aliases(m: ModelSpec) -> str:
    return f"{m.id} ({', '.join(m.aliases)})" if m.aliases else m.id


def resolve(provider: str, model_id: str) -> tuple[ModelSpec, str | None]:
    """The spec of ``model_id`` and, when ``model_id`` was an alias, the line that says so
    (``"model gpt-4o-mini -> gpt-4o-mini-2024-07-18"``); NotFoundError as :func:`get_model`."""
    spec = get_model(provider, model_id)
    base = base_model_id(model_id)
    return spec, (None if base == spec.id else f"model {model_id} -> {spec.id}")


def default_model(provider: str) -> ModelSpec:
    return list_models(provider)[0]
