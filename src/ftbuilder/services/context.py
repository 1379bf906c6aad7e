"""The context every service function takes: settings plus an open store."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ftbuilder.config import Settings, load_settings
from ftbuilder.store.db import Store


@dataclass
class AppContext:
    """Settings and the store, opened once per CLI call or TUI session."""

    settings: Settings
    store: Store

    def close(self) -> None:
        self.store.close()


def open_context(config_path: str | Path | None = None, db: str | Path | None = None,
                 root: Path | None = None, environ: dict[str, str] | None = None) -> AppContext:
    """Load settings and open the store (``db`` overrides FTB_DB and the default path).

    Raises:
        ConfigError: config.yaml is invalid.
        UsageError: the store file is not a usable SQLite database.
    """
    settings = load_settings(config_path, root=root, environ=environ)
    return AppContext(settings, Store(db or settings.db_path))
