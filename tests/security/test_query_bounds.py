"""Every numeric query parameter is bounded like path ids: huge, negative or not a number, never
a 500 and always with the security headers."""

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tests.security.routes import dress, fill, ids_of, key_header, route_table, version_of
from tests.security.world import OWN, build_world
from tests.staff.support import client_from

BAD = (str(2**64), "-1", "x", "9" * 5000)
# Parsed by hand from the query string rather than declared, so not found from the router.
READ_BY_HAND = ("page", "slot", "patient", "staff", "tempo")
# The read API reads its own by hand too, and refuses unknown ones: each is sent alone.
FHIR_BY_HAND = (["_count"], ["_page"], ["_id"], ["patient"])
# Who calls a route of each rule: an admin reaches every workspace page.
CALLER = {"admin": "AA", "staff": "AA", "patient": "PA", "api_key": "KA", "public": "anonymous"}


def _query_params(dependant: Dependant) -> list[tuple[str, object]]:
    found = [(p.alias, p.field_info.annotation) for p in dependant.query_params]
    for sub in dependant.dependencies:
        found += _query_params(sub)
    return found


def numeric_query_params() -> dict[str, set[str]]:
    """Each GET route's declared query parameters that hold a number, from the router."""
    from app.main import app

    found: dict[str, set[str]] = {}
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.route, APIRoute) and "GET" in (ctx.methods or ()):
            names = {n for n, kind in _query_params(ctx.dependant) if "int" in str(kind)}
            found[ctx.path] = names
    return found


def test_the_router_shows_the_numeric_query_parameters() -> None:
    """The search finds the declared ones (so a new one is checked without listing it here)."""
    found = numeric_query_params()
    assert "saved" in found["/patients/{patient_id}/routine"]
    assert {"patient", "staff"} <= found["/audit"]
    assert "template" in found["/templates"]


def test_numbers_past_any_row_never_break_a_page(db: Session, engine: Engine) -> None:
    """2**64, -1, 'x' and 5000 digits in every numeric query parameter of every GET route."""
    world = build_world(db)
    declared = numeric_query_params()
    problems: list[str] = []
    sent = 0
    with client_from() as client:
        for info in route_table():
            if info.method != "GET":
                continue
            name = CALLER[info.rule or "public"]
            who = world.caller(name)
            side = OWN.get(name, OWN["AA"])
            url = fill(info.path, {**ids_of(world, side), "token": world.invite_used[side.patient]})
            version = version_of(engine, who) if who.kind != "anonymous" else 1
            # Declared ones one at a time (a 422 on one hides the rest); the others together.
            queries = [[name] for name in sorted(declared.get(info.path, set()))]
            if info.rule == "api_key":
                queries += FHIR_BY_HAND
            for names in [*queries, list(READ_BY_HAND)]:
                for value in BAD:
                    dress(client, who, version)
                    accept = "application/json" if info.is_api else "text/html"
                    params = dict.fromkeys(names, value)
                    headers = {"accept": accept, **key_header(who)}
                    response = client.get(url, params=params, headers=headers)
                    sent += 1
                    where = f"{info.path}?{'&'.join(names)}={value[:24]} -> {response.status_code}"
                    if response.status_code >= 500:
                        problems.append(f"{where}: server error")
                    elif "content-security-policy" not in response.headers:
                        problems.append(f"{where}: no security headers")
    assert sent > 50
    assert not problems, "\n".join(problems)
