"""One settings object: config.yaml + .env + environment, validated on load.

Every other module receives a :class:`Settings` (or a piece of it); none reads the
environment or config.yaml itself. Errors name the key, the value and what is allowed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

import yaml
from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ftbuilder.core.errors import ConfigError, MissingKeyError, NotFoundError

PROVIDERS = ("openai", "anthropic", "google", "mistral", "llama")
MODES = ("create", "identify", "hybrid", "free")

# Environment variable holding each backend's key; the one place keys are named.
KEY_VARS = {
    "openai": "OPENAI_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "google": "GOOGLE_API_KEY",
    "mistral": "MISTRAL_API_KEY",
    "llama": "LLAMA_API_KEY",
}
BASE_URL_VARS = {
    "openai": "OPENAI_BASE_URL",
    "anthropic": "ANTHROPIC_BASE_URL",
    "google": "GOOGLE_BASE_URL",
    "mistral": "MISTRAL_BASE_URL",
    "llama": "LLAMA_BASE_URL",
}
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


class RateLimitConfig(_Strict):
    rpm: int = Field(0, ge=0)  # requests per minute; 0 = no limit
    tpm: int = Field(0, ge=0)  # tokens (prompt + completion) per minute; 0 = no limit


class SystemConfig(_Strict):
    agentic_llm: Literal["openai", "anthropic", "google", "mistral", "llama"] = "llama"
    agentic_model: str = ""
    max_retries: int = Field(3, ge=0)
    timeout: float = Field(60, gt=0)
    concurrency: int = Field(4, ge=1)
    base_url: str = ""
    rpm: int = Field(0, ge=0)  # agent LLM requests per minute, per backend; 0 = no limit
    tpm: int = Field(0, ge=0)  # agent LLM tokens per minute, per backend; 0 = no limit
    # per-backend overrides of rpm/tpm, e.g. {openai: {rpm: 500, tpm: 200000}}
    rate_limits: dict[Literal["openai", "anthropic", "google", "mistral", "llama"],
                      RateLimitConfig] = Field(default_factory=dict)


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

    provider: Literal["openai", "anthropic", "google", "mistral", "llama"] = "openai"
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


def _format_validation_error(err: ValidationError, source: str) -> str:
    parts = []
    for e in err.errors():
        key = ".".join(str(x) for x in e["loc"]) or "(top level)"
        if e["type"] == "extra_forbidden":
            parts.append(f"unknown key '{key}'")
            continue
        value = e.get("input")
        allowed = e.get("ctx", {}).get("expected") or e["msg"]
        parts.append(f"'{key}' = {value!r}: {allowed}")
    return f"{source}: " + "; ".join(parts)


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
        """Every key value set, for redaction in logs and error messages."""
        return [v for k, v in self._env.items() if k.endswith("_API_KEY") and v]

    def redact(self, text: str) -> str:
        for s in self.secrets():
            if len(s) >= 4:
                text = text.replace(s, "***")
        return text

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
        raise ConfigError(f"{source}: 'model' = {config.model!r} is not a model of "
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
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            where = f" line {mark.line + 1}" if mark else ""
            raise ConfigError(f"{path}:{where} is not valid YAML",
                              "fix the indentation or quoting there") from None
    elif config_path:
        raise ConfigError(f"config file {path} does not exist", "check the --config path")
    env: dict[str, str] = {}
    dotenv = root / ".env"
    if dotenv.is_file():
        env.update({k: v for k, v in dotenv_values(dotenv).items() if v is not None})
    env.update(os.environ if environ is None else environ)
    return Settings(parse_config(data, str(path.name)), root, env, path)


def save_config(settings: Settings, config: FileConfig) -> None:
    """Write ``config`` to the settings' config.yaml (validated first)."""
    path = settings.config_path or settings.root / "config.yaml"
    parse_config(config.model_dump(), "config")
    path.write_text(yaml.safe_dump(config.model_dump(), sort_keys=False), encoding="utf-8")
    settings.config = config
