"""The container files keep to the code: compose.yaml and the Dockerfile set only real settings,
run real commands with real options, check a route that answers, and the Dockerfile's install
step builds an image that migrates and serves (replayed without a container engine)."""

from __future__ import annotations

import fnmatch
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import sysconfig
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
import yaml
from sqlalchemy.engine import make_url

from readtoearn import migrations
from readtoearn.app import create_app
from readtoearn.cli import cli
from readtoearn.config import Settings
from readtoearn.db import make_engine
from tests.conftest import SECRET
from tests.live import free_socket, serve

ROOT = Path(__file__).resolve().parents[1]
PREFIX = "READTOEARN_"
# Services of compose.yaml that run the project's image (the others are PostgreSQL and Redis).
IMAGE_SERVICES = ("migrate", "app")


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction: its name, its --flags, the rest, and its build stage."""

    name: str
    flags: tuple[str, ...]
    rest: str
    stage: int


def dockerfile() -> list[Instruction]:
    """The Dockerfile's instructions, continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        if line.lstrip().startswith("#"):
            continue  # comments may sit inside a continued instruction, as Docker allows
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        if (pending + line).strip():
            logical.append(pending + line)
        pending = ""
    instructions, stage = [], -1
    for text in logical:
        name, _, rest = text.strip().partition(" ")
        flags = []
        rest = rest.strip()
        while rest.startswith("--"):
            flag, _, rest = rest.partition(" ")
            flags.append(flag)
            rest = rest.strip()
        if name.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(name.upper(), tuple(flags), rest, stage))
    return instructions


def only(name: str) -> Instruction:
    found = [i for i in dockerfile() if i.name == name]
    assert len(found) == 1, f"one {name} expected, found {len(found)}"
    return found[0]


def exec_form(rest: str) -> list[str]:
    """A JSON-array instruction (exec form: no shell between Docker and the process, so
    SIGTERM reaches the server and it stops cleanly)."""
    value = json.loads(rest)
    assert isinstance(value, list), rest
    assert all(isinstance(v, str) for v in value), rest
    return value


def dockerfile_env() -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in dockerfile():
        if instruction.name == "ENV":
            for pair in shlex.split(instruction.rest):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


class MissingVariable(Exception):
    """A ${NAME:?message} whose variable is unset: compose refuses to start."""


VARIABLE = re.compile(r"\$\$|\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<word>[^}]*))?\}")


def interpolate(value: str, env: dict[str, str]) -> str:
    """compose's ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME?error}."""

    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, word = match.group("name"), match.group("op") or "", match.group("word")
        present = name in env and (env[name] != "" or not op.startswith(":"))
        if present:
            return env[name]
        if op.endswith("?"):
            raise MissingVariable(word or name)
        return word if op.endswith("-") else ""

    return VARIABLE.sub(one, value)


def service_env(name: str, env: dict[str, str]) -> dict[str, str]:
    """A service's environment as its container sees it, after interpolation."""
    raw = compose()["services"][name].get("environment") or {}
    if isinstance(raw, list):
        raw = dict(item.partition("=")[::2] for item in raw)
    return {key: interpolate(str(value), env) for key, value in raw.items()}


def parse_command(args: list[str]) -> tuple[str, dict[str, Any]]:
    """Resolve arguments of `readtoearn` to a command of the click group and parse its options,
    as running it would (without running it): an unknown command or option raises."""
    command: click.Command = cli
    path: list[str] = []
    rest = list(args)
    while isinstance(command, click.Group):
        assert rest, f"{args}: no command under {' '.join(path) or 'readtoearn'}"
        sub = command.get_command(click.Context(command), rest[0])
        assert sub is not None, f"{args}: readtoearn has no command {rest[0]!r}"
        path.append(rest.pop(0))
        command = sub
    context = command.make_context(" ".join(path), rest)
    return " ".join(path), dict(context.params)


def healthcheck_code() -> str:
    healthcheck = only("HEALTHCHECK")
    form = exec_form(healthcheck.rest.removeprefix("CMD").strip())
    assert form[:2] == ["python", "-c"], form
    return form[2]


HEALTH_URL = re.compile(r"http://127\.0\.0\.1:(?P<port>\d+)(?P<path>/[\w/.-]*)")


def health_url() -> tuple[int, str]:
    match = HEALTH_URL.search(healthcheck_code())
    assert match, healthcheck_code()
    return int(match["port"]), match["path"]


def readtoearn_variables() -> set[str]:
    """Every READTOEARN_* the files set or read: Dockerfile ENV, compose environments, and the
    variables compose.yaml interpolates."""
    names = {key for key in dockerfile_env() if key.startswith(PREFIX)}
    for name in compose()["services"]:
        names |= set(service_env(name, {PREFIX + "SECRET_KEY": SECRET}))
    text = (ROOT / "compose.yaml").read_text()
    names |= set(re.findall(r"\$\{(READTOEARN_\w+)", text))
    return {name for name in names if name.startswith(PREFIX)}


