"""One settings object: config.yaml + .env + environment, validated on load.

Every other module receives a :class:`Settings` (or a piece of it); none reads the
environment or config.yaml itself. Errors name the key, the value and what is allowed.
"""

from __future__ import annotations

import os
import reprlib
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from dotenv import dotenv_values
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ftbuilder.backends.registry import base_url_vars, key_vars
from ftbuilder.backends.registry import names as backend_names
from ftbuilder.core import redact as _redact
from ftbuilder.core.errors import ConfigError, MissingKeyError, NotFoundError
from ftbuilder.core.files import write_atomic
from ftbuilder.core.text import MAX_LINE, MAX_VALUE, bounded
from ftbuilder.targets.registry import providers as target_providers

# The fine-tuning targets (config `provider`) are those of targets/models.yaml; the backends
# that write samples (`system.agentic_llm`) and their key / base-URL variables are those
# registered in backends/registry.py: the one place keys are named.
PROVIDERS = target_providers()
BACKENDS = backend_names()
MODES = ("create", "identify", "hybrid", "free")
KEY_VARS = key_vars()
BASE_URL_VARS = base_url_vars()
OTHER_VARS = ("FTB_DB", "FTB_GGUF_PATH", "FTB_MODEL_CACHE")


STRATA = ("source", "keywords", "language", "origin", "category")  # split.weight_by keys
RULE_NAMES = ("grounding", "length", "truncated", "repetition", "language", "markdown",
              "mermaid", "file-refs", "pii", "prompt-example")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class SplitConfig(_Strict):
    enabled: bool = True
    ratio: float = Field(0.8, gt=0, lt=1)
    test: float = Field(0.0, ge=0, lt=1)
    strategy: Literal["random", "weighted"] = "weighted"
    # one key, or several joined by commas: source, keywords, language, origin, category
    weight_by: str = "source"
    seed: int = 42

    @model_validator(mode="after")
    def _keys_known(self) -> SplitConfig:
        keys = [k.strip() for k in self.weight_by.split(",") if k.strip()]
        bad = [k for k in keys if k not in STRATA]
        if bad or not keys:
            raise ValueError(f"split.weight_by={self.weight_by!r}: use one or more of "
                             f"{', '.join(STRATA)}, joined by commas")
        return self

    @model_validator(mode="after")
    def _test_fits(self) -> SplitConfig:
        if self.test >= 1 - self.ratio - 1e-9 and self.test > 0:
            raise ValueError(
                f"split.test={self.test} must be less than 1 - split.ratio ({1 - self.ratio:.2f})"
            )
        return self


class CreateAgent(_Strict):
    temperature: float = Field(0.7, ge=0, le=2)
    variety: Literal["low", "medium", "high"] = "high"
    chunk_tokens: int = Field(800, ge=50)
    chunk_overlap: int = Field(80, ge=0)
    max_turns: int = Field(3, ge=1)
    samples_per_call: int = Field(3, ge=1, le=20)  # conversations asked of each LLM call


class IdentifyAgent(_Strict):
    min_turns: int = Field(2, ge=2)
    include_context: bool = True
    llm_fallback: bool = False


class HybridAgent(_Strict):
    generation_ratio: float = Field(0.5, ge=0, le=1)


class FreeAgent(_Strict):
    use_prompt_file: bool = True


class AgentConfig(_Strict):
    create: CreateAgent = CreateAgent()
    identify: IdentifyAgent = IdentifyAgent()
    hybrid: HybridAgent = HybridAgent()
    free: FreeAgent = FreeAgent()


class OutputConfig(_Strict):
    format: Literal["jsonl"] = "jsonl"
    include_csv: bool = True
    include_stats: bool = True
    dir: str = "output_datasets"


def _one_of(allowed: tuple[str, ...]) -> AfterValidator:
    """A str field that must be one of ``allowed`` (read from a registry, not written here)."""
    listed = ", ".join(repr(a) for a in allowed[:-1]) + f" or {allowed[-1]!r}"

    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"Input should be {listed}")
        return value

    return AfterValidator(check)


BackendName = Annotated[str, _one_of(BACKENDS)]
TargetProvider = Annotated[str, _one_of(PROVIDERS)]


class RateLimitConfig(_Strict):
    rpm: int = Field(0, ge=0)  # requests per minute; 0 = no limit
    tpm: int = Field(0, ge=0)  # tokens (prompt + completion) per minute; 0 = no limit


