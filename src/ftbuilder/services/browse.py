"""Read-only queries over the store for browsing faces (the TUI review table, home, charts).

Also the small project-file helpers the settings screen needs (config.yaml text, prompt files),
so that no face reads or writes files itself. Nothing here changes samples.

The review table pages through a filtered list of sample ids: :func:`sample_ids` runs the filter
once (ids only, cheap even at 100,000 rows) and :func:`rows_for_ids` fetches the few rows a
screen shows. Random access stays O(page) wherever the cursor is.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from ftbuilder.config import FileConfig, parse_config
from ftbuilder.core.errors import ConfigError, NotFoundError, UsageError
from ftbuilder.core.progress import CancelToken, ProgressFn
from ftbuilder.core.types import DatasetInfo
from ftbuilder.services.context import AppContext

# The first user-facing message (skipping a system prompt) as a short preview, in SQL so that
# a page of rows never parses whole conversations in Python.
_PREVIEW = ("substr(replace(CASE WHEN json_extract(messages, '$[0].role') = 'system' "
            "THEN json_extract(messages, '$[1].content') "
            "ELSE json_extract(messages, '$[0].content') END, char(10), ' '), 1, 160)")
_ROW_COLS = (f"id, {_PREVIEW}, token_count, topic_keywords, source_file, location, split, "
             "json_array_length(messages), json_extract(meta, '$.flags'), "
             "json_extract(meta, '$.origin')")


@dataclass(slots=True)
class SampleFilter:
    """What the review table shows. Empty fields do not filter.

    ``split`` is a split name, or ``"none"`` for samples not assigned yet.
    ``flag`` matches one entry of ``meta.flags``, or ``"no_tokens"`` (token count unknown).
    """

    source: str = ""
    keyword: str = ""
    split: str = ""
    min_tokens: int | None = None
    max_tokens: int | None = None
    flag: str = ""

    def sql(self) -> tuple[str, list[Any]]:
        """An SQL fragment over fixed column names, with its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        if self.source:
            parts.append("source_file = ?")
            args.append(self.source)
        if self.keyword:
            parts.append("(messages LIKE ? ESCAPE '\\' OR topic_keywords LIKE ? ESCAPE '\\')")
            pat = "%" + self.keyword.replace("\\", "\\\\").replace("%", "\\%").replace(
                "_", "\\_") + "%"
            args += [pat, pat]
        if self.split == "none":
            parts.append("split IS NULL")
        elif self.split:
            parts.append("split = ?")
            args.append(self.split)
        if self.min_tokens is not None:
            parts.append("token_count >= ?")
            args.append(self.min_tokens)
        if self.max_tokens is not None:
            parts.append("token_count <= ?")
            args.append(self.max_tokens)
        if self.flag == "no_tokens":
            parts.append("token_count IS NULL")
        elif self.flag:
            parts.append("EXISTS (SELECT 1 FROM json_each(samples.meta, '$.flags') "
                         "WHERE json_each.value = ?)")
            args.append(self.flag)
        return " AND ".join(parts), args


@dataclass(slots=True)
class SampleRow:
    """One line of the review table."""

    id: int
    preview: str
    tokens: int | None
    keywords: list[str]
    source: str
    location: str
    split: str
    messages: int
    flags: list[str]
    origin: str = ""  # found (identify, import) or written (generated) by an LLM

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _dataset(ctx: AppContext, name: str) -> DatasetInfo:
    return ctx.store.get_dataset(name)


def list_datasets(ctx: AppContext) -> list[DatasetInfo]:
    """Every dataset of the store, newest first."""
    return ctx.store.list_datasets()


def list_runs(ctx: AppContext, limit: int = 20) -> list[dict[str, Any]]:
    """The most recent runs (id, dataset, kind, status, started_at, finished_at, stats, error)."""
    return ctx.store.list_runs(limit)


UNFINISHED = ("running", "cancelled", "interrupted", "failed")


def interrupted_runs(ctx: AppContext, limit: int = 50) -> list[dict[str, Any]]:
    """Datasets whose latest run did not finish (killed, cancelled or failed): that run, one
    per dataset, newest first. A run followed by another of its dataset (a resume) is not
    listed."""
    seen: set[str | None] = set()
    out = []
    for r in ctx.store.list_runs(limit):
        if r["dataset"] in seen:
            continue
        seen.add(r["dataset"])
        if r["status"] in UNFINISHED:
            out.append(r)
    return out


@dataclass(slots=True)
class WriterStatus:
    """The model that writes create/hybrid/free samples (system.agentic_llm, agentic_model,
    base_url): ``text`` says which (providers.factory.describe_agent), ``ready`` is False when
    its key is missing, ``embedded`` when it is the shipped local model."""

    text: str
    ready: bool
    embedded: bool


