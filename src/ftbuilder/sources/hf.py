"""Hugging Face datasets as a source: ``hf:OWNER/NAME[:CONFIG][@SPLIT]`` through the
``datasets`` library, streamed (rows arrive in batches; nothing is held whole in memory).

Before asking the library, the Hub's host is tried with a short TCP connect (3 s): without
network the library would retry for minutes. When the Hub cannot be reached, the dataset is
read from the local cache in offline mode if it is there, else the import stops with one
line saying the Hub cannot be reached.
"""

from __future__ import annotations

import os
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from ftbuilder.core.errors import FtbError, NotFoundError, UsageError
from ftbuilder.sources.columnar import BATCH_ROWS, HF_PREFIX, TableSource

_ID_RE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)(?::(?P<config>[^@]+))?(?:@(?P<split>.+))?$")
PROBE_SECONDS = 3.0


@dataclass(slots=True, frozen=True)
class HubId:
    repo: str
    config: str | None
    split: str

    def __str__(self) -> str:
        return (f"{HF_PREFIX}{self.repo}" + (f":{self.config}" if self.config else "")
                + f"@{self.split}")


def parse_id(text: str) -> HubId:
    """``hf:OWNER/NAME[:CONFIG][@SPLIT]`` (split default: train).

    Raises:
        UsageError: not of that form.
    """
    m = _ID_RE.match(text.removeprefix(HF_PREFIX).strip())
    if not m:
        raise UsageError(f"'{text}' is not a Hugging Face dataset id",
                         "write hf:OWNER/NAME, hf:OWNER/NAME:CONFIG or hf:OWNER/NAME@SPLIT")
    return HubId(m["repo"], m["config"] or None, m["split"] or "train")


def endpoint() -> str:
    return os.environ.get("HF_ENDPOINT") or "https://huggingface.co"


def hub_reachable(url: str | None = None, timeout: float = PROBE_SECONDS) -> bool:
    """True when a TCP connection to the Hub's host opens within ``timeout`` seconds (name
    resolution included: it runs in a thread that is not waited for past the timeout)."""
    if os.environ.get("HF_HUB_OFFLINE") in ("1", "true", "TRUE", "yes"):
        return False
    u = urlparse(url or endpoint())
    host, port = u.hostname or "", u.port or (443 if u.scheme == "https" else 80)
    ok: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                ok.append(True)
        except OSError:
            pass

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)
    return bool(ok)


def _go_offline() -> None:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    try:
        import datasets.config as dc
        import huggingface_hub.constants as hc

        hc.HF_HUB_OFFLINE = True
        dc.HF_HUB_OFFLINE = True
        if hasattr(dc, "HF_DATASETS_OFFLINE"):
            dc.HF_DATASETS_OFFLINE = True
    except ImportError:
        pass


def _load(hub: HubId, streaming: bool) -> Any:
    try:
        import datasets
    except ImportError:
        raise FtbError("importing from the Hugging Face Hub needs the datasets library",
                       "pip install datasets") from None
    datasets.logging.set_verbosity_error()
    datasets.disable_progress_bars()
    return datasets.load_dataset(hub.repo, hub.config, split=hub.split, streaming=streaming)


def _rows(ds: Any, batch_rows: int) -> Iterator[tuple[str, int, list[dict[str, Any]]]]:
    batch: list[dict[str, Any]] = []
    row = 1
    for item in ds:
        batch.append(dict(item))
        if len(batch) >= batch_rows:
            yield "", row, batch
            row += len(batch)
            batch = []
    if batch:
        yield "", row, batch


def open_hub(text: str, batch_rows: int = BATCH_ROWS) -> TableSource:
    """The rows of a Hub dataset split, streamed in batches.

    Raises:
        UsageError: a bad id.
        FtbError: the Hub cannot be reached and the dataset is not cached (one line).
        NotFoundError: the Hub has no such dataset, config or split.
    """
    hub = parse_id(text)
    host = urlparse(endpoint()).hostname or endpoint()
    online = hub_reachable()
    try:
        if online:
            ds = _load(hub, streaming=True)
        else:
            _go_offline()
            ds = _load(hub, streaming=False)
    except FtbError:
        raise
    except Exception as e:
        msg = " ".join(str(e).split())[:200]
        if not online:
            raise FtbError(f"cannot reach the Hugging Face Hub ({host}) and {hub.repo} is not "
                           "in the local cache", "connect to the network, or download the "
                           "dataset's Parquet files and import their folder") from None
        kind = type(e).__name__
        if "NotFound" in kind or "doesn't exist" in msg or "not found" in msg.lower():
            raise NotFoundError(f"{hub} was not found on the Hub ({msg})",
                                "check the owner/name, the config and the split") from None
        raise FtbError(f"cannot load {hub}: {kind}: {msg}",
                       "check the id, or import the dataset's files from a folder") from None
    columns = list(getattr(ds, "column_names", None) or [])
    total = None
    info = getattr(ds, "info", None)
    splits = getattr(info, "splits", None) or {}
    if hub.split in splits:
        total = getattr(splits[hub.split], "num_examples", None) or None
    return TableSource(str(hub), "hf", columns, total, _rows(ds, batch_rows), [str(hub)])