class SystemConfig(_Strict):
    agentic_llm: BackendName = "llama"
    agentic_model: str = ""
    max_retries: int = Field(3, ge=0)
    timeout: float = Field(60, gt=0)
    concurrency: int = Field(4, ge=1)
    base_url: str = ""
    # a fleet of OpenAI-compatible servers for the agent (vLLM, SGLang, llama.cpp, Ollama):
    # requests spread over them, a failing one taken out and tried again later
    base_urls: list[str] = Field(default_factory=list)
    max_cost_usd: float = Field(5.0, ge=0)  # an LLM build estimated above this is asked first
    rpm: int = Field(0, ge=0)  # agent LLM requests per minute, per backend; 0 = no limit
    tpm: int = Field(0, ge=0)  # agent LLM tokens per minute, per backend; 0 = no limit
    # per-backend overrides of rpm/tpm, e.g. {openai: {rpm: 500, tpm: 200000}}
    rate_limits: dict[BackendName, RateLimitConfig] = Field(default_factory=dict)
    # where the corpus stages run (ingest, identify, ftb filter, ftb dedup): this process,
    # or Ray (the scale extra); --engine / --ray-address override (docs/scale.md)
    engine: Literal["local", "ray"] = "local"
    ray_address: str = ""  # a Ray cluster ("ray://HOST:10001"); "" = a local Ray

    @field_validator("base_urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for u in urls:
            if not isinstance(u, str) or not u.startswith(("http://", "https://")) \
                    or len(u) < 10:
                raise ValueError(f"each base URL starts with http:// or https:// (got {u!r})")
        return [u.rstrip("/") for u in urls]


class IngestConfig(_Strict):
    max_file_mb: float = Field(100, gt=0)
    max_decompressed_mb: float = Field(500, gt=0)
    max_compression_ratio: float = Field(200, gt=1)


class QualityConfig(_Strict):
    """Curation: content checks, near-duplicates, scrubbing, the judge (README: Curation)."""

    grounding: Literal["flag", "drop", "off"] = "flag"  # LLM builds: ungrounded samples
    rules: list[str] = Field(default_factory=lambda: list(RULE_NAMES))  # ftb filter default
    min_answer_chars: int = Field(2, ge=0)
    max_sample_chars: int = Field(20000, ge=1)
    repetition_ngram: int = Field(3, ge=1)
    max_repeated_share: float = Field(0.3, gt=0, le=1)
    languages: list[str] = Field(default_factory=list)  # [] = the language of the source
    dedup_threshold: float = Field(0.8, gt=0, le=1)
    dedup_shingle: int = Field(3, ge=1)
    dedup_on: Literal["user", "conversation"] = "conversation"
    build_near_threshold: float = Field(0.9, ge=0, le=1)  # LLM builds; 0 = off
    pii_region: str = Field("US", min_length=2, max_length=2)
    judge_threshold: int = Field(6, ge=1, le=10)

    @model_validator(mode="after")
    def _rules_known(self) -> QualityConfig:
        bad = [r for r in self.rules if r not in RULE_NAMES]
        if bad:
            raise ValueError(f"quality.rules: unknown {', '.join(bad)}; use any of "
                             f"{', '.join(RULE_NAMES)}")
        return self


class FileConfig(_Strict):
    """The shape of config.yaml."""

    provider: TargetProvider = "openai"
    model: str = "gpt-4o-mini-2024-07-18"
    mode: Literal["create", "identify", "hybrid", "free"] = "identify"
    dataset_size: int = Field(100, ge=1)
    output_name: str = Field("my_dataset", min_length=1)
    system_prompt: str = ""
    split: SplitConfig = SplitConfig()
    agent: AgentConfig = AgentConfig()
    output: OutputConfig = OutputConfig()
    system: SystemConfig = SystemConfig()
    ingest: IngestConfig = IngestConfig()
    quality: QualityConfig = QualityConfig()
    input_dir: str = "input_files"


_REPR = reprlib.Repr()  # a repr that stops early: no value, however nested, makes a long line
_REPR.maxlevel, _REPR.maxstring, _REPR.maxother = 3, MAX_VALUE, MAX_VALUE
_REPR.maxdict = _REPR.maxlist = _REPR.maxtuple = _REPR.maxset = 8


def _format_validation_error(err: ValidationError, source: str) -> str:
    """One line naming each bad key, its value and what is allowed, at most MAX_LINE long.

    Values are shown with a bounded repr (no value, however nested, makes a long line)."""
    parts = []
    for e in err.errors()[:10]:
        key = bounded(".".join(str(x) for x in e["loc"]) or "(top level)", MAX_VALUE)
        if e["type"] == "extra_forbidden":
            parts.append(f"unknown key '{key}'")
            continue
        value = bounded(_REPR.repr(e.get("input")), MAX_VALUE)
        allowed = e.get("ctx", {}).get("expected") or e["msg"].removeprefix("Value error, ")
        parts.append(f"'{key}' = {value}: {bounded(str(allowed), MAX_VALUE)}")
    return bounded(f"{source}: " + "; ".join(parts), MAX_LINE)


# --- reading YAML written by the user -----------------------------------------------------------
MAX_CONFIG_BYTES = 1_000_000


class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader refusing anchors and aliases: a 350-byte file of nested aliases expands to
    hundreds of megabytes (the "billion laughs"); a config file has no use for them."""

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _AliasFound(event.start_mark)
        return super().compose_node(parent, index)


class _AliasFound(Exception):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__()
        self.mark = mark


def load_yaml(text: str, source: str = "config.yaml") -> Any:
    """Parse YAML written by the user: no aliases/anchors, no more than MAX_CONFIG_BYTES.

    Raises:
        ConfigError: too big, an alias or anchor, nested too deeply, or not valid YAML.
    """
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError(f"{source} is {len(text):,} characters; a config file is at most "
                          f"{MAX_CONFIG_BYTES:,}", "keep config.yaml to the documented keys")
    loader = _NoAliasLoader(text)
    try:
        return loader.get_single_data()
    except _AliasFound as e:
        raise ConfigError(f"{source} uses YAML aliases (&/*) at line {e.mark.line + 1}, "
                          "which ftb does not accept",
                          "write each value out in full instead of &anchor / *alias") from None
    except RecursionError:
        raise ConfigError(f"{source} nests lists or mappings too deeply",
                          "a config file needs at most a few levels") from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"{source} is not valid YAML{where}",
                          "fix the indentation or quoting there") from None
    finally:
        loader.dispose()


class Settings:
    """Resolved settings: the validated file config, the project root and the secrets.

    Secrets are held apart from the config and never serialised by :meth:`public_dict`.
    """

    def __init__(self, config: FileConfig, root: Path, env: dict[str, str],
                 config_path: Path | None = None) -> None:
        self.config = config
        self.root = root
        self.config_path = config_path
        self._env = env
        _redact.register_secrets(self.secrets())  # the log filter removes them too

    # --- paths ----------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return Path(self._env.get("FTB_DB") or self.root / "memory" / "dataset_builder.db")

    @property
    def prompts_dir(self) -> Path:
        return self.root / "prompts"

    @property
    def input_dir(self) -> Path:
        return self.root / self.config.input_dir

    @property
    def output_dir(self) -> Path:
        return self.root / self.config.output.dir

    # --- secrets --------------------------------------------------------------------------
    def key_for(self, provider: str, required: bool = True) -> str | None:
        """The API key of ``provider``; raises MissingKeyError naming the variable if required."""
        var = KEY_VARS[provider]
        value = self._env.get(var) or None
        if value is None and required:
            raise MissingKeyError(
                f"no API key for {provider}",
                f"set {var} in .env or the environment, or use --agent-provider llama "
                "(the embedded local model)",
            )
        return value

    def has_key(self, provider: str) -> bool:
        return bool(self._env.get(KEY_VARS[provider]))

    def base_url_for(self, provider: str) -> str | None:
        if provider == self.config.system.agentic_llm and self.config.system.base_url:
            return self.config.system.base_url
        return self._env.get(BASE_URL_VARS[provider]) or None

    def env(self, name: str) -> str | None:
        """A non-secret setting from the environment (FTB_*)."""
        return self._env.get(name) or None

    def secrets(self) -> list[str]:
        """Every key value set (stripped), for redaction in logs and error messages."""
        return _redact.clean_secrets(v for k, v in self._env.items() if k.endswith("_API_KEY"))

    def redact(self, text: str, mark: str = _redact.MARK) -> str:
        """``text`` without any key value, whole or a 12+ character piece of one
        (:func:`ftbuilder.core.redact.redact`). Redact before cutting a text short."""
        return _redact.redact(text, self.secrets(), mark)

    def key_status(self) -> dict[str, str]:
        """Masked view of every key variable: 'set (sk-…1234)' or 'missing'."""
        out = {}
        for var in KEY_VARS.values():
            v = self._env.get(var)
            out[var] = f"set (…{v[-4:]})" if v and len(v) > 8 else ("set" if v else "missing")
        return out

    def public_dict(self) -> dict[str, Any]:
        return self.config.model_dump()

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with top-level config keys changed (validated)."""
        data = self.config.model_dump()
        data.update({k: v for k, v in changes.items() if v is not None})
        return Settings(parse_config(data, "overrides"), self.root, self._env, self.config_path)


def parse_config(data: dict[str, Any] | None, source: str = "config.yaml") -> FileConfig:
    """Validate a config mapping; raises ConfigError naming key, value and allowed values."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: the top level must be a mapping of keys to values")
    try:
        config = FileConfig.model_validate(data)
    except ValidationError as e:
        raise ConfigError(_format_validation_error(e, source),
                          "see README 'Configuration' for every key and its values") from None
    _check_target(config, "model" in data, source)
    return config


def _check_target(config: FileConfig, model_given: bool, source: str) -> None:
    """``model`` must be a registry model of ``provider``; left out, it is the provider's
    first model (so ``provider: mistral`` alone is a valid target)."""
    from ftbuilder.targets.registry import default_model, get_model, list_models

    if not model_given:
        config.model = default_model(config.provider).id
        return
    try:
        get_model(config.provider, config.model)
    except NotFoundError:
        known = ", ".join(m.id for m in list_models(config.provider))
        raise ConfigError(f"{source}: 'model' = {_REPR.repr(config.model)} is not a model of "
                          f"{config.provider}: one of {known}",
                          "list the targets with `ftb models`, or remove 'model' to use "
                          f"{config.provider}'s first one") from None


def find_root(start: Path | None = None) -> Path:
    """The project root: FTB_ROOT, else the nearest folder up with config.yaml, else cwd."""
    if os.environ.get("FTB_ROOT"):
        return Path(os.environ["FTB_ROOT"]).resolve()
    here = (start or Path.cwd()).resolve()
    for p in (here, *here.parents):
        if (p / "config.yaml").is_file():
            return p
    return here


def load_settings(config_path: str | Path | None = None, root: Path | None = None,
                  environ: dict[str, str] | None = None) -> Settings:
    """Read config.yaml (or ``config_path``), then .env, then the environment (which wins)."""
    root = root or find_root()
    path = Path(config_path) if config_path else root / "config.yaml"
    data: dict[str, Any] = {}
    if path.is_file():
        data = load_yaml(_read_config(path), str(path)) or {}
    elif config_path:
        raise ConfigError(f"config file {path} does not exist", "check the --config path")
    env: dict[str, str] = {}
    dotenv = root / ".env"
    if dotenv.is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return Settings(parse_config(data, str(path.name)), root, env, path)


def _read_config(path: Path) -> str:
    if path.stat().st_size > MAX_CONFIG_BYTES:
        raise ConfigError(f"{path} is {path.stat().st_size:,} bytes; a config file is at most "
                          f"{MAX_CONFIG_BYTES:,}", "keep config.yaml to the documented keys")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text", "save it as UTF-8") from None


def _merge(node: Any, values: dict[str, Any]) -> None:
    """Set ``values`` into a round-trip YAML mapping, touching only the values that differ
    (so the comments and layout around them stay as the user wrote them)."""
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(node.get(key), dict):
            _merge(node[key], value)
        elif key not in node or node[key] != value:
            node[key] = value


def save_config(settings: Settings, config: FileConfig) -> Path:
    """Write ``config`` to the settings' config.yaml: validated first; an existing file keeps
    its comments and layout (only changed values are rewritten, ruamel.yaml round trip);
    written through a temporary file and a rename. Returns the path.

    Raises:
        ConfigError: ``config`` is not valid (nothing is written).
    """
    import io

    from ruamel.yaml import YAML

    path = settings.config_path or settings.root / "config.yaml"
    values = config.model_dump()
    parse_config(values, "config")
    rt = YAML()
    rt.preserve_quotes = True
    rt.width = 4096
    doc: Any = None
    if path.is_file():
        try:
            doc = rt.load(path.read_text(encoding="utf-8"))
        except Exception:  # not YAML any more: rewritten plainly below
            doc = None
    if isinstance(doc, dict):
        _merge(doc, values)
        buf = io.StringIO()
        rt.dump(doc, buf)
        text = buf.getvalue()
    else:
        text = yaml.safe_dump(values, sort_keys=False)
    write_atomic(path, text, f"the config file {path}", "make config.yaml writable")
    settings.config = config
    settings.config_path = path
    return path
