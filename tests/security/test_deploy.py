"""The app as a clinic deploys it: the Docker image's own command, compose.yaml, real servers.

The image cannot be built here, so the Dockerfile is read instead: its ENV and CMD are run as a
subprocess with the checkout standing in for the image's WORKDIR and a temporary folder for
/data. Servers are real `neuroglide serve` processes on free ports, so uvicorn's proxy header
handling and access log are the ones a clinic gets.
"""

import json
import re
import secrets
import shlex
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import yaml
from sqlmodel import Session

from app.core.logging import REDACTED, redact_path
from app.core.ratelimit import limit_key
from app.core.secret import PUBLISHED_SECRETS
from tests.factories import api_routes, make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import client_from, sign_in

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SPOOFED = "203.0.113.7"


@dataclass
class Image:
    """What the Dockerfile says the container runs: its environment, folder and command."""

    env: dict[str, str]
    workdir: str
    cmd: list[str]


def _instructions(text: str) -> list[tuple[str, str]]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    found = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def read_dockerfile() -> Image:
    """ENV, WORKDIR and CMD of the repository's Dockerfile."""
    env: dict[str, str] = {}
    workdir, cmd = "/", [""]
    for word, rest in _instructions((ROOT / "Dockerfile").read_text(encoding="utf-8")):
        if word == "ENV":
            env.update(part.split("=", 1) for part in shlex.split(rest))  # type: ignore[misc]
        elif word == "WORKDIR":
            workdir = rest
        elif word == "CMD":
            cmd = json.loads(rest) if rest.startswith("[") else ["sh", "-c", rest]
    return Image(env, workdir, cmd)


def _free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def image_run(data_dir: Path, port: int, **settings: str) -> tuple[list[str], dict[str, str]]:
    """The image's command and environment, on this machine: checkout, data folder, port."""
    image = read_dockerfile()
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "HOME": str(data_dir),
        **{
            key: value.replace(image.workdir, str(ROOT)).replace("/data", str(data_dir))
            for key, value in image.env.items()
        },
        # Listen on loopback only, on a free port (a container listens on every address).
        "NEUROGLIDE_HOST": "127.0.0.1",
        "NEUROGLIDE_PORT": str(port),
        **settings,
    }
    cmd = [part.replace("8000", str(port)).replace("0.0.0.0", "127.0.0.1") for part in image.cmd]
    return cmd, env


@dataclass
class Served:
    """A running server: its address, its data folder and the file its output goes to."""

    url: str
    data_dir: Path
    log: Path

    def audit_addresses(self) -> list[str]:
        """The addresses the audit trail recorded, oldest first."""
        with closing(sqlite3.connect(self.data_dir / "neuroglide.db")) as db:
            return [row[0] for row in db.execute("SELECT ip FROM audit_event ORDER BY id")]

    def limit_keys(self) -> set[str]:
        """The keys of the failure counters."""
        with closing(sqlite3.connect(self.data_dir / "neuroglide.db")) as db:
            return {row[0] for row in db.execute("SELECT key FROM rate_limit")}


@contextmanager
def serve_image(data_dir: Path, **settings: str) -> Iterator[Served]:
    """The Dockerfile's command serving on a free port until the block ends."""
    port = _free_port()
    cmd, env = image_run(data_dir, port, **settings)
    log = data_dir / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                assert process.poll() is None, log.read_text("utf-8", "replace")
                assert time.monotonic() < deadline, "the server did not start"
                try:
                    if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.2)
            yield Served(url, data_dir, log)
        finally:
            process.terminate()
            process.wait(timeout=20)


def a_secret() -> str:
    """A secret key as the README says to make one."""
    return secrets.token_urlsafe(48)


# --- the image runs in production and needs the operator's own secret -----------------------


def test_the_image_runs_as_production() -> None:
    """The Dockerfile sets production, so the checks on the secret apply in every container."""
    assert read_dockerfile().env.get("NEUROGLIDE_ENVIRONMENT") == "production"


