"""Where the corpus stages run: this process (``local``) or a Ray cluster (``ray``,
``--engine ray [--ray-address ADDR]``; a local Ray when no address is given). See
docs/scale.md.

An engine maps a pure function over batches of items and gives the results back in the
items' order, so a stage run on Ray writes exactly what the local engine writes: reading
files (ingest), finding conversations (identify), the content rules of ``ftb filter`` and
the MinHash signatures of ``ftb dedup`` are such functions; what depends on order (the
store, the flags and counts, the LSH banding and the clusters) stays in this process. Ray
is an optional extra: ``pip install 'ftbuilder[scale]'``.
"""

from __future__ import annotations

import logging
import pickle
import warnings
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
                                      "ignore_reinit_error": True,
                                      # Ray's own notices (token auth, progress bars)
                                      # are not the user's business: errors only
                                      "logging_level": logging.ERROR}
            if address:
                kwargs["address"] = address
            elif num_cpus:
                kwargs["num_cpus"] = num_cpus
            try:
                with warnings.catch_warnings():  # Ray Client's timeout warning: said below
                    warnings.simplefilter("ignore")
                    ray.init(**kwargs)
            except (ConnectionError, RuntimeError, ValueError) as e:
                raise FtbError(f"cannot start or reach Ray ({e})",
                               "check --ray-address (e.g. ray://HOST:10001), or omit it for "
                               "a local Ray") from None
        self._ray = ray
        import ray.data

        logging.getLogger("ray.data").setLevel(logging.ERROR)
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False  # our own progress lines, not Ray's

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


def resolve_engine(settings: Any, engine: str | None = None, address: str | None = None
                   ) -> tuple[str, str | None]:
    """The engine and Ray address a run uses: the ones given (CLI flags), else
    ``system.engine`` and ``system.ray_address`` of config.yaml (what the app's runs use)."""
    system = settings.config.system
    return engine or system.engine, address or system.ray_address or None


def make_engine(name: str = "local", address: str | None = None,
                num_cpus: int | None = None) -> LocalEngine | RayEngine:
    """The engine called ``name``.

    Raises:
        UsageError, FtbError: as :func:`check_engine`; FtbError when Ray cannot start.
    """
    check_engine(name, address)
    return RayEngine(address, num_cpus) if name == "ray" else LocalEngine()


# --- the corpus stages as batch functions (pure: same input, same output, any engine) -------
def read_documents(engine: LocalEngine | RayEngine, paths: Sequence[str], limits: Any
                   ) -> dict[str, Any]:
    """Ingest's reading: path -> Document (or the IngestError) for each file, read on
    ``engine``; services.ingest keeps the checks, the hashes and the store."""
    from ftbuilder.core.errors import IngestError
    from ftbuilder.ingest import read_document

    def batch(items: list[str]) -> list[Any]:
        out: list[Any] = []
        for p in items:
            try:
                out.append(read_document(p, limits))
            except IngestError as e:
                out.append(e)
            except OSError as e:
                out.append(IngestError(f"cannot read: {e.strerror or e}",
                                       "check the file's permissions"))
        return out

    return dict(zip(paths, engine.map_batches(batch, list(paths), batch_size=4), strict=True))


def identify_all(engine: LocalEngine | RayEngine, documents: Sequence[Any], opts: Any
                 ) -> list[list[Any]]:
    """Identify's extraction: the conversations of each document, in document order."""
    from ftbuilder.extract.identify import identify_document

    def batch(items: list[Any]) -> list[Any]:
        return [identify_document(d, opts) for d in items]

    return engine.map_batches(batch, list(documents), batch_size=256)


def filter_findings(engine: LocalEngine | RayEngine, convs: Sequence[Any], rules: list[str],
                    opts: Any) -> list[dict[str, str]]:
    """``ftb filter``'s content rules over each conversation on ``engine``: rule -> reason
    of each rule it fails, in order (:func:`ftbuilder.quality.filters.runner.findings`);
    services.curate sets the flags and counts from them, as without an engine."""
    from ftbuilder.quality.filters.runner import findings

    def batch(items: list[Any]) -> list[Any]:
        return [findings(c, rules, opts) for c in items]

    return engine.map_batches(batch, list(convs), batch_size=500)


def signer(engine: LocalEngine | RayEngine, threshold: float, shingle: int
           ) -> Callable[[list[str]], Any]:
    """``ftb dedup``'s MinHash signatures on ``engine``: a function texts -> the uint32
    matrix :func:`ftbuilder.quality.clusters.signature_matrix` gives (the LSH banding and
    the clusters stay in this process, :func:`ftbuilder.quality.clusters.cluster`)."""
    import numpy as np

    from ftbuilder.quality.clusters import signature_matrix

    def batch(items: list[str]) -> list[Any]:
        return list(signature_matrix(items, threshold, shingle))

    def sign(texts: list[str]) -> Any:
        return np.stack(engine.map_batches(batch, texts, batch_size=2000))

    return sign
