"""Free mode: conversations following the user's own instruction.

The instruction is ``prompts/free_mode/prompt.txt``, read at every run (edit it and run
again: the new text is used, and since it is part of the work-item keys and of the
requests, nothing made with the old text is taken for done). When the file is missing or
empty, or ``agent.free.use_prompt_file`` is false, the face asks the user: pass ``ask`` (the
CLI's questionary prompt, the TUI's dialog), or catch :class:`FreeInstructionMissing`.
The requested size counts the samples made with this instruction.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ftbuilder.agents.create import Generator, create_generator
from ftbuilder.backends.base import LLMClient
from ftbuilder.config import Settings
from ftbuilder.core.errors import UsageError

FREE_PROMPT = Path("free_mode") / "prompt.txt"


class FreeInstructionMissing(UsageError):
    """Free mode has no instruction: the faces catch this to ask the user for one."""


def free_prompt_path(settings: Settings) -> Path:
    return settings.prompts_dir / FREE_PROMPT


def read_free_prompt(settings: Settings) -> str | None:
    """The instruction in prompts/free_mode/prompt.txt, or None if missing, empty or unused."""
    if not settings.config.agent.free.use_prompt_file:
        return None
    try:
        text = free_prompt_path(settings).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return text or None


def free_instruction(settings: Settings, ask: Callable[[], str | None] | None = None) -> str:
    """The free-mode instruction: the prompt file, else what ``ask()`` returns.

    Raises:
        FreeInstructionMissing: no usable file and no ``ask`` (or ``ask`` gave nothing);
            the message names the file to write.
    """
    text = read_free_prompt(settings)
    if text:
        return text
    path = free_prompt_path(settings)
    if ask is not None:
        answer = (ask() or "").strip()
        if answer:
            return answer
        raise FreeInstructionMissing("no free-mode instruction given",
                                     f"type one, or write it into {path}")
    why = ("agent.free.use_prompt_file is false" if not settings.config.agent.free.use_prompt_file
           else f"{path} is missing or empty")
    raise FreeInstructionMissing(f"free mode needs an instruction and {why}",
                                 f"write the instruction into {path}")


def free_generator(settings: Settings, client: LLMClient, instruction: str) -> Generator:
    """The generator of free mode: create's machinery with the user's instruction."""
    return create_generator(settings, client, mode="free", instruction=instruction)
