"""Where the corpus stages run: this process (``local``) or a Ray cluster (``ray``,
``--engine ray [--ray-address ADDR]``; a local Ray when no address is given). See
docs/scale.md.

An engine maps a pure function over batches of items and gives the results back in the
items' order, so a stage run on Ray writes exactly what the local engine writes: reading
files (ingest), finding conversations (identify), the quality rules and the MinHash
signatures of near-duplicate detection are such functions; what depends on order (the
store, the LSH index) stays in this process. Ray is an optional extra:
``pip install 'ftbuilder[scale]'``.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ftbuilder.core.errors import FtbError, UsageError

ENGINES = ("local", "ray")
INSTALL_HINT = "install the scale extra: pip install 'ftbuilder[scale]' (or pip install ray)"
T = TypeVar("T")
R = TypeVar("R")


def check_engine(engine: str, address: str | None = None) -> None:
    """Raises UsageError for an unknown engine, FtbError (with the install line) when Ray is
    asked for and not installed."""
    if engine not in ENGINES:
        raise UsageError(f"unknown engine '{engine}'", "use one of: " + ", ".join(ENGINES))
    if engine == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise FtbError("--engine ray needs Ray, which is not installed",
                           INSTALL_HINT) from None
    elif address:
        raise UsageError("--ray-address goes with --engine ray", "add --engine ray")


class LocalEngine:
    """This process, one batch after another."""

    name = "local"

    def map_batches(self, fn: Callable[[list[T]], list[R]], items: Sequence[T],
                    batch_size: int = 256) -> list[R]:
        out: list[R] = []
        for i in range(0, len(items), batch_size):
            out.extend(fn(list(items[i:i + batch_size])))
        return out

    def close(self) -> None:
        pass


def _apply(fn: Callable[[list[Any]], list[Any]]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A Ray Data batch function: unpickles the items, applies ``fn``, pickles the results
    (any Python object travels, whatever Arrow can hold)."""
    import numpy as np

    def run(batch: dict[str, Any]) -> dict[str, Any]:
        items = [pickle.loads(b) for b in batch["b"]]
        results = fn(items)
        if len(results) != len(items):
            raise RuntimeError("a batch function must return one result per item")
        return {"i": batch["i"],
                "b": np.array([pickle.dumps(r) for r in results], dtype=object)}

    return run


class RayEngine:
    """Ray Data: ``from_items`` -> ``map_batches`` -> results sorted back into order.

    Args:
        address: a running cluster ("ray://host:10001", "auto"); None starts a local Ray.
        num_cpus: CPUs of a local Ray (None: all).
    """

    name = "ray"

    def __init__(self, address: str | None = None, num_cpus: int | None = None) -> None:
        check_engine("ray")
        import ray

        self._started = not ray.is_initialized()
        if self._started:
            kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                      "ignore_reinit_error": True}
            if address:
                kwargs["address"] = address
            elif num_cpus:
                kwargs["num_cpus"] = num_cpus
            try:
                ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise FtbError(f"cannot start or reach Ray ({e})",
                               "check --ray-address (e.g. ray://HOST:10001), or omit it for "
                               "a local Ray") from None
        self._ray = ray

    def map_batches(self, fn: Callable[[list[T]], list[R]], items: Sequence[T],
                    batch_size: int = 256) -> list[R]:
        if not items:
            return []
        import ray.data

        rows = [{"i": i, "b": pickle.dumps(x)} for i, x in enumerate(items)]
        ds = ray.data.from_items(rows, override_num_blocks=max(1, len(rows) // batch_size))
        done = ds.map_batches(_apply(fn), batch_size=batch_size, batch_format="numpy")
        out = sorted(done.take_all(), key=lambda r: int(r["i"]))
        return [pickle.loads(r["b"]) for r in out]

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()


def make_engine(name: str = "local", address: str | None = None,
                num_cpus: int | None = None) -> LocalEngine | RayEngine:
    """The engine called ``name``.

    Raises:
        UsageError, FtbError: as :func:`check_engine`; FtbError when Ray cannot start.
    """
    check_engine(name, address)
    return RayEngine(address, num_cpus) if name == "ray" else LocalEngine()
