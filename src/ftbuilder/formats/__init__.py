"""Exporters and importers: one module per format family, one registry of formats.

``to_record(conv, fmt)`` turns a sample into one JSON line of ``fmt``;
``from_record(obj, fmt)`` reads one back (``fmt="auto"`` detects it); ``detect_format(obj)``
names the format of a record. Both raise :class:`~ftbuilder.core.errors.FormatError` with a
one-line reason. ``csv`` is not a record format: it is the metadata table of
:mod:`ftbuilder.formats.csvmeta`. ``ext`` is the file type an export writes (``parquet`` rows
go through :class:`ftbuilder.formats.parquet.ParquetSink`); files written beside the records
(dataset_info.json, the dataset card, trainer snippets) come from ``formats.trainers.EXTRAS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ftbuilder.core.errors import FormatError
from ftbuilder.core.types import Conversation
from ftbuilder.formats import (
    anthropic,
    community,
    gemini,
    generic,
    harmony,
    llama3,
    mistral,
    openai,
    parquet,
    templates,
    together,
)


@dataclass(frozen=True, slots=True)
class Format:
    """A record format: its converters and whether ``ftb export`` writes it."""

    name: str
    to_record: Callable[[Conversation], dict[str, Any]]
    from_record: Callable[[Any], Conversation]
    exportable: bool
    description: str
    # the record laid out without checks, for samples to_record refuses (the validator then
    # says what is wrong); None: plain {"messages": [...]}
    layout: Callable[[Conversation], dict[str, Any]] | None = None
    ext: str = "jsonl"


FORMATS: dict[str, Format] = {
    "openai": Format("openai", openai.to_record, openai.from_record, True,
                     "OpenAI chat JSONL (messages; DPO lines too)"),
    "anthropic": Format("anthropic", anthropic.to_record, anthropic.from_record, True,
                        "Anthropic Claude on Bedrock (system + messages)", anthropic.layout),
    "gemini": Format("gemini", gemini.to_record, gemini.from_record, True,
                     "Gemini on Vertex AI (systemInstruction + contents)", gemini.layout),
    "mistral": Format("mistral", mistral.to_record, mistral.from_record, True,
                      "Mistral instruct JSONL (messages)"),
    "together": Format("together", together.together_to_record, openai.from_record, True,
                       "Together AI / Llama: messages only, alternating"),
    "generic": Format("generic", generic.to_record, generic.from_record, True,
                      "all metadata: source, keywords, split, tokens, meta"),
    "sharegpt": Format("sharegpt", community.sharegpt_to_record,
                       community.sharegpt_from_record, True,
                       "ShareGPT (FastChat: from human/gpt/system)"),
    "alpaca": Format("alpaca", community.alpaca_to_record, community.alpaca_from_record, True,
                     "instruction/input/output (earlier turns: history)"),
    "llamafactory": Format("llamafactory", together.llamafactory_to_record,
                           community.sharegpt_from_record, True,
                           "ShareGPT files + dataset_info.json + config"),
    "axolotl": Format("axolotl", together.axolotl_to_record, openai.from_record, True,
                      "chat_template messages + axolotl.yaml block"),
    "chatml": Format("chatml", templates.chatml_to_record,
                     templates.text_reader(templates.chatml_parse, "ChatML"), True,
                     "ChatML text (<|im_start|>), one text per conversation"),
    "llama3": Format("llama3", lambda c: templates.llama3_record(c, "3.1"), llama3.from_record,
                     True, "Llama 3.1+ chat-template text (date header, trimmed)"),
    "llama3.0": Format("llama3.0", lambda c: templates.llama3_record(c, "3.0"),
                       llama3.from_record, True, "Llama 3.0 chat-template text"),
    "gemma": Format("gemma", templates.gemma_to_record, templates.not_readable("Gemma"), True,
                    "Gemma 2/3 text (system in the first user turn)"),
    "mistral-instruct": Format("mistral-instruct", templates.mistral_writer("mistral-instruct"),
                               templates.not_readable("Mistral instruct"), True,
                               "[INST] text, v3 (7B, Mixtral, Codestral)"),
    "mistral-instruct-tekken": Format(
        "mistral-instruct-tekken", templates.mistral_writer("mistral-instruct-tekken"),
        templates.not_readable("Mistral instruct"), True,
        "[INST] text, Tekken (Nemo, Ministral)"),
    "mistral-instruct-v7": Format(
        "mistral-instruct-v7", templates.mistral_writer("mistral-instruct-v7"),
        templates.not_readable("Mistral instruct"), True,
        "[SYSTEM_PROMPT] text, v7 (Large 24.11)"),
    "harmony": Format("harmony", harmony.to_record, harmony.from_record, True,
                      "OpenAI Harmony text for gpt-oss (openai-harmony)"),
    "parquet": Format("parquet", parquet.to_record, parquet.from_record, True,
                      "per split (messages + metadata) + dataset card",
                      ext="parquet"),
}
EXPORT_FORMATS = (*[f for f, spec in FORMATS.items() if spec.exportable], "csv")
IMPORT_FORMATS = ("auto", *FORMATS)
# The record format of each provider's fine-tuning API, and back.
PROVIDER_FORMATS = {"openai": "openai", "anthropic": "anthropic", "google": "gemini",
                    "mistral": "mistral", "llama": "together"}
FORMAT_PROVIDERS = {v: k for k, v in PROVIDER_FORMATS.items()}

# Checked in order: the first that matches names the record's format.
_DETECTORS: tuple[tuple[str, Callable[[dict[str, Any]], bool]], ...] = (
    ("sharegpt", community.sharegpt_matches),
    ("alpaca", community.alpaca_matches),
    ("gemini", gemini.matches),
    ("generic", generic.matches),
    ("llama3", llama3.matches),
    ("chatml", templates.chatml_matches),
    ("harmony", harmony.matches),
    ("anthropic", anthropic.matches),
    ("openai", openai.matches),
)


def get_format(fmt: str) -> Format:
    """The registry entry of ``fmt``; FormatError naming the known formats."""
    spec = FORMATS.get(fmt)
    if spec is None:
        raise FormatError(f"unknown format '{fmt}'", "use one of: " + ", ".join(FORMATS))
    return spec


def detect_format(obj: Any) -> str:
    """The format name of one record (plain ``messages`` reads as ``openai``).

    Raises:
        FormatError: the record is not an object or matches no known format.
    """
    if not isinstance(obj, dict):
        raise FormatError(f"record is a JSON {type(obj).__name__}, not an object")
    for name, test in _DETECTORS:
        if test(obj):
            return name
    keys = ", ".join(list(map(str, obj))[:8]) or "none"
    raise FormatError(f"unrecognised record (keys: {keys})",
                      "expected messages, contents, conversations or instruction/output")


def to_record(conv: Conversation, fmt: str) -> dict[str, Any]:
    """``conv`` as one record of ``fmt``; FormatError if the format cannot hold it."""
    return get_format(fmt).to_record(conv)


def record_for(conv: Conversation, fmt: str) -> dict[str, Any]:
    """The record ``conv`` exports to in ``fmt``; when the converter refuses the sample, the
    format's unchecked layout of it, so the validator can say what is wrong."""
    spec = get_format(fmt)
    try:
        return spec.to_record(conv)
    except FormatError:
        if spec.layout is not None:
            return spec.layout(conv)
        return {"messages": [m.to_dict() for m in conv.messages]}


def from_record(obj: Any, fmt: str = "auto") -> Conversation:
    """One record of ``fmt`` (or of the detected format for ``"auto"``) as a Conversation."""
    return get_format(detect_format(obj) if fmt == "auto" else fmt).from_record(obj)
