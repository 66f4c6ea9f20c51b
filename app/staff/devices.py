"""Browsers staff have signed in on before, told apart from the rest of their network.

The sign-in pause counts failures per network, so guessing from one address meets a limit. But
everyone behind that address shares the count: a clinic behind one router, or every visitor when
a proxy is not named as trusted. Anyone there could keep all of them out by failing five times
every quarter of an hour. A browser that has signed in as someone carries a signed cookie saying
so (OWASP's "device cookie"); that person's attempts from it are counted on a counter of its
own, which other people's failures never reach, and are not held back by their account's pause.
"""

import secrets
from dataclasses import dataclass

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.config import get_settings
from app.core.sessions import prefixed

DEVICE_COOKIE = "ng_device"
DEVICE_DAYS = 365
# Staff accounts one browser remembers (a shared front-desk computer), the latest kept.
ACCOUNTS_KEPT = 5


@dataclass(frozen=True)
class Device:
    """A browser that signed in before: its random id and the accounts it signed in as."""

    id: str
    accounts: tuple[int, ...]

    def knows(self, user_id: int | None) -> bool:
        """Whether this browser has signed in as this account."""
        return user_id is not None and user_id in self.accounts


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(get_settings().secret_key, salt="neuroglide.device")


def known_device(request: Request) -> Device | None:
    """The browser's well-signed device cookie, if it has one from the last DEVICE_DAYS."""
    raw = request.cookies.get(prefixed(DEVICE_COOKIE))
    if not raw:
        return None
    try:
        payload = _serializer().loads(raw, max_age=DEVICE_DAYS * 86400)
        device = Device(str(payload["d"]), tuple(int(u) for u in payload["u"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    return device if device.id else None


def remember_device(request: Request, response: Response, user_id: int) -> None:
    """After a sign-in that proved who it is: this browser is known for this account."""
    known = known_device(request)
    device_id = known.id if known is not None else secrets.token_urlsafe(16)
    earlier = [u for u in (known.accounts if known is not None else ()) if u != user_id]
    accounts = [*earlier, user_id][-ACCOUNTS_KEPT:]
    response.set_cookie(
        prefixed(DEVICE_COOKIE),
        _serializer().dumps({"d": device_id, "u": accounts}),
        max_age=DEVICE_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=get_settings().https,
        path="/",
    )
