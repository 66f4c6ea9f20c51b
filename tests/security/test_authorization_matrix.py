"""The authorization matrix: every route, called by everyone, with ids that are someone else's.

Routes come from the router, so a new route is in the matrix the moment it exists. Each one
is called as nobody, as patients PA and PB, as therapist TA, as TB of another clinic, as
the admin of clinic A and as clinic A's software with an API key (KA), with path ids (and
form and JSON ids) belonging to someone other than the caller. Every answer that would show or
change someone else's data must be a refusal, no answer may show another person's markers, and
the database must not change outside what the caller owns.
"""

import itertools
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.clock import local_today
from app.deps import PUBLIC, CurrentTherapist
from tests.security import snapshot
from tests.security.routes import (
    RouteInfo,
    attack_form,
    attack_json,
    dress,
    fill,
    ids_of,
    key_header,
    refused,
    route_table,
    rule_of,
    send,
    version_of,
)
from tests.security.world import CALLERS, OWN, VICTIM, Caller, World, build_world, push_keys
from tests.staff.support import client_from

# Routes anyone may call, each on purpose.
PUBLIC_ON_PURPOSE = {
    "/healthz": "orchestrators check that the process is alive",
    "/readyz": "load balancers check that the database answers and accepts writes",
    "/": "sends each visitor to Today, the dashboard or the welcome page",
    "/welcome": "tells someone without a session how to get in",
    "/i/{token}": "the invite link is the patient's only credential; unusable links are counted",
    "/manifest.webmanifest": "browsers fetch it without cookies to install the app",
    "/sw.js": "the service worker must load before anyone signs in",
    "/offline": "shown by the service worker when there is no connection",
    "/login": "staff sign in here; failures pause the account and the address",
    "/login/passkey/options": "a one-time challenge for passkey sign-in; paused like /login",
    "/login/passkey": "passkey sign-in; the same pauses and audit events as /login",
    "/logout": "signing out needs no valid session (and is CSRF-protected)",
    "/reset": "asking for a password link; the answer never says whether an account exists",
    "/reset/{token}": "the one-hour reset link is the credential",
    "/calendar/{token}.ics": "calendar apps fetch the feed without cookies; the token is secret",
    "/media/exercise/{exercise_id}": "checks staff and patient sessions itself (404 otherwise)",
    "/fhir/CodeSystem/neuroglide": "the canonical address of our published codes; no patient data",
    "/fhir/CodeSystem/neuroglide-exercise": "built-in exercise codes; no patient data",
}
REQUIRED_RULE = {"patient": "patient", "staff": "staff", "admin": "staff", "api_key": "api_key"}


def _urls(info: RouteInfo, world: World, caller: str) -> list[tuple[str, bool]]:
    """The addresses to try, each with whether it holds someone else's id."""
    foreign = ids_of(world, VICTIM[caller])
    # A token is nobody's id, and a FHIR resource type is the same word for everyone.
    params = [p for p in info.params if p not in ("token", "resource_type")]
    tokens = world.tokens(VICTIM[caller]) if "token" in info.params else [None]
    found = []
    for token in tokens:
        values = {**foreign, "token": token}
        found.append((fill(info.path, values), bool(info.params)))
    if caller in OWN and len(params) > 1:
        own = ids_of(world, OWN[caller])
        # Own ids mixed with someone else's: each id must be checked, not just the first.
        for size in range(1, len(params)):
            for chosen in itertools.combinations(params, size):
                mixed = {**own, **{p: foreign[p] for p in chosen}}
                found.append((fill(info.path, mixed), True))
    if info.method == "GET":
        query = f"?patient={foreign['patient_id']}&patient_id={foreign['patient_id']}"
        query += f"&staff={foreign['user_id']}"
        found = [(url + query, has_foreign) for url, has_foreign in found]
    return found


def _must_refuse(info: RouteInfo, who: Caller, has_foreign: bool) -> bool:
    """Whether the caller must be turned away from this route with these ids."""
    if has_foreign:
        return True
    if info.rule == "public":
        return False
    if who.kind != REQUIRED_RULE[info.rule or "admin"]:
        return True
    return info.rule == "admin" and not who.admin


def _owns(who: Caller) -> Callable[[snapshot.Owner], bool]:
    """What the caller may change: a patient their own rows, staff their clinic's."""

    def owns(owner: snapshot.Owner) -> bool:
        kind, owner_id, clinic_id = owner
        if who.kind == "staff":
            return clinic_id == who.clinic_id
        return who.kind == "patient" and kind == "patient" and owner_id == who.user_id

    return owns


