"""Browser-side security: a strict CSP the templates keep to, HSTS and cookie flags, and CSRF
checked on every state-changing route of the router."""

import re
import secrets
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest
from fastapi.responses import Response as FastAPIResponse
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.config import Settings, get_settings
from app.core.clock import local_today
from app.core.csrf import CSRF_COOKIE, new_csrf_cookie, token_for_cookies
from app.core.middleware import CSP
from app.core.sessions import PATIENT_COOKIE, STAFF_COOKIE, write_staff_cookie
from app.core.templating import TEMPLATE_DIR
from tests.factories import PASSWORD, csrf, make_clinic, make_patient, make_staff
from tests.security import snapshot
from tests.security.routes import (
    RouteInfo,
    attack_form,
    attack_json,
    dress,
    fill,
    ids_of,
    key_header,
    route_table,
    send,
    version_of,
)
from tests.security.world import OWN, World, build_world, push_keys
from tests.staff.support import client_from

# What a strict CSP forbids in markup: each needs 'unsafe-inline' (or eval) to work.
INLINE = {
    "style attribute": re.compile(r"""\sstyle\s*=\s*["']""", re.I),
    "event handler attribute": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I),
    "htmx inline handler": re.compile(r"\shx-on[:-]", re.I),
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc\s*=)[^>]*>", re.I),
    "javascript: URL": re.compile(r"javascript:", re.I),
}
CSRF_MESSAGE = "Your session form expired"


def inline_problems(text: str, name: str) -> list[str]:
    """Every place in a template or page that a strict CSP would block, as name:line."""
    found = []
    for what, pattern in INLINE.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"{name}:{line}: {what}: {match.group(0).strip()}")
    return found


def test_content_security_policy_allows_nothing_inline() -> None:
    """No unsafe-inline or unsafe-eval; scripts, styles and everything else from the app only."""
    assert "unsafe-inline" not in CSP and "unsafe-eval" not in CSP
    rules = dict(part.strip().split(" ", 1) for part in CSP.split(";"))
    assert rules["default-src"] == "'self'"
    assert rules["script-src"] == "'self'" and rules["style-src"] == "'self'"
    assert rules["object-src"] == "'none'" and rules["frame-ancestors"] == "'none'"
    assert rules["base-uri"] == "'self'" and rules["form-action"] == "'self'"


def test_no_template_needs_unsafe_inline() -> None:
    """Every template under app/templates: no style=, no on*= handlers, no inline <script>."""
    problems = []
    templates = sorted(p for p in Path(TEMPLATE_DIR).rglob("*") if p.is_file())
    assert len(templates) > 40
    for path in templates:
        text = path.read_text(encoding="utf-8")
        problems += inline_problems(text, str(path.relative_to(TEMPLATE_DIR.parent.parent)))
    assert not problems, "\n".join(problems)


def test_the_template_scan_finds_what_it_looks_for() -> None:
    """The scan catches each kind, on the right line."""
    sample = '<p>\n<b style="x">\n<a onclick="go()">\n<script>\n<script src="/a.js"></script>'
    found = inline_problems(sample, "t.html")
    assert [f.split(":")[1] for f in found] == ["2", "3", "4"]
    assert inline_problems('<div hx-on:click="x">', "t") and inline_problems("<script\n>", "t")


@pytest.fixture
def world(db: Session) -> World:
    """Two clinics with everything in them."""
    return build_world(db)


def _caller_for(info: RouteInfo) -> str | None:
    """Who may open a route: its patient, its admin (also staff), the clinic's software with a
    key, or nobody for public ones."""
    rule = info.rule or "public"
    return {"patient": "PA", "staff": "AA", "admin": "AA", "api_key": "KA", "public": None}[rule]


def _own_values(world: World, caller: str | None) -> dict[str, Any]:
    """The caller's own ids (clinic A's when signed out), so only CSRF stands in the way."""
    return ids_of(world, OWN[caller or "AA"])


