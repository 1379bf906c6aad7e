"""Typed errors a user can cause. Each carries a message and a hint saying what to do.

Faces (CLI, TUI) print ``str(err)`` (message + hint) and never a traceback.
"""

from __future__ import annotations


class FtbError(Exception):
    """Base of every error the user can cause or fix.

    Attributes:
        message: what went wrong, one line.
        hint: what to do about it, one line (may be empty).
    """

    exit_code = 1

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class UsageError(FtbError):
    """Bad arguments or options; exit code 2."""

    exit_code = 2


class ConfigError(UsageError):
    """config.yaml or a setting is invalid; names the key, the value and what is allowed."""


class MissingKeyError(FtbError):
    """An API key is needed and not set; names the environment variable."""


class IngestError(FtbError):
    """A file cannot be read (corrupt, encrypted, empty, binary, too large, a zip bomb...)."""


class FormatError(FtbError):
    """A dataset file or record is not in the expected format."""


class NotFoundError(FtbError):
    """A dataset, model or file named by the user does not exist."""


class ProviderError(FtbError):
    """An LLM backend failed (HTTP error, timeout, bad output) after its retries.

    ``kind`` is a stable reason (rate_limit, server, timeout, auth, bad_output, ...) that
    callers count; ``status`` is the HTTP status when there was one.
    """

    def __init__(self, message: str, hint: str = "", kind: str = "provider_error",
                 status: int | None = None) -> None:
        super().__init__(message, hint)
        self.kind = kind
        self.status = status


class Cancelled(FtbError):
    """The user cancelled a long operation; work committed so far is kept."""


class StorageError(FtbError):
    """A file or the store could not be written or read for a reason outside ftb: the disk
    is full, the file or folder is read-only, another process holds the store's lock.

    ``kind`` is a stable reason: disk_full, read_only, locked, io.
    """

    def __init__(self, message: str, hint: str = "", kind: str = "io") -> None:
        super().__init__(message, hint)
        self.kind = kind
