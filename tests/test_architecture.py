"""The layering in ARCHITECTURE.md, checked: imports point down, and every cog loads."""

from __future__ import annotations

import ast
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot.app import EXTENSIONS, CohortBot, Services
from bot.clock import FakeClock
from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return [
        f"{path} imports {name}"
        for path, names in imported_modules(package).items()
        for name in sorted(names)
        if name == forbidden or name.split(".")[0] in forbidden or name.startswith(forbidden)
    ]


@pytest.mark.parametrize(
    "package", ["bot/domain", "bot/bank", "bot/services", "bot/db", "bot/scheduling"]
)
def test_lower_layers_never_import_discord(package: str) -> None:
    assert offenders(package, ("discord", "cogs", "bot.ui")) == []


@pytest.mark.parametrize("package", ["bot/domain", "bot/bank"])
def test_domain_is_pure(package: str) -> None:
    assert offenders(package, ("sqlalchemy", "bot.services", "bot.db", "aiohttp")) == []


def test_cogs_hold_no_sql() -> None:
    assert offenders("cogs", ("sqlalchemy", "bot.db")) == []


def test_services_do_not_reach_up() -> None:
    assert offenders("bot/services", ("bot.app", "bot.runner", "bot.emulator")) == []


def test_every_cog_module_is_listed_as_an_extension() -> None:
    modules = {
        "cogs." + ".".join(p.relative_to(ROOT / "cogs").with_suffix("").parts)
        for p in (ROOT / "cogs").glob("*.py")
        if p.name != "__init__.py"
    }
    packages = {f"cogs.{p.name}" for p in (ROOT / "cogs").iterdir() if (p / "__init__.py").exists()}
    assert modules | packages == set(EXTENSIONS)


async def test_every_extension_loads_and_command_names_are_unique(tmp_path: Path) -> None:
    settings = Settings(
        _env_file=None, discord_token="x", database_url=f"sqlite+aiosqlite:///{tmp_path}/a.db"
    )  # type: ignore[call-arg]
    from bot.db.engine import create_engine

    engine = create_engine(settings.database_url)
    bot = CohortBot(settings, Services(settings, engine, None, FakeClock()))  # type: ignore[arg-type]
    try:
        for extension in EXTENSIONS:
            await bot.load_extension(extension)
        names = [c.qualified_name for c in bot.tree.walk_commands()]
        assert names, "no commands registered"
        assert len(names) == len(set(names)), f"duplicate command names: {names}"
        for command in bot.tree.walk_commands():
            assert command.description, f"/{command.qualified_name} has no description"
            if isinstance(command, app_commands.Command):
                assert len(command.description) <= 100
    finally:
        await bot.close()
        await engine.dispose()


def test_bot_asks_for_no_privileged_intent() -> None:
    from bot.app import intents

    value = intents()
    assert not (value.members or value.presences or value.message_content)
    assert isinstance(value, discord.Intents)