def _own_url(world: World, info: RouteInfo, caller: str | None) -> str:
    """The route's address with the caller's own ids and live tokens."""
    values = _own_values(world, caller)
    side = OWN[caller or "AA"]
    if info.path.startswith("/i/"):
        values["token"] = world.invite_valid[side.patient]
    elif info.path.startswith("/reset/"):
        values["token"] = world.reset[side.staff]
    elif info.path.startswith("/calendar/"):
        values["token"] = world.calendar[side.patient]
    return fill(info.path, values)


def test_every_page_carries_the_policy_and_renders_nothing_inline(
    world: World, engine: Engine
) -> None:
    """Each GET route, opened by whoever may open it: CSP header set, no inline markup."""
    problems = []
    pages = 0
    with client_from() as client:
        for info in route_table():
            if info.method != "GET":
                continue
            caller = _caller_for(info)
            who = world.caller(caller or "anonymous")
            dress(client, who)
            headers = {"accept": "text/html", **key_header(who)}
            response = client.get(_own_url(world, info, caller), headers=headers)
            where = f"GET {info.path} -> {response.status_code}"
            if response.headers.get("content-security-policy") is None:
                problems.append(f"{where}: no Content-Security-Policy")
            if response.headers.get("x-content-type-options") != "nosniff":
                problems.append(f"{where}: no nosniff")
            if "text/html" in response.headers.get("content-type", ""):
                pages += 1
                problems += inline_problems(response.text, where)
    assert pages > 25
    assert not problems, "\n".join(problems)


def _cookies(response: Any) -> dict[str, str]:
    """Each Set-Cookie of a response by name, lower-cased."""
    found = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            found[name] = header.lower()
    return found


def _flags_ok(header: str, secure: bool) -> bool:
    samesite = "samesite=lax" in header or "samesite=strict" in header
    return "httponly" in header and samesite and (("secure" in header) == secure)


