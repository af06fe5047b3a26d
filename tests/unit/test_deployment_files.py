"""The deployment files tell the truth about the app: compose.yaml sets only variables the app
reads, its app services share one image, background work runs once, the image starts the server
as scripts/run.sh does, and the deployment section documents every setting."""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
# Read by gunicorn itself (extra command-line arguments), not by our code.
GUNICORN_OWN = {"GUNICORN_CMD_ARGS"}
WORKER_COMMAND = ["python", "-m", "dashboard", "worker"]


def _settings_variables() -> set[str]:
    """Names Settings.from_env reads: env.get("X", ...) and helpers called as f(env, "X", ...)."""
    tree = ast.parse((ROOT / "dashboard" / "settings.py").read_text())
    from_env = next(
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef) and node.name == "from_env"
    )
    names = set()
    for call in (n for n in ast.walk(from_env) if isinstance(n, ast.Call)):
        func, args = call.func, call.args
        reads_env = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if reads_env and args:
            first = args[0]
        elif len(args) >= 2 and isinstance(args[0], ast.Name) and args[0].id == "env":
            first = args[1]
        else:
            continue
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def _gunicorn_conf_variables() -> set[str]:
    """Names gunicorn.conf.py reads with os.environ.get("X")."""
    tree = ast.parse((ROOT / "gunicorn.conf.py").read_text())
    return {
        call.args[0].value
        for call in ast.walk(tree)
        if isinstance(call, ast.Call)
        and isinstance(call.func, ast.Attribute)
        and call.func.attr == "get"
        and ast.unparse(call.func.value) == "os.environ"
        and call.args
        and isinstance(call.args[0], ast.Constant)
    }


def app_variables() -> set[str]:
    return _settings_variables() | _gunicorn_conf_variables() | GUNICORN_OWN


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def _environment(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):  # the "- NAME=value" form
        pairs = [item.split("=", 1) for item in env]
        return {pair[0]: pair[1] if len(pair) == 2 else None for pair in pairs}
    return dict(env)


def _command(service: dict) -> list[str] | None:
    command = service.get("command")
    return shlex.split(command) if isinstance(command, str) else command


def _app_services(compose: dict) -> dict[str, dict]:
    """Services running the cockpit's own image (the one web is built as)."""
    image = compose["services"]["web"].get("image")
    return {
        name: service
        for name, service in compose["services"].items()
        if service.get("build") is not None or (image and service.get("image") == image)
    }


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def _dockerfile_env() -> dict[str, str]:
    env = {}
    for word, rest in _dockerfile_instructions():
        if word == "ENV":
            env.update(item.split("=", 1) for item in shlex.split(rest))
    return env


def test_the_variable_collector_finds_what_the_app_is_known_to_read():
    known = {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "COCKPIT_BACKGROUND"}
    known |= {"COCKPIT_TRUSTED_PROXIES", "WEB_CONCURRENCY", "COCKPIT_THREADS", "HOST", "PORT"}
    assert known <= app_variables()


def test_every_app_service_sets_only_variables_the_app_reads():
    compose, read = _compose(), app_variables()
    services = _app_services(compose)
    assert {"web", "worker"} <= set(services)
    for name, service in services.items():
        unknown = set(_environment(service)) - read
        assert not unknown, f"{name} sets {sorted(unknown)}, which the app never reads"


def test_the_image_sets_only_variables_the_app_or_python_reads():
    python_own = {n for n in _dockerfile_env() if n.startswith(("PYTHON", "PIP_"))}
    assert set(_dockerfile_env()) - python_own <= app_variables()


def test_web_worker_and_jobs_run_one_image_built_from_this_folder():
    services = _compose()["services"]
    images = {services[name].get("image") for name in ("web", "worker", "jobs")}
    builds = {str(services[name].get("build")) for name in ("web", "worker", "jobs")}
    assert len(images) == 1 and None not in images
    # Every service naming the image builds it, so `up` never tries to pull a local name.
    assert builds == {"."}


def test_web_leaves_background_work_to_the_worker_service():
    compose = _compose()
    workers = [s for s in compose["services"].values() if _command(s) == WORKER_COMMAND]
    assert workers, "compose.yaml has no `python -m dashboard worker` service"
    assert _environment(compose["services"]["web"])["COCKPIT_BACKGROUND"] == "off"