def test_every_readtoearn_variable_is_a_setting() -> None:
    names = readtoearn_variables()
    assert {PREFIX + "DATABASE_URL", PREFIX + "REDIS_URL", PREFIX + "SECRET_KEY"} <= names
    unknown = sorted(
        n for n in names if n.removeprefix(PREFIX).lower() not in Settings.model_fields
    )
    assert unknown == [], "not settings of readtoearn.config.Settings (silently ignored)"


def test_compose_settings_are_valid_and_point_at_the_services(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    services = compose()["services"]
    for name in IMAGE_SERVICES:
        for key in [k for k in os.environ if k.startswith(PREFIX)]:
            monkeypatch.delenv(key)
        for key, value in service_env(name, {PREFIX + "SECRET_KEY": SECRET}).items():
            monkeypatch.setenv(key, value)
        settings = Settings()  # the values as the container reads them: a bad one raises

        url = make_url(settings.resolved_database_url)
        db = services[url.host]
        db_env = {k: interpolate(str(v), {}) for k, v in db["environment"].items()}
        assert url.drivername == "postgresql+psycopg"
        assert db["image"].startswith("postgres:15")
        assert (url.username, url.password, url.database) == (
            db_env["POSTGRES_USER"],
            db_env["POSTGRES_PASSWORD"],
            db_env["POSTGRES_DB"],
        )
        redis_host = make_url(settings.redis_url).host
        assert services[redis_host]["image"].startswith("redis:7")
        assert settings.secret_key == SECRET


def test_the_secret_key_must_be_given_not_written_down() -> None:
    for name in IMAGE_SERVICES:
        raw = compose()["services"][name]["environment"][PREFIX + "SECRET_KEY"]
        assert raw.startswith("${READTOEARN_SECRET_KEY:?"), raw
        with pytest.raises(MissingVariable, match="READTOEARN_SECRET_KEY"):
            service_env(name, {})
    assert PREFIX + "SECRET_KEY" not in dockerfile_env()


def test_the_image_runs_the_real_command() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert exec_form(only("ENTRYPOINT").rest) == ["readtoearn"]
    assert scripts["readtoearn"] == "readtoearn.cli:main"
    command, params = parse_command(exec_form(only("CMD").rest))
    assert command == "serve"
    assert params["host"] == "0.0.0.0"
    port, _ = health_url()
    assert params["port"] == port, "the healthcheck asks another port than the server's"
    assert dockerfile_env()[PREFIX + "DATA_DIR"] == "/data"
    assert exec_form(only("VOLUME").rest) == ["/data"]


def test_compose_migrates_once_then_serves_several_workers() -> None:
    services = compose()["services"]
    migrate, app = services["migrate"], services["app"]
    assert parse_command(migrate["command"]) == ("db upgrade", {})
    assert migrate["restart"] == "no"
    assert migrate["depends_on"]["db"]["condition"] == "service_healthy"

    command, params = parse_command(app["command"])
    assert command == "serve"
    assert params["workers"] > 1
    # serve refuses several workers without Redis to share the open reads.
    assert service_env("app", {PREFIX + "SECRET_KEY": SECRET})[PREFIX + "REDIS_URL"]
    published = [str(p).rsplit(":", 1)[-1] for p in app["ports"]]
    assert str(params["port"]) in published
    assert params["port"] == health_url()[0]
    assert app["depends_on"] == {
        "db": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "migrate": {"condition": "service_completed_successfully"},
    }
    assert migrate["image"] == app["image"]


def test_postgres_and_redis_are_checked_and_redis_keeps_nothing() -> None:
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["db"]["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["db"]["volumes"])
    redis = services["redis"]["command"]
    assert redis[redis.index("--save") + 1] == ""
    assert redis[redis.index("--appendonly") + 1] == "no"


def test_the_healthcheck_asks_a_route_that_answers(client) -> None:  # type: ignore[no-untyped-def]
    _, path = health_url()
    response = client.get(path)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_healthcheck_command_passes_on_a_live_server_and_fails_without_one(
    settings: Settings,
) -> None:
    sock = free_socket()
    port = sock.getsockname()[1]
    code = healthcheck_code().replace(f":{health_url()[0]}/", f":{port}/")

    def healthcheck() -> int:
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=30)
        return run.returncode

    engine = make_engine(settings.resolved_database_url)
    migrations.upgrade(engine)
    engine.dispose()
    with serve(create_app(settings), sock):
        assert healthcheck() == 0
    assert healthcheck() == 1  # Docker reads 1 as unhealthy (2 is reserved)


def dockerignore() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    parts = Path(relative).parts
    for pattern in patterns:
        bare = pattern.removeprefix("**/")
        if fnmatch.fnmatch(relative, pattern) or any(fnmatch.fnmatch(p, bare) for p in parts):
            return True
    return False


def build_copies() -> list[tuple[list[str], str]]:
    """The build stage's COPY instructions from the context: (sources, destination)."""
    copies = []
    for instruction in dockerfile():
        if instruction.name == "COPY" and not any(
            f.startswith("--from") for f in instruction.flags
        ):
            *sources, destination = shlex.split(instruction.rest)
            copies.append((sources, destination))
    return copies


def test_the_build_context_leaves_out_local_state_and_keeps_the_sources() -> None:
    patterns = dockerignore()
    for local in (".git", ".venv", "data", ".pytest_cache", "src/readtoearn/__pycache__"):
        assert ignored(local, patterns), local
    copied = [source for sources, _ in build_copies() for source in sources]
    assert {"pyproject.toml", "README.md", "src"} <= set(copied)
    assert [s for s in copied if ignored(s, patterns)] == []


def test_docker_compose_config_accepts_the_file() -> None:
    docker = shutil.which("docker")
    if (
        docker is None
        or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0
    ):
        pytest.skip(
            "the docker compose plugin is not installed: compose.yaml parsed by PyYAML only"
        )
    env = {k: v for k, v in os.environ.items() if k != PREFIX + "SECRET_KEY"}
    cmd = [docker, "compose", "-f", str(ROOT / "compose.yaml"), "config", "--quiet"]
    refused = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0
    assert "READTOEARN_SECRET_KEY" in refused.stderr
    accepted = subprocess.run(
        cmd, env={**env, PREFIX + "SECRET_KEY": SECRET}, capture_output=True, text=True, timeout=60
    )
    assert accepted.returncode == 0, accepted.stderr


def copy_context(context: Path) -> None:
    """What the build stage's COPY instructions put in its WORKDIR, minus .dockerignore."""
    patterns = dockerignore()

    def skip(directory: str, names: list[str]) -> set[str]:
        base = Path(directory).relative_to(ROOT)
        return {n for n in names if ignored(str(base / n), patterns)}

    for sources, destination in build_copies():
        for source in sources:
            target = (
                context / destination / (Path(source).name if destination.endswith("/") else "")
            )
            if (ROOT / source).is_dir():
                shutil.copytree(ROOT / source, target, ignore=skip)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / source, target)