def writer_status(ctx: AppContext) -> WriterStatus:
    """Which model writes samples, and whether it can run (see :class:`WriterStatus`)."""
    from ftbuilder.core.errors import FtbError
    from ftbuilder.providers.factory import describe_agent, resolve_agent

    s = ctx.settings
    text = describe_agent(s).removeprefix("agent: ")
    try:
        c = resolve_agent(s)
    except FtbError:
        return WriterStatus(text, False, False)
    return WriterStatus(text, c.in_process or bool(c.base_url) or s.has_key(c.provider),
                        c.embedded)


def resume_build(ctx: AppContext, name: str, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None):  # -> BuildResult
    """Finish dataset ``name``'s interrupted build (cancelled, killed or failed).

    LLM modes: services.build.retry (failed items run again, then the same build continues
    until the dataset has the size asked; work done is not repeated). Identify: the same
    build again (conversations already in the dataset are dropped as duplicates).

    Returns:
        BuildResult of the run.

    Raises:
        NotFoundError: no dataset of that name, or no build of it to resume.
        Cancelled, ProviderError, FtbError: as for a build; work done before is kept.
    """
    from ftbuilder.services.build import build, last_build, retry

    req = last_build(ctx, name)
    if req is None:
        raise NotFoundError(f"dataset '{name}' has no build to resume",
                            "start one from Generate (g)")
    if _dataset(ctx, name).config.get("generation"):
        return retry(ctx, name, progress, cancel)
    return build(ctx, req, progress, cancel)


def sample_ids(ctx: AppContext, name: str, filters: SampleFilter | None = None) -> list[int]:
    """Ids of the dataset's samples matching ``filters``, in id order.

    Raises:
        NotFoundError: no dataset of that name.
    """
    ds = _dataset(ctx, name)
    where, args = (filters or SampleFilter()).sql()
    q = "SELECT id FROM samples WHERE dataset_id = ?" + (f" AND {where}" if where else "")
    return [r[0] for r in ctx.store.db.execute(q + " ORDER BY id", (ds.id, *args))]


def rows_for_ids(ctx: AppContext, ids: list[int]) -> list[SampleRow]:
    """Table rows of these sample ids, in the order given (missing ids are left out)."""
    out: dict[int, SampleRow] = {}
    for i in range(0, len(ids), 500):
        part = ids[i:i + 500]
        q = f"SELECT {_ROW_COLS} FROM samples WHERE id IN ({','.join('?' * len(part))})"
        for r in ctx.store.db.execute(q, part):
            out[r[0]] = SampleRow(
                id=r[0], preview=r[1] or "", tokens=r[2], keywords=json.loads(r[3] or "[]"),
                source=r[4] or "", location=r[5] or "", split=r[6] or "", messages=r[7] or 0,
                flags=json.loads(r[8]) if r[8] else [], origin=r[9] or "")
    return [out[i] for i in ids if i in out]


def sample_page(ctx: AppContext, name: str, offset: int = 0, limit: int = 100,
                filters: SampleFilter | None = None) -> list[SampleRow]:
    """``limit`` rows from ``offset`` of the filtered dataset (for callers without an id list)."""
    ds = _dataset(ctx, name)
    where, args = (filters or SampleFilter()).sql()
    q = "SELECT id FROM samples WHERE dataset_id = ?" + (f" AND {where}" if where else "")
    ids = [r[0] for r in ctx.store.db.execute(q + " ORDER BY id LIMIT ? OFFSET ?",
                                              (ds.id, *args, limit, offset))]
    return rows_for_ids(ctx, ids)


def sources(ctx: AppContext, name: str) -> list[tuple[str, int]]:
    """(source file, samples) of a dataset, most samples first."""
    ds = _dataset(ctx, name)
    rows = ctx.store.db.execute(
        "SELECT COALESCE(source_file, ''), COUNT(*) FROM samples WHERE dataset_id = ? "
        "GROUP BY source_file ORDER BY COUNT(*) DESC, source_file", (ds.id,)).fetchall()
    return [(r[0], r[1]) for r in rows]


def flags(ctx: AppContext, name: str) -> list[tuple[str, int]]:
    """(flag, samples) over ``meta.flags`` of a dataset, plus ``no_tokens`` when any."""
    ds = _dataset(ctx, name)
    rows = ctx.store.db.execute(
        "SELECT json_each.value, COUNT(*) FROM samples, json_each(samples.meta, '$.flags') "
        "WHERE samples.dataset_id = ? GROUP BY json_each.value ORDER BY 2 DESC", (ds.id,)
    ).fetchall()
    out = [(str(r[0]), r[1]) for r in rows]
    missing = ctx.store.db.execute("SELECT COUNT(*) FROM samples WHERE dataset_id = ? AND "
                                   "token_count IS NULL", (ds.id,)).fetchone()[0]
    if missing:
        out.append(("no_tokens", missing))
    return out