def test_web_requires_a_secret_key_and_trusts_one_proxy():
    env = _environment(_compose()["services"]["web"])
    assert env["SECRET_KEY"] == "${SECRET_KEY:?set SECRET_KEY}"
    assert env["COCKPIT_TRUSTED_PROXIES"] == "1"
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["REDIS_URL"].startswith("redis://redis:")


def test_web_waits_for_a_healthy_database_and_is_checked_on_healthz():
    web = _compose()["services"]["web"]
    assert web["depends_on"]["postgres"]["condition"] == "service_healthy"
    port = _dockerfile_env()["PORT"]
    assert f"http://127.0.0.1:{port}/healthz" in " ".join(web["healthcheck"]["test"])


def test_the_proxy_forwards_to_the_port_web_listens_on():
    port = _dockerfile_env()["PORT"]
    assert port in [str(p) for p in _compose()["services"]["web"]["expose"]]
    assert re.search(rf"reverse_proxy\s+web:{port}\b", (ROOT / "Caddyfile").read_text())


def _run_sh_gunicorn() -> list[str]:
    line = next(
        line
        for line in (ROOT / "scripts" / "run.sh").read_text().splitlines()
        if "gunicorn" in line and not line.lstrip().startswith("#")
    )
    words = [w for w in shlex.split(line) if w not in ("exec", "$@")]
    return [os.path.basename(words[0]), *words[1:]]


def test_the_image_starts_the_server_as_scripts_run_sh_does():
    cmd = [rest for word, rest in _dockerfile_instructions() if word == "CMD"][-1]
    assert json.loads(cmd) == _run_sh_gunicorn()
    assert _run_sh_gunicorn()[0] == "gunicorn"
    # The web service keeps the image's command.
    assert "command" not in _compose()["services"]["web"]


def test_the_image_runs_as_a_user_and_listens_on_every_interface():
    instructions = _dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1] not in ("root", "0")
    env = _dockerfile_env()
    assert env["HOST"] == "0.0.0.0"
    assert [rest for word, rest in instructions if word == "EXPOSE"] == [env["PORT"]]


def test_the_build_context_keeps_what_the_server_runs():
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert not [p for p in patterns if p.startswith("!")], "re-inclusion is not checked here"
    needed = ["app.py", "gunicorn.conf.py", "requirements.txt", "assets"]
    needed += ["dashboard", "data_access", "components", "pages"]
    for name in needed:
        assert (ROOT / name).exists(), name
        hits = [p for p in patterns if fnmatch.fnmatch(name, p.removeprefix("**/"))]
        assert not hits, f".dockerignore drops {name} ({hits})"
    assert {".venv", ".git", "data"} <= set(patterns)


def test_the_jobs_service_runs_a_celery_app_the_image_installs():
    command = _command(_compose()["services"]["jobs"])
    assert command[:4] == ["celery", "-A", "app:celery_app", "worker"]
    module = ROOT / (command[2].split(":")[0].replace(".", "/") + ".py")
    assert re.search(r"^celery_app = ", module.read_text(), re.M), (
        f"{module.name} has no celery_app"
    )
    requirements = (ROOT / "requirements.txt").read_text().lower()
    assert re.search(r"^celery\b", requirements, re.M), "requirements.txt lacks celery"


def test_the_deployment_section_has_a_row_for_every_setting():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Deployment") :]
    first_cells = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    in_table = {name for cell in first_cells for name in re.findall(r"`([A-Z_]+)`", cell)}
    missing = sorted(app_variables() - in_table)
    assert not missing, f"settings without a row in the deployment table: {missing}"


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker is None:
        return None
    version = subprocess.run([docker, "compose", "version"], capture_output=True, timeout=60)
    return [docker, "compose"] if version.returncode == 0 else None


def test_docker_compose_accepts_the_file_and_demands_a_secret_key():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("`docker compose` is not installed here")
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    # No .env file: a developer's own SECRET_KEY there must not hide the missing-key case.
    run = [*cli, "--env-file", os.devnull, "-f", str(COMPOSE), "config", "-q"]
    ok = subprocess.run(run, env={**env, "SECRET_KEY": "x" * 64}, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(run, env=env, capture_output=True, text=True)
    assert missing.returncode != 0
    assert "set SECRET_KEY" in missing.stderr
