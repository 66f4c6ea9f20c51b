"""What a patient's invite looks like to the therapist: status, QR code and email."""

import json
from dataclasses import dataclass
from datetime import datetime

import qrcode
from cryptography.fernet import InvalidToken
from fastapi import Request, Response
from markupsafe import Markup, escape
from qrcode.constants import ERROR_CORRECT_M
from sqlmodel import Session, col, select

from app.config import get_settings
from app.core.i18n import gettext_for
from app.core.sealing import sealer
from app.core.security import hash_token, same
from app.core.sessions import read_session
from app.models import AccessToken, Patient, utcnow
from app.patients.service import latest_invites

LINK_COOKIE = "ng_invite"
# Long enough to hand the phone over and scan; a used or replaced link is never shown.
LINK_SHOWN_SECONDS = 15 * 60


@dataclass
class InviteStatus:
    """Where the patient's access stands: never, waiting, used, expired or revoked."""

    state: str
    created_at: datetime | None = None
    expires_at: datetime | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None


def invite_status(session: Session, patient: Patient) -> InviteStatus:
    """The status of the patient's newest invite."""
    assert patient.id is not None
    row = latest_invites(session, [patient.id]).get(patient.id)
    return status_of(row)


def status_of(row: AccessToken | None) -> InviteStatus:
    """The status an invite token stands for."""
    if row is None:
        return InviteStatus("never")
    status = InviteStatus("waiting", row.created_at, row.expires_at, row.used_at, row.revoked_at)
    if row.revoked_at is not None:
        status.state = "revoked"
    elif row.used_at is not None:
        status.state = "used"
    elif row.expires_at is not None and row.expires_at < utcnow():
        status.state = "expired"
    return status


def is_current_invite(session: Session, patient: Patient, token: str) -> bool:
    """Whether a token is the patient's usable invite (for emailing a link just shown)."""
    row = session.exec(
        select(AccessToken).where(
            AccessToken.token_hash == hash_token(token),
            AccessToken.purpose == "invite",
            AccessToken.patient_id == patient.id,
            col(AccessToken.used_at).is_(None),
            col(AccessToken.revoked_at).is_(None),
        )
    ).first()
    return row is not None and (row.expires_at is None or row.expires_at > utcnow())


def qr_svg(text: str, label: str) -> Markup:
    """An inline SVG QR code: one path of dark modules and no style attributes (CSP)."""
    qr = qrcode.QRCode(border=4, error_correction=ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()
    size = len(matrix)
    parts = []
    for y, row in enumerate(matrix):
        x = 0
        while x < size:
            if not row[x]:
                x += 1
                continue
            start = x
            while x < size and row[x]:
                x += 1
            parts.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" class="qr" '
        f'role="img" aria-label="{escape(label)}" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{"".join(parts)}" fill="#000"/></svg>'
    )


def invite_email(patient: Patient, link: str, clinic_name: str) -> tuple[str, str]:
    """Subject and body of the invite email, in the patient's language."""

    def _(message: str) -> str:
        return gettext_for(patient.language, message)

    subject = _("Your home exercises are ready")
    body = "\n\n".join(
        [
            _("Hello %(name)s,") % {"name": patient.display_name},
            _("%(clinic)s has set up your home exercises in Neuroglide.") % {"clinic": clinic_name},
            _("Open this link on the phone you will use. It works once:"),
            link,
            _("After that, the phone stays signed in, even when your routine changes."),
        ]
    )
    return subject, body + "\n"


def _signed_in_as(request: Request) -> str:
    """A digest of the staff session the request comes from ("" without one)."""
    data = read_session(request, "staff")
    return hash_token(data.sid) if data is not None and data.sid else ""


def remember_link(request: Request, response: Response, patient_id: int, token: str) -> None:
    """Keep a link just made for the invite page after the redirect; a reload makes no other.
    The cookie holds the link encrypted and bound to this staff session: a copy of the browser's
    cookies after sign-out, or in another session, shows nothing."""
    payload = json.dumps({"p": patient_id, "t": token, "s": _signed_in_as(request)})
    response.set_cookie(
        LINK_COOKIE,
        sealer(b"neuroglide.invite-link").encrypt(payload.encode()).decode(),
        max_age=LINK_SHOWN_SECONDS,
        httponly=True,
        samesite="strict",
        secure=get_settings().https,
        path=f"/patients/{patient_id}/invite",
    )


def remembered_link(request: Request, session: Session, patient: Patient) -> str | None:
    """The link this browser just made for the patient in this staff session, while it is still
    the usable one."""
    raw = request.cookies.get(LINK_COOKIE)
    if not raw:
        return None
    try:
        sealed = sealer(b"neuroglide.invite-link").decrypt(raw.encode(), ttl=LINK_SHOWN_SECONDS)
        data = json.loads(sealed)
    except (InvalidToken, ValueError):
        return None
    if not isinstance(data, dict) or data.get("p") != patient.id:
        return None
    here = _signed_in_as(request)
    if not here or not same(str(data.get("s", "")), here):
        return None
    token = str(data.get("t", ""))
    return token if is_current_invite(session, patient, token) else None