NO_INDEX = ("NewConnectionError", "No matching distribution", "Could not find a version")


@pytest.mark.slow
def test_the_install_step_builds_a_package_that_migrates_and_serves(tmp_path: Path) -> None:
    """Replays the build stage on this Python: `pip install .` of what the COPY lines bring in,
    then the image's command with a healthcheck. The dependencies come from the project's own
    environment instead of the index (same versions, no download); the build backend may need
    one from the index."""
    run_step = next(i for i in dockerfile() if i.name == "RUN" and i.stage == 0)
    assert "pip install ." in run_step.rest
    context = tmp_path / "context"
    copy_context(context)
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(context)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    if built.returncode != 0 and any(sign in built.stderr for sign in NO_INDEX):
        pytest.skip(f"the build backend could not be fetched: {built.stderr.strip()[-200:]}")
    assert built.returncode == 0, built.stderr
    wheel = next(dist.glob("readtoearn-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # After the new environment's own packages: the project's dependencies, never its source.
    Path(purelib, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps"]
    subprocess.run([*install, str(wheel)], check=True, capture_output=True, timeout=120)

    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(PREFIX)}
    env |= {k: v for k, v in dockerfile_env().items() if k.startswith(PREFIX)}
    env[PREFIX + "DATA_DIR"] = str(data)
    command = str(venv / "bin" / exec_form(only("ENTRYPOINT").rest)[0])
    where = subprocess.run(
        [python, "-c", "import readtoearn; print(readtoearn.__file__)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert where.startswith(str(venv)), where
    upgraded = subprocess.run(
        [command, "db", "upgrade"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert upgraded.returncode == 0, upgraded.stderr
    assert "database at revision" in upgraded.stdout

    # The image's CMD, on a free loopback port instead of 0.0.0.0:8000.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cmd = exec_form(only("CMD").rest)
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    code = healthcheck_code().replace(f":{health_url()[0]}/", f":{port}/")
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [command, *cmd, "--port", str(port)], cwd=tmp_path, env=env, stdout=log, stderr=log
    )
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([sys.executable, "-c", code], capture_output=True).returncode != 0:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "no healthy answer within 60 s"
            time.sleep(0.2)
        for page in ("/", "/static/site.css", "/rewards"):
            assert httpx.get(f"http://127.0.0.1:{port}{page}").status_code == 200, page
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    assert "demo content: 10 articles" in (tmp_path / "serve.log").read_text()
