"""Command line: `python -m bot [run|demo|emulator|db upgrade|questions validate]`."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.settings import Settings

MISSING_TOKEN = """\
DISCORD_TOKEN is not set, so Cohort cannot log in to Discord.

Set it in the environment or in a .env file beside where you run the bot (see .env.example):
    DISCORD_TOKEN=<your bot token> python -m bot

No token yet? See Cohort work against its built-in Discord emulator:
    python -m bot demo
"""

MISSING_ASYNCPG = """\
DATABASE_URL points at PostgreSQL, but its driver (asyncpg) is not installed. Install it with:
    pip install "cohort-bot[postgres]"      (or, from a clone: pip install -e ".[postgres]")
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Cohort: a Discord bot for interview study groups.",
        epilog=(
            "Settings come from the environment or .env: DISCORD_TOKEN, DATABASE_URL, "
            "DEV_GUILD_ID, LOG_LEVEL, SHARD_COUNT, SHARD_IDS, DISCORD_API_BASE (see README)."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the bot (the default; needs DISCORD_TOKEN)")
    demo = sub.add_parser(
        "demo", help="run the real bot against the built-in emulator with simulated members"
    )
    demo.add_argument(
        "--output", default="demo-output", help="folder for the images the demo makes"
    )
    emu = sub.add_parser(
        "emulator", help="run the built-in Discord emulator alone and print how to connect"
    )
    emu.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free one)")
    emu.add_argument("--members", type=int, default=5, help="simulated members in the demo server")
    db = sub.add_parser("db", help="database tasks")
    db_sub = db.add_subparsers(dest="db_command", metavar="TASK", required=True)
    db_sub.add_parser("upgrade", help="apply migrations to DATABASE_URL")
    questions = sub.add_parser("questions", help="question bank tasks")
    q_sub = questions.add_subparsers(dest="questions_command", metavar="TASK", required=True)
    validate = q_sub.add_parser(
        "validate", help="check question files and list every problem with its file and line"
    )
    validate.add_argument("files", nargs="+", metavar="FILE", help="YAML question files")
    blind = q_sub.add_parser(
        "sheet", help="print questions without keys, for a second reader to answer blind"
    )
    blind.add_argument("files", nargs="+", metavar="FILE", help="YAML question files")
    check = q_sub.add_parser(
        "check-answers", help="compare a reader's answers (id: B) with the keys"
    )
    check.add_argument("answers", metavar="ANSWERS", help="YAML file of id: letter(s)")
    check.add_argument("files", nargs="+", metavar="FILE", help="YAML question files")
    return parser


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [
            f"  {'.'.join(map(str, e['loc'])).upper() or 'settings'}: {e['msg']}"
            for e in exc.errors()
        ]
        print("Cohort's settings are not valid:\n" + "\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None


def _logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S"
    )
    logging.getLogger("discord").setLevel(max(logging.getLevelName(level), logging.INFO))
    logging.getLogger("aiosqlite").setLevel(logging.WARNING)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


async def _run(settings: Settings) -> None:
    from bot.runner import BotRunner

    runner = BotRunner(settings)
    try:
        await runner.start(wait_ready=False)
        await runner.wait()
    finally:
        await runner.stop()


async def _db_upgrade(settings: Settings) -> None:
    from bot.db.engine import create_engine
    from bot.db.migrate import current_revision, upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        print(f"database is at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = args.command or "run"
    if command == "questions":
        from bot.bank import cli

        if args.questions_command == "sheet":
            return cli.print_sheet(args.files)
        if args.questions_command == "check-answers":
            return cli.check_answers(args.answers, args.files)
        return cli.validate(args.files)
    if command == "demo":
        from bot.demo import prepare_output, run_demo

        return asyncio.run(run_demo(images=prepare_output(args.output)))
    if command == "emulator":
        from bot.emulator.cli import run_emulator

        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(run_emulator(port=args.port, members=args.members))
        return 0
    settings = _settings()
    _logging(settings.log_level)
    if command != "db" and not settings.token:
        print(MISSING_TOKEN, file=sys.stderr, end="")
        return 2
    try:
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_db_upgrade(settings) if command == "db" else _run(settings))
    except ModuleNotFoundError as exc:
        if exc.name != "asyncpg":
            raise
        print(MISSING_ASYNCPG, file=sys.stderr, end="")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