def test_the_build_context_leaves_out_local_and_secret_files() -> None:
    """A developer's .env, database, virtual environment and caches never reach an image."""
    ignored = {
        line.strip().rstrip("/")
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for kept_out in (".env", ".git", ".venv", "data", "**/__pycache__", "*.db", "tests"):
        assert kept_out in ignored, kept_out


def test_the_image_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    """The image's command, with its environment and no secret, stops and says how to make one."""
    cmd, env = image_run(tmp_path, _free_port())
    try:
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail("the image started serving without a secret key of its own")
    assert run.returncode != 0
    said = run.stdout + run.stderr
    assert "NEUROGLIDE_SECRET_KEY" in said and "secrets.token_urlsafe" in said, said
    assert not (tmp_path / "neuroglide.db").exists(), "it touched the database first"


@pytest.mark.parametrize("secret", [*sorted(PUBLISHED_SECRETS), "x" * 48])
def test_the_image_refuses_a_published_or_weak_secret(tmp_path: Path, secret: str) -> None:
    """Anyone could sign an admin's cookie with these: the image's command stops instead."""
    cmd, env = image_run(tmp_path, _free_port(), NEUROGLIDE_SECRET_KEY=secret)
    try:
        run = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the image started serving with the secret {secret!r}")
    assert run.returncode != 0 and "NEUROGLIDE_SECRET_KEY" in run.stdout + run.stderr


# --- compose.yaml carries no secret and no password ------------------------------------------

COMPOSE_VAR = re.compile(r"\$\{(\w+)(?:(:?[?-])([^}]*))?\}")


class Missing(Exception):
    """compose refuses to start: a required variable is not set."""


def interpolate(value: str, env: dict[str, str]) -> str:
    """What docker compose makes of ${VAR}, ${VAR:-default} and ${VAR:?message}."""

    def one(match: re.Match[str]) -> str:
        name, op, arg = match.group(1), match.group(2) or "", match.group(3) or ""
        present = env.get(name)
        if op in (":?", "?") and (present is None or (op == ":?" and not present)):
            raise Missing(f"{name}: {arg}")
        if op == ":-" and not present or op == "-" and present is None:
            return arg
        return present or ""

    return COMPOSE_VAR.sub(one, value)


def _compose() -> dict[str, dict[str, str]]:
    """Each service's environment, as written in compose.yaml."""
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    return {
        name: dict(service.get("environment") or {}) for name, service in data["services"].items()
    }


def test_compose_refuses_to_start_without_the_operators_secret_and_password() -> None:
    """Without the variables set, every secret and password in compose.yaml is an error."""
    services = _compose()
    secret_like = [
        (name, key, value)
        for name, env in services.items()
        for key, value in env.items()
        if re.search("SECRET|PASSWORD|DATABASE_URL", key)
    ]
    assert len(secret_like) >= 3
    for name, key, value in secret_like:
        with pytest.raises(Missing):
            interpolate(str(value), {})
        assert ":-" not in str(value), f"{name}.{key} has a fallback value"


def test_compose_uses_the_values_the_operator_supplies() -> None:
    """Set once, each password reaches its place: the superuser's PostgreSQL alone, the app's
    role's the role script and the app's database URL, which names that role, not the
    superuser."""
    supplied = {
        "NEUROGLIDE_SECRET_KEY": a_secret(),
        "POSTGRES_PASSWORD": secrets.token_hex(24),
        "NEUROGLIDE_DB_PASSWORD": secrets.token_hex(24),
    }
    services = _compose()
    app = {key: interpolate(str(v), supplied) for key, v in services["app"].items()}
    db = {key: interpolate(str(v), supplied) for key, v in services["db"].items()}
    assert app["NEUROGLIDE_SECRET_KEY"] == supplied["NEUROGLIDE_SECRET_KEY"]
    assert db["POSTGRES_PASSWORD"] == supplied["POSTGRES_PASSWORD"]
    assert db["NEUROGLIDE_DB_PASSWORD"] == supplied["NEUROGLIDE_DB_PASSWORD"]
    database_url = app["NEUROGLIDE_DATABASE_URL"]
    assert database_url.startswith(
        f"postgresql+psycopg://neuroglide_app:{supplied['NEUROGLIDE_DB_PASSWORD']}@db/"
    )
    assert supplied["POSTGRES_PASSWORD"] not in str(app)
    assert app.get("NEUROGLIDE_ENVIRONMENT", "production") == "production"
    assert app["NEUROGLIDE_TRUSTED_PROXIES"] == ""


def test_compose_makes_the_apps_role_at_the_databases_first_start() -> None:
    """The role script (tests/security/test_deploy_database.py runs it) is mounted where the
    postgres image runs it when it first makes its volume, read-only."""
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    mounts = [v.split(":") for v in data["services"]["db"]["volumes"]]
    script = [m for m in mounts if m[1].startswith("/docker-entrypoint-initdb.d/")]
    assert script == [
        ["./deploy/postgres-app-role.sh", "/docker-entrypoint-initdb.d/10-app-role.sh", "ro"]
    ]
    assert (ROOT / "deploy" / "postgres-app-role.sh").is_file()


def test_compose_runs_the_app_read_only_without_privileges() -> None:
    """The app's container can write only its volume and /tmp, holds no capabilities and
    cannot gain any; the database cannot gain any either."""
    data = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    app, db = data["services"]["app"], data["services"]["db"]
    assert app["read_only"] is True
    assert [mount.split(":")[0] for mount in app["tmpfs"]] == ["/tmp"]
    assert [volume.split(":")[1] for volume in app["volumes"]] == ["/data"]
    assert app["cap_drop"] == ["ALL"] and "cap_add" not in app
    for service in (app, db):
        assert "no-new-privileges:true" in service["security_opt"]
    assert "ports" not in db


# --- forwarded addresses are believed only from named proxies ---------------------------------


def _fail_sign_in(url: str, forwarded_for: str) -> int:
    """One wrong password through the real form, claiming another address."""
    with httpx.Client(base_url=url) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None, page.text
        answer = client.post(
            "/login",
            data={
                "email": "nobody@example.org",
                "password": "wrong-password-1",
                "csrf_token": token.group(1),
            },
            headers={"X-Forwarded-For": forwarded_for},
        )
    return answer.status_code


def test_the_image_ignores_forwarded_addresses_by_default(tmp_path: Path) -> None:
    """A client's own X-Forwarded-For changes neither the audit trail nor the sign-in pause."""
    with serve_image(tmp_path, NEUROGLIDE_SECRET_KEY=a_secret()) as served:
        assert _fail_sign_in(served.url, SPOOFED) == 401
        assert served.audit_addresses() == ["127.0.0.1"]
        assert limit_key("ip", "127.0.0.1") in served.limit_keys()
        assert limit_key("ip", SPOOFED) not in served.limit_keys()


def test_a_named_proxy_is_believed(tmp_path: Path) -> None:
    """With NEUROGLIDE_TRUSTED_PROXIES naming the proxy, the forwarded address is recorded."""
    with serve_image(
        tmp_path, NEUROGLIDE_SECRET_KEY=a_secret(), NEUROGLIDE_TRUSTED_PROXIES="127.0.0.1"
    ) as served:
        assert _fail_sign_in(served.url, SPOOFED) == 401
        assert served.audit_addresses() == [SPOOFED]
        assert limit_key("ip", SPOOFED) in served.limit_keys()


# --- the access log holds no link that works ---------------------------------------------------


def test_the_access_log_holds_no_tokens(tmp_path: Path) -> None:
    """Invite, reset and calendar links are logged with their token replaced."""
    tokens = [secrets.token_urlsafe(32) for _ in range(4)]
    paths = [
        f"/i/{tokens[0]}",
        f"/reset/{tokens[1]}",
        f"/calendar/{tokens[2]}.ics",
        f"/i/{tokens[0]}?token={tokens[3]}",
    ]
    with serve_image(tmp_path, NEUROGLIDE_SECRET_KEY=a_secret()) as served:
        for path in paths:
            httpx.get(served.url + path)
    log = served.log.read_text("utf-8", "replace")
    assert f'"GET /i/{REDACTED} HTTP/1.1"' in log
    assert f'"GET /reset/{REDACTED} HTTP/1.1"' in log
    assert f'"GET /calendar/{REDACTED} HTTP/1.1"' in log
    for token in tokens:
        assert token not in log


def test_every_route_with_a_token_in_its_path_is_redacted() -> None:
    """A new route carrying a secret in its path must be added to the redacted ones."""
    marker = "SECRETMARKER"
    token_routes = [
        path for path, _methods, _route in api_routes() if re.search(r"\{\w*token\w*", path)
    ]
    assert len(token_routes) >= 3
    for path in token_routes:
        filled = re.sub(r"\{\w*token\w*(?::\w+)?\}", marker, path)
        filled = re.sub(r"\{\w+(?::\w+)?\}", "1", filled)
        assert marker not in redact_path(filled), f"{path} is logged with its token"
    assert redact_path("/patients/12/invite?done=sent") == "/patients/12/invite?done=sent"


# --- the demo never runs on a real clinic ----------------------------------------------------


def test_demo_refuses_a_production_configuration(tmp_path: Path) -> None:
    """neuroglide demo would create an admin with a published password: it stops instead."""
    env = {
        "PATH": f"{BIN}:/usr/bin:/bin",
        "NEUROGLIDE_ENVIRONMENT": "production",
        "NEUROGLIDE_SECRET_KEY": a_secret(),
        "NEUROGLIDE_DATA_DIR": str(tmp_path),
    }
    run = subprocess.run(
        [str(BIN / "neuroglide"), "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode != 0
    assert "NEUROGLIDE_ENVIRONMENT=production" in run.stderr, run.stdout + run.stderr
    assert not (tmp_path / "neuroglide.db").exists()


# --- the API description is for staff --------------------------------------------------------


def test_openapi_is_for_signed_in_staff(db: Session) -> None:
    """Anonymous callers and patients are refused the document that maps every route."""
    therapist = make_staff(db, make_clinic(db))
    patient = make_patient(db, therapist)
    db.commit()
    with client_from() as client:
        assert client.get("/api/openapi.json").status_code == 401
        sign_in_patient(client, db, patient)
        assert client.get("/api/openapi.json").status_code == 401
    with client_from() as client:
        sign_in(client, therapist)
        answer = client.get("/api/openapi.json")
        assert answer.status_code == 200
        assert "/api/logs" in answer.json()["paths"]
