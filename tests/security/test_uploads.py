"""Uploads are judged by their content, never by their name or the type the browser claims."""

import struct
import zlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.config import get_settings
from app.library.admin import copy_exercise
from app.library.mediacheck import sniff_media
from app.models import Exercise, StaffUser
from tests.factories import builtin, csrf, make_clinic, make_staff
from tests.staff.support import PNG, client_from, sign_in

HTML = b"<!doctype html><html><body><script>fetch('/patients')</script></body></html>"
# A minimal JPEG header: start of image, a JFIF segment, then the start of the picture data.
JPEG = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    b"\xff\xdb\x00\x43\x00" + bytes(range(64)) + b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00"
    b"\x12\x34\xff\xd9"
)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# Polyglots: each starts like a photo and carries a web page.
POLYGLOTS = {
    "png signature then a page": b"\x89PNG\r\n\x1a\n" + HTML,
    "a real png with a page after its end": PNG + HTML,
    "a page hidden in a png text chunk after the end": PNG + _chunk(b"tEXt", HTML),
    "jpeg signature then a page": b"\xff\xd8\xff" + HTML,
    "webp container around a page": b"RIFF" + struct.pack("<I", 4) + b"WEBP" + HTML,
    "png chunk with a wrong checksum": PNG[:33] + b"\x00\x00\x00\x00" + PNG[37:],
}


def _setup(db: Session) -> tuple[StaffUser, Exercise]:
    me = make_staff(db, make_clinic(db))
    exercise = copy_exercise(db, me.clinic_id, builtin(db, "median-slider"))
    db.commit()
    return me, exercise


def _upload(client: TestClient, exercise_id: int, content: bytes, name: str, kind: str) -> Any:
    return client.post(
        f"/library/{exercise_id}/media",
        data={"csrf_token": csrf(client)},
        files={"file": (name, content, kind)},
    )


def _stored() -> set[str]:
    folder = get_settings().resolved_media_dir
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def test_a_text_file_named_like_a_photo_is_refused(db: Session) -> None:
    """photo.jpg sent as image/jpeg but holding text: 422, nothing saved or attached."""
    me, exercise = _setup(db)
    before = _stored()
    with client_from() as client:
        sign_in(client, me)
        text = b"Just some notes\n" * 40
        response = _upload(client, exercise.id or 0, text, "photo.jpg", "image/jpeg")
    assert response.status_code == 422 and "not a JPEG, PNG or WebP photo" in response.text
    db.refresh(exercise)
    assert exercise.media_path is None and _stored() == before


@pytest.mark.parametrize("name", sorted(POLYGLOTS))
def test_a_polyglot_is_refused(db: Session, name: str) -> None:
    """A file that starts like a photo but is built like a page is refused, and not kept."""
    me, exercise = _setup(db)
    before = _stored()
    with client_from() as client:
        sign_in(client, me)
        response = _upload(client, exercise.id or 0, POLYGLOTS[name], "photo.png", "image/png")
    assert response.status_code == 422, name
    db.refresh(exercise)
    assert exercise.media_path is None and _stored() == before


def test_real_photos_pass_and_are_served_so_nothing_inside_can_run(db: Session) -> None:
    """A real PNG and JPEG are kept whatever their name; served with their sniffed type only."""
    me, exercise = _setup(db)
    with client_from() as client:
        sign_in(client, me)
        for content, kind in ((PNG, "image/png"), (JPEG, "image/jpeg")):
            response = _upload(client, exercise.id or 0, content, "notes.txt", "text/html")
            assert response.status_code == 303, response.text
            served = client.get(f"/media/exercise/{exercise.id}")
            assert served.content == content and served.headers["content-type"] == kind
            assert served.headers["x-content-type-options"] == "nosniff"
            policy = served.headers["content-security-policy"]
            assert "sandbox" in policy and "default-src 'none'" in policy
    assert sniff_media(JPEG) == "image/jpeg"
