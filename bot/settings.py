"""Settings from the environment or `.env`, checked once at start-up.

One typed class so a typo in a variable name or a malformed value fails fast with a message
that names the setting, instead of surfacing later as a confusing runtime error.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/cohort.db"
# The bank shipped in the repository, wherever the bot is started from.
DEFAULT_QUESTIONS_DIR = Path(__file__).resolve().parents[1] / "data" / "questions"


class Settings(BaseSettings):
    """Every knob a self-hoster can turn. Names match the README and `.env.example`."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    discord_token: SecretStr | None = Field(
        default=None, description="The bot token from the Discord developer portal."
    )
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    dev_guild_id: int | None = Field(
        default=None, description="Sync commands to this one guild instantly (development)."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    shard_count: int | None = Field(
        default=None, ge=1, description="Total shards across processes."
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None, description="Shards this process runs, e.g. '0,1'."
    )
    questions_dir: Path = Field(
        default=DEFAULT_QUESTIONS_DIR,
        description="Folder of question YAML files loaded at start-up (default: the shipped bank).",
    )
    discord_api_base: str | None = Field(
        default=None,
        description="Base URL of a Discord-compatible server (e.g. the built-in emulator).",
    )

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _parse_shard_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return [int(p) for p in parts] or None
            except ValueError:
                raise ValueError("must be comma-separated shard numbers, e.g. '0,1'") from None
        return value

    @field_validator("discord_api_base")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip().rstrip("/")
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        value = value.strip()
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy needs the async driver named.
        for prefix in ("postgres://", "postgresql://"):
            if value.startswith(prefix):
                return "postgresql+asyncpg://" + value[len(prefix) :]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value[len("sqlite://") :]
        return value

    @model_validator(mode="after")
    def _shards_consistent(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            bad = [s for s in self.shard_ids if not 0 <= s < self.shard_count]
            if bad:
                raise ValueError(f"SHARD_IDS {bad} are outside 0..{self.shard_count - 1}")
        return self

    @cached_property
    def token(self) -> str | None:
        return self.discord_token.get_secret_value() if self.discord_token else None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
