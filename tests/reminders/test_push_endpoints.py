"""Push endpoints cannot aim the server at its own network: checked on subscribe and on send."""

import socket
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.config import get_settings
from app.models import PushSubscription, StaffUser
from app.reminders.push import PushTarget, send_push, vapid_keys
from app.reminders.schemas import SubscriptionIn
from tests.factories import csrf, make_clinic, make_patient, make_staff, sign_in_patient
from tests.reminders.conftest import subscribe
from tests.reminders.pushservice import PushService

REFUSED = [
    "http://127.0.0.1:8080/push/1",
    "https://127.0.0.1/push/1",
    "https://localhost/push/1",
    "https://push.localhost/push/1",
    "https://10.0.0.5/push/1",
    "https://192.168.1.1/push/1",
    "https://172.16.0.1/push/1",
    "https://169.254.169.254/latest/meta-data/",
    "https://100.100.100.200/latest/meta-data/",  # CGNAT, a cloud's metadata address
    "https://100.64.0.1/push/1",
    "https://224.0.0.1/push/1",
    "https://0.0.0.0/push/1",
    "https://[::1]/push/1",
    "https://[::]/push/1",
    "https://[fe80::1]/push/1",
    "https://[fd00:ec2::254]/latest/meta-data/",
    "https://[::ffff:127.0.0.1]/push/1",
    "https://[::ffff:a9fe:a9fe]/push/1",
    "https://[64:ff9b::a9fe:a9fe]/push/1",
    "https://[2002:7f00:1::]/push/1",
    "https://[ff02::1]/push/1",
    "https://2130706433/push/1",
    "https://127.1/push/1",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://intranet/push/1",
    "https://fcm.googleapis.com:8443/fcm/send/1",
    "https://user:pw@fcm.googleapis.com/fcm/send/1",
    "ftp://fcm.googleapis.com/fcm/send/1",
    "https://fcm.googleapis.com/fcm/send/1\r\nX-Injected: 1",
    "https://fcm.googleapis.com/fcm/send/1 2",
]
ACCEPTED = [
    "https://fcm.googleapis.com/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/abc",
    "https://web.push.apple.com/abc",
    "https://[2a00:1450:4009:81f::200a]/push/1",
]


@pytest.fixture
def nothing_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """The production default: no host is exempt (the suite allows its fake push service)."""
    monkeypatch.setattr(get_settings(), "push_allowed_hosts", "")


def _keys() -> dict[str, str]:
    from tests.security.world import push_keys

    return push_keys()


@pytest.mark.parametrize("endpoint", REFUSED)
def test_subscribe_refuses_endpoints_off_the_public_internet(
    client: TestClient, db: Session, nothing_allowed: None, endpoint: str
) -> None:
    """Loopback, private, link-local, CGNAT, multicast, metadata and disguised forms: 422."""
    sign_in_patient(client, db, make_patient(db, make_staff(db, make_clinic(db))))
    response = client.post(
        "/api/push/subscribe",
        json={"endpoint": endpoint, "keys": _keys()},
        headers={"X-CSRF-Token": csrf(client)},
    )
    assert response.status_code == 422, response.text
    assert [e["loc"] for e in response.json()["detail"]] == [["body", "endpoint"]]
    assert (
        db.exec(select(PushSubscription).where(PushSubscription.endpoint == endpoint)).all() == []
    )


@pytest.mark.parametrize("endpoint", ACCEPTED)
def test_public_https_push_services_are_accepted(nothing_allowed: None, endpoint: str) -> None:
    """The browsers' own push services (and any public https host) are fine."""
    assert SubscriptionIn(endpoint=endpoint, keys=_keys()).endpoint == endpoint  # type: ignore[arg-type]


def _target(db: Session, therapist: StaffUser, endpoint: str) -> PushTarget:
    """A stored subscription, as one made before these checks existed could be."""
    patient = make_patient(db, therapist)
    assert patient.id is not None
    keys = _keys()
    sub = PushSubscription(
        patient_id=patient.id, endpoint=endpoint, p256dh=keys["p256dh"], auth=keys["auth"]
    )
    db.add(sub)
    db.commit()
    assert sub.id is not None
    return PushTarget(sub.id, endpoint, sub.p256dh, sub.auth)


def test_send_time_check_refuses_a_stored_loopback_endpoint(
    fresh_engine: Engine,
    session: Session,
    therapist: StaffUser,
    push_service: PushService,
    nothing_allowed: None,
) -> None:
    """An endpoint stored earlier on this machine is never called; it counts as gone."""
    device = push_service.device()
    target = _target(session, therapist, device.endpoint)
    result = send_push(vapid_keys(fresh_engine), target, {"title": "x"})
    assert not result.ok and result.gone
    assert push_service.requests == 0


def test_a_name_that_resolves_to_a_private_address_is_not_called(
    fresh_engine: Engine,
    session: Session,
    therapist: StaffUser,
    push_service: PushService,
    nothing_allowed: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A public-looking name whose DNS answer is loopback is refused after resolution."""
    real = socket.getaddrinfo

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "push.rebind.example":
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    endpoint = "https://push.rebind.example/push/1"
    SubscriptionIn(endpoint=endpoint, keys=_keys())  # type: ignore[arg-type]
    target = _target(session, therapist, endpoint)
    result = send_push(vapid_keys(fresh_engine), target, {"title": "x"})
    assert not result.ok and result.gone
    assert "not public" in result.error
    assert push_service.requests == 0


def test_the_connection_goes_to_the_address_that_was_checked(
    fresh_engine: Engine,
    session: Session,
    therapist: StaffUser,
    push_service: PushService,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DNS rebinding: a second lookup would answer differently, but none is made."""
    port = push_service.server.server_address[1]
    monkeypatch.setattr(get_settings(), "push_allowed_hosts", f"rebind.example:{port}")
    real = socket.getaddrinfo
    answers = ["127.0.0.1", "192.0.2.1"]  # then an address nobody answers on
    lookups: list[str] = []

    def lookup(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "rebind.example":
            lookups.append(host)
            return real(answers[min(len(lookups), 2) - 1], *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", lookup)
    device = push_service.device()
    endpoint = device.endpoint.replace("127.0.0.1", "rebind.example")
    target = _target(session, therapist, endpoint)
    send_push(vapid_keys(fresh_engine), target, {"title": "x"})
    assert lookups == ["rebind.example"]
    assert push_service.requests == 1  # reached the first, checked answer


def test_the_fake_push_service_is_reachable_only_through_the_allow_list(
    session: Session, therapist: StaffUser, push_service: PushService
) -> None:
    """The suite's allow-list names the fake service's host; that is what lets it through."""
    assert "127.0.0.1" in get_settings().push_allowed_hosts
    patient = make_patient(session, therapist)
    subscribe(session, patient, push_service.device())