@pytest.fixture
def https(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app as served at an https address (the cached settings changed for this test only)."""
    monkeypatch.setattr(get_settings(), "base_url", "https://neuroglide.example")
    assert get_settings().https
    yield
    # monkeypatch puts the address back; nothing else derived from it is cached.


def _journey(db: Session, client: TestClient) -> dict[str, str]:
    """Sign a therapist in, make an invite, sign a patient in: every cookie that was set."""
    staff = make_staff(db, make_clinic(db))
    patient = make_patient(db, staff)
    cookies: dict[str, str] = {}
    cookies.update(_cookies(client.get("/login")))
    login = client.post(
        "/login", data={"email": staff.email, "password": PASSWORD, "csrf_token": csrf(client)}
    )
    assert login.status_code == 303
    cookies.update(_cookies(login))
    invite = client.post(f"/patients/{patient.id}/invite", data={"csrf_token": csrf(client)})
    cookies.update(_cookies(invite))
    link = invite.headers["location"]
    page = client.get(link)
    token = re.search(r"/i/([A-Za-z0-9_-]+)", page.text)
    assert token is not None
    accepted = client.post(f"/i/{token.group(1)}", data={"csrf_token": csrf(client)})
    assert accepted.status_code == 303
    cookies.update(_cookies(accepted))
    return cookies


def test_https_brings_hsts_and_secure_cookies(db: Session, https: None) -> None:
    """At an https address: HSTS for a year, and every cookie Secure, HttpOnly and SameSite."""
    from app.main import app

    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        first = client.get("/healthz")
        hsts = first.headers["strict-transport-security"]
        assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000  # type: ignore[union-attr]
        cookies = {**_cookies(first), **_journey(db, client)}
    names = {"__Host-" + name for name in (CSRF_COOKIE, STAFF_COOKIE, PATIENT_COOKIE)}
    assert names <= set(cookies)
    bad = {name: header for name, header in cookies.items() if not _flags_ok(header, True)}
    assert not bad
    response = FastAPIResponse()
    write_staff_cookie(response, 1, "a-session-id")
    assert _flags_ok(response.headers["set-cookie"].lower(), True)


def test_plain_http_has_no_hsts_and_cookies_still_httponly_samesite(db: Session) -> None:
    """Local development over http: no HSTS, cookies without Secure (or nobody could sign in)."""
    assert Settings(base_url="https://a.example").https
    assert not Settings(base_url="http://127.0.0.1:8000").https
    with client_from() as client:
        first = client.get("/healthz")
        assert "strict-transport-security" not in first.headers
        cookies = {**_cookies(first), **_journey(db, client)}
    bad = {name: header for name, header in cookies.items() if not _flags_ok(header, False)}
    assert {CSRF_COOKIE, STAFF_COOKIE, PATIENT_COOKIE} <= set(cookies) and not bad


VARIANTS = ("no token", "a wrong token", "another browser's token", "the token without its cookie")


def _forged(variant: str, good: str) -> str | None:
    """The token a forged request carries in each variant."""
    return {
        "no token": None,
        "a wrong token": secrets.token_hex(32),
        "another browser's token": token_for_cookies({CSRF_COOKIE: new_csrf_cookie()}),
        "the token without its cookie": good,
    }[variant]


def _requests(world: World) -> Iterator[tuple[RouteInfo, str | None, str, dict[str, Any], Any]]:
    """Each state-changing route with each caller it is meant for, own ids, a complete form."""
    today = local_today(world.patients["PA"].timezone)
    for info in route_table():
        if not info.changes_state:
            continue
        # Public forms are tried signed out and signed in as a patient and as staff.
        callers = [_caller_for(info)] if info.rule != "public" else [None, "PA", "AA"]
        for caller in callers:
            values = _own_values(world, caller)
            form = attack_form(values, today)
            yield (
                info,
                caller,
                _own_url(world, info, caller),
                form,
                attack_json(values, today, push_keys()),
            )


def test_every_state_changing_route_needs_the_csrf_token(world: World, engine: Engine) -> None:
    """Each POST/PUT/PATCH/DELETE of the router, as its signed-in user with their own ids and a
    complete form, as a form post and as htmx: without the matching token it is 403 and
    nothing changes."""
    clinics = list(world.clinics.values())
    problems: list[str] = []
    checked = 0
    with client_from() as client:
        for info, caller, url, form, body in _requests(world):
            who = world.caller(caller or "anonymous")
            before = snapshot.take(engine, clinics)
            for variant in VARIANTS:
                for htmx in (False, True):
                    good = dress(client, who, csrf=variant != VARIANTS[-1])
                    token = _forged(variant, good)
                    headers = {"hx-request": "true"} if htmx else {}
                    if htmx and token is not None:
                        headers["x-csrf-token"] = token  # htmx sends it as a header
                    response = send(client, info, url, None if htmx else token, form, body, headers)
                    checked += 1
                    how = "htmx" if htmx else "form"
                    where = f"{caller or 'anonymous'} {info.method} {url} ({how}, {variant})"
                    if response.status_code != 403 or CSRF_MESSAGE not in response.text:
                        problems.append(f"{where}: {response.status_code}, not refused")
                    if set(_cookies(response)) & {STAFF_COOKIE, PATIENT_COOKIE}:
                        problems.append(f"{where}: touched the session cookie")
            # Eight forged requests later, nobody's data has changed.
            after = snapshot.take(engine, clinics)
            where = f"{caller or 'anonymous'} {info.method} {url}"
            problems += [f"{where}: {c}" for c in snapshot.changes(before, after, _none)]
    assert checked >= 8 * len([i for i in route_table() if i.changes_state])
    assert not problems, "\n".join(problems)


def _none(owner: Any) -> bool:
    """Nobody's data may change."""
    return False


def test_the_same_requests_pass_the_check_with_the_token(world: World, engine: Engine) -> None:
    """The forged requests above differ from real ones only by the token: with it, none of them
    is refused for CSRF (so the test above really tests the token)."""
    refused = []
    with client_from() as client:
        for info, caller, url, form, body in _requests(world):
            # Own versions may have moved on (a revoke or a deletion earlier in this loop).
            who = world.caller(caller or "anonymous")
            token = dress(client, who, version_of(engine, who))
            response = send(client, info, url, token, form, body)
            if response.status_code == 403 and CSRF_MESSAGE in response.text:
                refused.append(f"{caller} {info.method} {url}")
    assert not refused
