"""Files written beside an export so a trainer finds it without an edit.

- ``llamafactory``: ``dataset_info.json`` registering each split file (LLaMA-Factory's
  ``data/dataset_info.json`` layout: ``file_name``, ``formatting: sharegpt``, ``columns``,
  ``tags``), and ``llamafactory.yaml``, the dataset keys of a training config
  (``dataset_dir`` = the export folder, ``dataset``, ``eval_dataset``).
- ``axolotl``: ``axolotl.yaml``, the ``datasets:`` block (and ``test_datasets:`` for the
  validation file) of an Axolotl config pointing at the exported files, type
  ``chat_template`` over the ``messages`` field.
- ``parquet``: ``README.md``, the dataset card (:func:`ftbuilder.formats.parquet.dataset_card`).

Each hook gets the dataset name, the export folder and ``files`` (split name -> (file name,
rows)) and returns ``{file name: text}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from ftbuilder.formats.parquet import dataset_card

Files = dict[str, tuple[str, int]]
ExtrasFn = Callable[[str, Path, Files, dict[str, Any]], dict[str, str]]
LF_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human",
           "assistant_tag": "gpt", "observation_tag": "observation", "system_tag": "system"}


def dataset_key(name: str) -> str:
    """A dataset name as a LLaMA-Factory ``dataset:`` key (letters, digits, _ . -)."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "dataset"


def llamafactory_files(name: str, out: Path, files: Files,
                       stats: dict[str, Any]) -> dict[str, str]:
    key = dataset_key(name)
    info = {f"{key}_{split}": {"file_name": fname, "formatting": "sharegpt",
                               "columns": {"messages": "conversations", "system": "system"},
                               "tags": dict(LF_TAGS)}
            for split, (fname, _) in files.items()}
    config: dict[str, Any] = {"dataset_dir": str(out.resolve()),
                              "dataset": f"{key}_train" if "train" in files
                              else next(iter(info), key)}
    if "validation" in files:
        config["eval_dataset"] = f"{key}_validation"
    head = ("# Dataset keys for a LLaMA-Factory training config (merge into your YAML).\n"
            "# Pick `template:` for the model you train (llama3, qwen, mistral, gemma...).\n")
    return {"dataset_info.json": json.dumps(info, ensure_ascii=False, indent=2) + "\n",
            "llamafactory.yaml": head + yaml.safe_dump(config, sort_keys=False,
                                                       allow_unicode=True)}


def _axolotl_entry(path: Path) -> dict[str, Any]:
    return {"path": str(path.resolve()), "ds_type": "json", "split": "train",
            "type": "chat_template", "field_messages": "messages",
            "message_property_mappings": {"role": "role", "content": "content"},
            "roles_to_train": ["assistant"]}


def axolotl_files(name: str, out: Path, files: Files, stats: dict[str, Any]) -> dict[str, str]:
    train = [s for s in files if s not in ("validation", "test")]
    config: dict[str, Any] = {"datasets": [_axolotl_entry(out / files[s][0]) for s in train]}
    if "validation" in files:
        config["test_datasets"] = [_axolotl_entry(out / files["validation"][0])]
    head = (f"# Axolotl datasets for '{name}' (merge into your config; chat_template uses\n"
            "# the model's own template unless you set chat_template: ...).\n")
    return {"axolotl.yaml": head + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)}


def parquet_files(name: str, out: Path, files: Files, stats: dict[str, Any]) -> dict[str, str]:
    return {"README.md": dataset_card(name, files, stats)}


EXTRAS: dict[str, ExtrasFn] = {"llamafactory": llamafactory_files, "axolotl": axolotl_files,
                               "parquet": parquet_files}