def run_matrix(engine: Engine, world: World, caller: str) -> tuple[int, list[str]]:
    """Call every route as this caller; the number of requests and every problem found."""
    who = world.caller(caller)
    victim = world.patients[VICTIM[caller].patient]
    today = local_today(victim.timezone)
    clinics = list(world.clinics.values())
    problems: list[str] = []
    calls = 0
    with client_from() as client:
        for info in route_table():
            for url, has_foreign in _urls(info, world, caller):
                values = ids_of(world, VICTIM[caller])
                form = attack_form(values, today)
                body = attack_json(values, today, push_keys())
                if info.path.endswith("/subscribe"):
                    # An endpoint is a secret only its own browser knows (like a token).
                    body["endpoint"] = f"http://127.0.0.1:9/push/new-{caller}"
                before = snapshot.take(engine, clinics)
                token = dress(client, who, version_of(engine, who))
                response = send(client, info, url, token, form, body, key_header(who))
                after = snapshot.take(engine, clinics)
                calls += 1
                where = f"{caller} {info.method} {url} -> {response.status_code}"
                if response.status_code >= 500:
                    problems.append(f"{where}: server error")
                must_refuse = _must_refuse(info, who, has_foreign)
                if must_refuse and not refused(response):
                    problems.append(f"{where}: answered instead of refusing")
                allowed = (lambda owner: False) if must_refuse else _owns(who)
                for change in snapshot.changes(before, after, allowed):
                    problems.append(f"{where}: {change}")
                text = response.content.decode("utf-8", "replace")
                for owner, marker in world.hidden_from(caller).items():
                    if marker in text:
                        problems.append(f"{where}: shows {owner}'s data")
    return calls, problems


@pytest.mark.parametrize("caller", CALLERS)
def test_nobody_reaches_someone_elses_data(db: Session, engine: Engine, caller: str) -> None:
    """Every route, every method, with someone else's ids: refused, nothing shown or changed."""
    world = build_world(db)
    calls, problems = run_matrix(engine, world, caller)
    assert calls >= len(route_table())
    assert not problems, "\n".join(problems)


def test_every_route_declares_who_may_call_it() -> None:
    """A route without PUBLIC or a CurrentPatient/Therapist/Admin dependency fails here."""
    table = route_table()
    undeclared = sorted(f"{i.method} {i.path}" for i in table if i.rule is None)
    assert not undeclared, f"routes without an access rule: {undeclared}"
    public = {i.path for i in table if i.rule == "public"}
    assert public - set(PUBLIC_ON_PURPOSE) == set(), "public routes need a reason listed here"
    assert set(PUBLIC_ON_PURPOSE) - public == set(), "listed as public but no longer public"


def test_the_rule_check_sees_a_route_without_a_rule() -> None:
    """The walk over dependencies finds rules at any depth, and none where there is none."""

    def bare() -> None:
        """No access rule at all."""

    def staff_only(user: CurrentTherapist) -> None:
        """Needs staff."""

    assert rule_of(APIRoute("/x", bare)) is None
    assert rule_of(APIRoute("/x", bare, dependencies=[PUBLIC])) == "public"
    assert rule_of(APIRoute("/x", staff_only)) == "staff"


def _cross_requests(world: World, caller: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Own ids in the address with someone else's ids in the form or body."""
    own, foreign = ids_of(world, OWN[caller]), ids_of(world, VICTIM[caller])
    if caller in ("PA", "PB"):
        today = local_today(world.patients[OWN[caller].patient].timezone)
        log = {**attack_json(foreign, today, push_keys()), "uuid": str(uuid.uuid4())}
        # (An edit keeps the log's own exercise whatever item the body names.)
        return [("POST", "/api/logs", log)]
    patient = world.patients[OWN[caller].patient]
    edit = {
        "display_name": patient.display_name,
        "language": "en",
        "timezone": patient.timezone,
        "irritability": "moderate",
        "symptom_limit": "3",
        "therapist_id": foreign["user_id"],
    }
    return [
        (
            "POST",
            f"/patients/{own['patient_id']}/routine/template",
            {"template_id": foreign["template_id"]},
        ),
        ("POST", f"/templates/{own['template_id']}/apply", {"patient_id": foreign["patient_id"]}),
        ("POST", f"/templates/{foreign['template_id']}/apply", {"patient_id": own["patient_id"]}),
        (
            "POST",
            f"/patients/{own['patient_id']}/routine",
            {"action": "add", "add_exercise_id": foreign["exercise_id"]},
        ),
        ("POST", f"/patients/{own['patient_id']}/edit", edit),
        ("POST", "/patients/new", {**edit, "display_name": "New one"}),
        ("POST", "/templates", {"patient_id": foreign["patient_id"], "name": "Copied"}),
    ]


@pytest.mark.parametrize("caller", [c for c in CALLERS if c in OWN])
def test_own_address_with_someone_elses_ids_inside(
    db: Session, engine: Engine, caller: str
) -> None:
    """A foreign id in the form or body of an own page is refused too, and nothing changes."""
    world = build_world(db)
    who = world.caller(caller)
    clinics = list(world.clinics.values())
    with client_from() as client:
        for method, url, data in _cross_requests(world, caller):
            before = snapshot.take(engine, clinics)
            token = dress(client, who, version_of(engine, who))
            if url.startswith("/api/"):
                headers = {"x-csrf-token": token, "accept": "application/json"}
                response = client.request(method, url, json=data, headers=headers)
            else:
                form = {**data, "csrf_token": token}
                response = client.request(method, url, data=form, headers={"accept": "text/html"})
            where = f"{caller} {method} {url} {data} -> {response.status_code}"
            assert refused(response) or response.status_code == 422, where
            assert snapshot.changes(before, snapshot.take(engine, clinics), lambda o: False) == []
            for owner, marker in world.hidden_from(caller).items():
                assert marker not in response.text, f"{where} shows {owner}'s data"