def token_lengths(ctx: AppContext, name: str) -> dict[str, list[int]]:
    """Token counts of a dataset's samples grouped by split ("" = not assigned)."""
    ds = _dataset(ctx, name)
    out: dict[str, list[int]] = defaultdict(list)
    for split, tokens in ctx.store.db.execute(
            "SELECT split, token_count FROM samples WHERE dataset_id = ? AND token_count IS NOT "
            "NULL", (ds.id,)):
        out[split or ""].append(tokens)
    return dict(out)


def sample_groups(ctx: AppContext, name: str) -> dict[int, tuple[str, int | None]]:
    """sample id -> (source file, token count): lets a split preview chart unsaved plans."""
    ds = _dataset(ctx, name)
    return {r[0]: (r[1] or "", r[2]) for r in ctx.store.db.execute(
        "SELECT id, source_file, token_count FROM samples WHERE dataset_id = ?", (ds.id,))}


def histogram(values: list[int], bins: int = 12, lo: int | None = None,
              hi: int | None = None) -> tuple[list[int], list[tuple[int, int]]]:
    """Counts of ``values`` in ``bins`` equal-width bins; returns (counts, [(start, end)]).

    Values below ``lo`` or above ``hi`` fall in the first or last bin (outliers stay counted).
    """
    if not values:
        return [0] * bins, [(0, 0)] * bins
    lo = min(values) if lo is None else lo
    hi = max(values) if hi is None else hi
    width = max(1, -(-(hi - lo + 1) // bins))
    counts = Counter(max(0, min((v - lo) // width, bins - 1)) for v in values)
    edges = [(lo + i * width, lo + (i + 1) * width - 1) for i in range(bins)]
    return [counts.get(i, 0) for i in range(bins)], edges


# --- project files ---------------------------------------------------------------------------
def config_text(ctx: AppContext) -> str:
    """The text of config.yaml, or the current settings as YAML when there is no file yet."""
    path = ctx.settings.config_path or ctx.settings.root / "config.yaml"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return yaml.safe_dump(ctx.settings.config.model_dump(), sort_keys=False)


def check_config_text(text: str) -> FileConfig:
    """Parse and validate config.yaml text.

    Raises:
        ConfigError: not YAML, or a key/value that is not allowed (named in the message).
    """
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config.yaml is not valid YAML{where}",
                          "fix the indentation or quoting there") from None
    return parse_config(data, "config.yaml")


def save_config_text(ctx: AppContext, text: str) -> FileConfig:
    """Validate ``text`` and write it as config.yaml (the user's layout and comments kept).

    Raises:
        ConfigError: as :func:`check_config_text`; nothing is written then.
    """
    config = check_config_text(text)
    path = ctx.settings.config_path or ctx.settings.root / "config.yaml"
    path.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    ctx.settings.config = config
    ctx.settings.config_path = path
    return config


FREE_PROMPT = Path("free_mode") / "prompt.txt"


def prompt_files(ctx: AppContext) -> list[str]:
    """Editable prompt files, relative to prompts/: the free-mode prompt, then system prompts."""
    base = ctx.settings.prompts_dir
    found = [str(FREE_PROMPT)]
    system = base / "system"
    if system.is_dir():
        found += sorted(str(p.relative_to(base)) for p in system.rglob("*")
                        if p.is_file() and p.suffix in (".txt", ".md"))
    return found


def _prompt_path(ctx: AppContext, rel: str) -> Path:
    base = ctx.settings.prompts_dir.resolve()
    path = (base / rel).resolve()
    if base not in path.parents:
        raise UsageError(f"{rel} is not inside prompts/", "pick one of the listed prompt files")
    return path


def read_prompt(ctx: AppContext, rel: str) -> str:
    """Text of a prompt file under prompts/ ("" when it does not exist yet)."""
    path = _prompt_path(ctx, rel)
    return path.read_text(encoding="utf-8") if path.is_file() else ""


def write_prompt(ctx: AppContext, rel: str, text: str) -> Path:
    """Write a prompt file under prompts/ (folders created). Returns its path.

    Raises:
        UsageError: ``rel`` points outside prompts/.
    """
    path = _prompt_path(ctx, rel)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def get_sample(ctx: AppContext, sample_id: int):  # -> Conversation
    """One whole sample (all messages and metadata).

    Raises:
        NotFoundError: no sample with that id.
    """
    return ctx.store.get_sample(sample_id)


def dataset_or_none(ctx: AppContext, name: str) -> DatasetInfo | None:
    """The dataset of that name, or None."""
    try:
        return _dataset(ctx, name)
    except NotFoundError:
        return None


# --- target limits -----------------------------------------------------------------------------
@dataclass(slots=True)
class SizeCheck:
    """A requested dataset size checked against the target: ``size`` is what will be made."""

    requested: int
    size: int
    reasons: list[str]
    warnings: list[str]


def check_size(provider: str, model: str, size: int, ratio: float = 1.0,
               split_enabled: bool = False) -> SizeCheck:
    """Cap ``size`` to what the target model accepts and say why (registry limits).

    Training examples are ``size * ratio`` when splits are on. Unverified limits still cap
    (the safe side) but the reason says UNVERIFIED.

    Raises:
        NotFoundError: the model is not in the registry for that provider.
    """
    from ftbuilder.targets.registry import get_model

    spec = get_model(provider, model)
    share = ratio if split_enabled else 1.0
    capped, reasons, warnings = size, [], []

    def tag(field: str) -> str:
        return "" if spec.is_verified(field) else " (UNVERIFIED)"

    if spec.max_examples and size * share > spec.max_examples:
        capped = int(spec.max_examples / share)
        reasons.append(f"{provider} {spec.id} accepts at most {spec.max_examples:,} training "
                       f"examples{tag('max_examples')}")
    if split_enabled and spec.max_validation_examples and \
            capped * (1 - ratio) > spec.max_validation_examples:
        warnings.append(f"validation share over {spec.max_validation_examples:,} examples"
                        f"{tag('max_validation_examples')}: extra ones go to training")
    train = capped
    if split_enabled:  # the real split's train count (formats/splitting.py), not size * ratio
        from ftbuilder.formats.splitting import sizes

        train = sizes(capped, ratio)[0]
    if spec.min_examples and train < spec.min_examples:
        warnings.append(f"{spec.id} needs at least {spec.min_examples} training examples"
                        f"{tag('min_examples')}")
    return SizeCheck(size, capped, reasons, warnings)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        if isinstance(v, dict):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _edit_lines(text: str, changes: dict[str, Any]) -> str | None:
    """Replace the values of ``changes`` (dotted keys) in block-style YAML, comments kept.

    Returns None when a key is not found on a line of its own (the caller rewrites the file).
    """
    import re

    lines = text.splitlines()
    stack: list[tuple[int, str]] = []
    found: dict[str, int] = {}
    pat = re.compile(r"^(\s*)([A-Za-z_][\w-]*):(\s*)(.*)$")
    for i, line in enumerate(lines):
        m = pat.match(line)
        if not m or line.lstrip().startswith("#"):
            continue
        indent = len(m.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = ".".join([k for _, k in stack] + [m.group(2)])
        stack.append((indent, m.group(2)))
        if key in changes:
            found[key] = i
    if set(changes) - set(found):
        return None
    for key, i in found.items():
        m = pat.match(lines[i])
        assert m is not None
        rest = m.group(4)
        end = len(rest)
        if rest[:1] in ("'", '"'):
            close = rest.find(rest[0], 1)
            end = close + 1 if close > 0 else end
        quoted = rest[:1] in ("'", '"')
        c = re.search(r"\s+#.*$", rest[end:] if quoted else rest)
        comment = (rest[end:] if quoted else c.group(0)) if c else ""
        value = yaml.safe_dump(changes[key], default_flow_style=True, width=10_000).strip()
        value = value.removesuffix("...").strip()
        if comment:  # keep the comment in its column when the value fits
            text = comment.lstrip()
            value = value.ljust(len(rest) - len(text) - 1)
            comment = " " + text
        lines[i] = f"{m.group(1)}{m.group(2)}: {value}{comment}".rstrip()
    return "\n".join(lines) + "\n"


def save_config_keeping_comments(ctx: AppContext, config: FileConfig) -> Path:
    """Write ``config`` to config.yaml, changing only the values that differ (comments kept).

    Falls back to a plain rewrite when the file's layout cannot be edited line by line.
    Returns the path written.

    Raises:
        ConfigError: ``config`` is not valid (nothing is written).
    """
    from ftbuilder.config import save_config

    path = ctx.settings.config_path or ctx.settings.root / "config.yaml"
    parse_config(config.model_dump(), "config")
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        try:
            old = _flatten(check_config_text(text).model_dump())
        except ConfigError:
            old = {}
        new = _flatten(config.model_dump())
        changes = {k: v for k, v in new.items() if old.get(k) != v}
        edited = _edit_lines(text, changes) if old else None
        if edited is not None and _flatten(check_config_text(edited).model_dump()) == new:
            path.write_text(edited, encoding="utf-8")
            ctx.settings.config = config
            return path
    save_config(ctx.settings, config)
    return path


def target_format(ctx: AppContext, name: str) -> str:
    """The export format of a dataset's target provider (what "target" exports as)."""
    from ftbuilder.formats import PROVIDER_FORMATS

    provider = _dataset(ctx, name).provider
    return PROVIDER_FORMATS.get(provider, provider)
