"""Database layer: models, column types, engine and session factory.

Migrations live in `bot.db.migrate` (imported on demand: it pulls in Alembic).
"""

from bot.db.base import Base
from bot.db.engine import create_engine, create_session_factory
from bot.db.models import AppState, Guild, GuildMember, Member, Question
from bot.db.types import UTCDateTime, utcnow

__all__ = [
    "AppState",
    "Base",
    "Guild",
    "GuildMember",
    "Member",
    "Question",
    "UTCDateTime",
    "create_engine",
    "create_session_factory",
    "utcnow",
]
