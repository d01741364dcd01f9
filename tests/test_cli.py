"""The command line as a self-hoster meets it, run as real subprocesses."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DISCORD_TOKEN",
            "DATABASE_URL",
            "DEV_GUILD_ID",
            "LOG_LEVEL",
            "SHARD_COUNT",
            "SHARD_IDS",
            "DISCORD_API_BASE",
            "QUESTIONS_DIR",
        }
    }
    env["PYTHONPATH"] = str(ROOT)
    env.update(extra)
    return env


async def spawn(
    *args: str, cwd: Path, env: dict[str, str], stdout: int, stderr: int
) -> asyncio.subprocess.Process:
    """`python -m bot ARGS` as a real process."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=cwd, env=env, stdout=stdout, stderr=stderr
    )


async def run(
    *args: str, cwd: Path, env: dict[str, str], timeout: float = 60
) -> tuple[int, str, str]:
    pipe = asyncio.subprocess.PIPE
    proc = await spawn(*args, cwd=cwd, env=env, stdout=pipe, stderr=pipe)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_help_lists_the_subcommands(tmp_path: Path) -> None:
    code, out, _ = await run("--help", cwd=tmp_path, env=clean_env())
    assert code == 0
    for word in ("demo", "emulator", "db", "questions", "DISCORD_TOKEN"):
        assert word in out


async def test_without_a_token_it_says_what_to_set_and_fails(tmp_path: Path) -> None:
    code, _, err = await run(cwd=tmp_path, env=clean_env())
    assert code == 2
    assert "DISCORD_TOKEN" in err and "python -m bot demo" in err
    assert not (tmp_path / "data").exists(), "nothing is created before the token check"


async def test_a_bad_setting_is_named(tmp_path: Path) -> None:
    code, _, err = await run(cwd=tmp_path, env=clean_env(LOG_LEVEL="LOUD", DISCORD_TOKEN="x"))
    assert code == 2 and "LOG_LEVEL" in err


async def test_settings_come_from_a_dotenv_file(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("LOG_LEVEL=verbose\n")
    code, _, err = await run(cwd=tmp_path, env=clean_env())
    assert code == 2 and "LOG_LEVEL" in err


async def test_db_upgrade_creates_the_schema(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/cohort.db"
    code, out, err = await run("db", "upgrade", cwd=tmp_path, env=clean_env(DATABASE_URL=url))
    assert code == 0, err
    assert (tmp_path / "cohort.db").exists()
    from bot.db.migrate import head_revision

    assert head_revision() in out
    code, out, _ = await run("db", "upgrade", cwd=tmp_path, env=clean_env(DATABASE_URL=url))
    assert code == 0, "upgrading twice is harmless"


async def _read_until(
    stream: asyncio.StreamReader, marker: str, seen: list[str], timeout: float
) -> str:
    async def loop() -> str:
        while True:
            line = (await stream.readline()).decode()
            if not line:
                raise AssertionError("the process ended early:\n" + "".join(seen))
            seen.append(line)
            if marker in line and not line.startswith(" "):
                return line

    return await asyncio.wait_for(loop(), timeout)


async def test_bot_runs_against_the_emulator_in_another_process(tmp_path: Path) -> None:
    emulator = await spawn(
        "emulator",
        "--port",
        "0",
        cwd=tmp_path,
        env=clean_env(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    bot = None
    seen: list[str] = []
    try:
        assert emulator.stdout is not None
        base = (
            (await _read_until(emulator.stdout, "DISCORD_API_BASE=", seen, 30))
            .split("=", 1)[1]
            .strip()
        )
        token = (
            (await _read_until(emulator.stdout, "DISCORD_TOKEN=", seen, 5)).split("=", 1)[1].strip()
        )
        assert base.startswith("http://127.0.0.1:")
        env = clean_env(
            DISCORD_API_BASE=base,
            DISCORD_TOKEN=token,
            DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        )
        quiet = asyncio.subprocess.DEVNULL
        bot = await spawn(cwd=tmp_path, env=env, stdout=quiet, stderr=quiet)
        # The bot registers its commands during start-up, then connects to the gateway.
        registered = await _read_until(emulator.stdout, "commands registered", seen, 60)
        assert "/help" in registered
        connected = await _read_until(emulator.stdout, "bot connected", seen, 30)
        assert "Cohort Study Group" in connected
    finally:
        for proc in (bot, emulator):
            if proc is not None and proc.returncode is None:
                proc.terminate()
                await proc.wait()


async def test_demo_runs_and_exits_cleanly(tmp_path: Path) -> None:
    code, out, err = await run(
        "demo", "--output", str(tmp_path / "images"), cwd=tmp_path, env=clean_env(), timeout=60
    )
    assert code == 0, out + err
    assert "bot connected" in out and "/help" in out
    assert "ada › /help" in out and "Cohort replied" in out
    assert "no Discord errors" in out
    assert "/quiz start" in out and "Final standings" in out and "🥇" in out
    assert (tmp_path / "images" / "quiz-podium.png").stat().st_size > 1000
    assert "ada › /streak" in out and (tmp_path / "images" / "streak-streak.png").exists()
    assert "/match request" in out and "with exactly: ada, alan" in out
    assert "interviewer packet" in out and "Reference answer" in out
    assert "Traceback" not in err and "ERROR" not in err, err


async def test_postgres_without_its_driver_says_what_to_install(tmp_path: Path) -> None:
    hide = tmp_path / "hide"
    hide.mkdir()
    (hide / "sitecustomize.py").write_text("import sys\nsys.modules['asyncpg'] = None\n")
    env = clean_env(DATABASE_URL="postgresql://u:p@127.0.0.1:1/db")
    env["PYTHONPATH"] = f"{hide}{os.pathsep}{ROOT}"
    code, _, err = await run("db", "upgrade", cwd=tmp_path, env=env)
    assert code == 2 and "cohort-bot[postgres]" in err and "Traceback" not in err


async def test_questions_validate_passes_the_shipped_bank(tmp_path: Path) -> None:
    files = sorted(str(p) for p in (ROOT / "data" / "questions").glob("*.yaml"))
    code, out, err = await run("questions", "validate", *files, cwd=tmp_path, env=clean_env())
    assert code == 0, out + err
    assert out.rstrip().endswith(f"in {len(files)} files; no problems.")
    total = int(out.splitlines()[-1].split()[0])
    assert total >= 200


async def test_questions_validate_fails_on_a_bad_file_and_needs_no_token(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("- id: x\n  track: nope\n")
    code, out, _ = await run("questions", "validate", str(bad), cwd=tmp_path, env=clean_env())
    assert code == 1
    assert f"{bad}:2: item 1 (no id)" not in out  # the id is known even when invalid
    assert f"{bad}:2: x: track 'nope' is not one of" in out
    assert out.rstrip().endswith("0 valid questions in 1 file; 7 problems.")
    code, _, err = await run("questions", "validate", cwd=tmp_path, env=clean_env())
    assert code == 2 and "FILE" in err
