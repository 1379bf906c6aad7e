"""OpenAI Harmony text for gpt-oss (docs/providers.md §6), rendered by ``openai-harmony``.

One ``{"text": ...}`` record per conversation: Harmony's default system message, the system
prompt as the developer message (``# Instructions\\n\\n{text}``), user turns, and assistant
turns on the ``final`` channel; ``render_conversation_for_training`` ends the last one with
``<|return|>``. Tool messages and tool calls are not written (skipped with a reason).

``openai-harmony`` loads the o200k vocabulary from ``TIKTOKEN_ENCODINGS_BASE`` and would
download it otherwise. :func:`encodings_dir` makes it offline: unless that variable already
names a folder holding ``o200k_base.tiktoken``, the file is rebuilt from quicktok's o200k
vocabulary into the model cache (``<cache>/tiktoken``), its SHA-256 checked against the hash
OpenAI publishes (the one tiktoken checks), and the variable set to that folder.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any

from ftbuilder.core.errors import FtbError
from ftbuilder.core.types import Conversation, Message
from ftbuilder.formats.base import fail, require_dict, split_system

O200K_FILE = "o200k_base.tiktoken"
O200K_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"
O200K_BASE_TOKENS = 199_998
INSTRUCTIONS = "# Instructions\n\n"
START = "<|start|>"
_TURN = re.compile(r"<\|start\|>(.*?)<\|message\|>(.*?)(?:<\|end\|>|<\|return\|>|<\|call\|>)",
                   re.DOTALL)
_lock = threading.Lock()
_encoding: Any = None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def encodings_dir() -> Path:
    """A folder holding a hash-checked ``o200k_base.tiktoken`` (built once, then reused).

    Raises:
        FtbError: the rebuilt file does not have OpenAI's hash (never a silent stand-in).
    """
    given = os.environ.get("TIKTOKEN_ENCODINGS_BASE")
    if given and (Path(given) / O200K_FILE).is_file():
        return Path(given)
    from ftbuilder.backends.embedded import cache_dir

    folder = cache_dir() / "tiktoken"
    path = folder / O200K_FILE
    if not path.is_file() or _sha256(path) != O200K_SHA256:
        from ftbuilder.tokens.reference import rank_file_bytes

        data = rank_file_bytes("o200k_base", O200K_BASE_TOKENS)
        digest = hashlib.sha256(data).hexdigest()
        if digest != O200K_SHA256:
            raise FtbError(f"the o200k vocabulary rebuilt from quicktok has sha256 {digest}, "
                           f"not OpenAI's {O200K_SHA256}",
                           "reinstall quicktok-v1, or set TIKTOKEN_ENCODINGS_BASE to a folder "
                           "holding OpenAI's o200k_base.tiktoken")
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{O200K_FILE}.{os.getpid()}.tmp"
        tmp.write_bytes(data)
        os.replace(tmp, path)
    os.environ["TIKTOKEN_ENCODINGS_BASE"] = str(folder)
    return folder


def encoding() -> Any:
    """The gpt-oss Harmony encoding of ``openai-harmony`` (loaded once, offline)."""
    global _encoding
    with _lock:
        if _encoding is None:
            encodings_dir()
            import openai_harmony as h

            _encoding = h.load_harmony_encoding(h.HarmonyEncodingName.HARMONY_GPT_OSS)
        return _encoding


def harmony_messages(conv: Conversation) -> list[Any]:
    """The conversation as ``openai_harmony.Message`` objects (FormatError if it cannot be)."""
    import openai_harmony as h

    system, rest = split_system(conv)
    out = [h.Message.from_role_and_content(h.Role.SYSTEM, h.SystemContent.new())]
    if system is not None:
        out.append(h.Message.from_role_and_content(
            h.Role.DEVELOPER, h.DeveloperContent.new().with_instructions(system)))
    for i, m in enumerate(rest, 1):
        if m.extra.get("tool_calls") or m.extra.get("function_call"):
            raise fail(f"message {i} has tool calls, which Harmony text from ftb cannot hold")
        if m.role == "user":
            out.append(h.Message.from_role_and_content(h.Role.USER, m.content))
        elif m.role == "assistant":
            out.append(h.Message.from_role_and_content(h.Role.ASSISTANT, m.content)
                       .with_channel("final"))
        else:
            raise fail(f"message {i} has role '{m.role}', which the Harmony format cannot hold",
                       "Harmony takes: system, user, assistant")
    if not rest or rest[-1].role != "assistant":
        raise fail("a Harmony training example ends with an assistant message")
    return out


def render(conv: Conversation) -> str:
    import openai_harmony as h

    enc = encoding()
    tokens = enc.render_conversation_for_training(
        h.Conversation.from_messages(harmony_messages(conv)))
    return enc.decode_utf8(tokens)


def to_record(conv: Conversation) -> dict[str, Any]:
    return {"text": render(conv)}


def parse(text: str) -> list[Message]:
    """Messages of Harmony text: the system message (model identity, channels) is dropped, the
    developer's instructions become the system prompt, the assistant's ``analysis`` channel
    (reasoning) is dropped, its other channels are the answer."""
    msgs = []
    for header, content in _TURN.findall(text):
        role, _, channel = header.partition("<|channel|>")
        role = role.split(" ", 1)[0]
        channel = channel.split(" ", 1)[0].split("<|", 1)[0]
        if role == "system":
            continue
        if role == "developer":
            msgs.append(Message("system", content.removeprefix(INSTRUCTIONS)))
        elif role == "user":
            msgs.append(Message("user", content))
        elif role == "assistant":
            if channel != "analysis":
                msgs.append(Message("assistant", content))
        else:
            raise fail(f"'text' has a Harmony turn from '{role}', which ftb does not read")
    if not msgs:
        raise fail("'text' holds no complete <|start|>...<|message|>...<|end|> turn")
    return msgs


def from_record(obj: Any) -> Conversation:
    obj = require_dict(obj)
    if not isinstance(obj.get("text"), str):
        raise fail("a Harmony record needs a rendered 'text'")
    return Conversation(parse(obj["text"]))


def matches(obj: dict[str, Any]) -> bool:
    return isinstance(obj.get("text"), str) and obj["text"].startswith(START)
