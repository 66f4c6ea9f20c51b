"""The workspace library: browse and filter, copy and edit, archive, photos and videos."""

import io
from typing import Any

from sqlmodel import Session, func, select

from app.config import get_settings
from app.library.admin import copy_exercise, media_file, sniff_media, store_media
from app.models import Exercise, ExerciseText
from tests.factories import builtin, make_clinic, make_patient, make_staff, sign_in_patient
from tests.staff.support import PNG, client_from, post, sign_in

# The first bytes of real files of each kind.
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 32
MP4 = b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41" + b"\x00" * 4096
WEBM = b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\xf7\x81\x01\x42\x82\x84webm" + b"\x00" * 64
MOV = b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00qt  " + b"\x00" * 64


def _edit_form(**changes: str) -> dict[str, str]:
    data = {
        "nerve": "median",
        "kind": "slider",
        "derived_from": "ULNT1",
        "body_region": "wrist_hand",
        "ladder_stage": "2",
        "default_sets": "3",
        "default_reps": "8",
        "default_seconds_per_cycle": "6",
        "default_hold_seconds": "0",
        "default_times_per_day": "2",
        "en_name": "Gentle wrist glide",
        "en_purpose": "Helps the nerve at the wrist move.",
        "en_start_position": "Sit tall.",
        "en_steps": "Bend the wrist back.\n\n  Straighten the elbow.  \nRelax.",
        "en_feel": "A light pull.",
        "en_mistakes": "Moving fast.",
        "en_cautions": "Stop if tingling spreads.",
        "es_name": "Deslizamiento suave de muñeca",
        "es_purpose": "Ayuda al nervio de la muñeca a moverse.",
        "es_start_position": "Siéntate recto.",
        "es_steps": "Dobla la muñeca.\nEstira el codo.",
        "es_feel": "Un tirón ligero.",
        "es_mistakes": "",
        "es_cautions": "",
    }
    data.update(changes)
    return data


def _texts(db: Session, exercise_id: int) -> dict[str, ExerciseText]:
    rows = db.exec(select(ExerciseText).where(ExerciseText.exercise_id == exercise_id)).all()
    return {row.language: row for row in rows}


def test_browse_and_filter_the_library(db: Session) -> None:
    """Filters by nerve, kind, region and words, as a GET form and as an htmx fragment."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        everything = client.get("/library")
        assert everything.status_code == 200
        assert "Median nerve slider" in everything.text and "Femoral" in everything.text

        def listing(url: str) -> str:
            return client.get(url, headers={"HX-Request": "true"}).text

        median = listing("/library?nerve=median&kind=two_ended_tensioner")
        assert "Median nerve tensioner" in median and "Median nerve slider" not in median
        assert "gliding sequence" not in median and "Tensioner (both ends)" in median
        one_end = listing("/library?nerve=median&kind=one_ended_tensioner")
        assert "gliding sequence" in one_end and "Median nerve tensioner" not in one_end
        assert "Tensioner (one end)" in one_end
        region = listing("/library?region=ankle_foot")
        assert "Sural" in region and "Median" not in region
        words = listing("/library?q=ULNT3")  # matches the test it derives from
        assert "Ulnar nerve slider" in words and "Median" not in words
        spanish = listing("/library?q=mediano")  # and words in Spanish
        assert "Median nerve slider" in spanish and "Ulnar" not in spanish
        # Every word must match, in any order; a condition's name finds its nerve.
        both = listing("/library?q=slider+median")
        assert "Median nerve slider" in both and "Median nerve tensioner" not in both
        assert "Ulnar" not in both
        assert "Ulnar nerve slider" in listing("/library?q=cubital+tunnel")
        sciatica = listing("/library?q=Sciatica")
        assert "Tibial" in sciatica and "Median" not in sciatica and "Femoral" not in sciatica
        assert "fibular" in listing("/library?q=foot+drop").lower()
        assert "fibular" in listing("/library?q=drop+foot").lower()
        assert "Median" in listing("/library?q=t%C3%BAnel+carpiano")
        assert "0 exercises" in listing("/library?q=median+zzzz")
        # A nerve's or a kind's name finds its exercises whatever their names say.
        median_words = listing("/library?q=median")
        assert "Carpal tunnel slider" in median_words and "Gentle carpal tunnel" in median_words
        assert "Ulnar" not in median_words
        tensioners = listing("/library?q=tensioner")
        assert "Ankle pumps" in tensioners and "gliding sequence" in tensioners
        assert "Median nerve slider" not in tensioners
        assert "Carpal tunnel slider" in listing("/library?q=median+slider")
        # Filters work without JavaScript too: the full page, with the choices kept.
        page = client.get("/library?nerve=median&kind=two_ended_tensioner").text
        assert "<html" in page and '<option value="median" selected>' in page
        assert '<option value="two_ended_tensioner" selected>Tensioner (both ends)' in page
        fragment = client.get("/library?nerve=femoral", headers={"HX-Request": "true"})
        assert "<html" not in fragment.text and "Femoral" in fragment.text
        assert "3 exercises" in fragment.text
        nothing = client.get("/library?nerve=vagus&kind=x").text  # unknown values mean any
        assert "Median nerve slider" in nothing


def test_the_detail_page_shows_both_languages_dose_and_test(db: Session) -> None:
    """Every text in English and Spanish, the default dose and the test it derives from."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    exercise = builtin(db, "median-slider")
    with client_from() as client:
        sign_in(client, me)
        page = client.get(f"/library/{exercise.id}").text
    texts = _texts(db, exercise.id or 0)
    for language in ("en", "es"):
        assert texts[language].steps[0].replace("'", "&#39;") in page
        assert texts[language].name in page
    assert "ULNT1" in page and "2 sets of 10" in page and "Copy to our clinic" in page


def test_copy_then_edit_the_clinics_own_exercise(db: Session) -> None:
    """A copy keeps the texts and points at its source; edits touch only the copy."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    source = builtin(db, "carpal-tunnel-slider")
    original = _texts(db, source.id or 0)["en"].as_dict()
    with client_from() as client:
        sign_in(client, me)
        copied = post(client, f"/library/{source.id}/copy")
        assert copied.status_code == 303
        copy_id = int(copied.headers["location"].split("/")[2])
        form = client.get(copied.headers["location"])
        assert "Copied to your clinic" in form.text and original["steps"][0] in form.text
        assert '<option value="one_ended_tensioner">Tensioner (one end)</option>' in form.text
        assert "{seconds_per_cycle}" in form.text  # the therapist edits the placeholders
        saved = post(client, f"/library/{copy_id}/edit", _edit_form(kind="one_ended_tensioner"))
        assert saved.status_code == 303 and saved.headers["location"] == f"/library/{copy_id}"
        assert "Gentle wrist glide" in client.get("/library?source=own").text
        # Built-ins are copied, not edited.
        assert (
            client.get(f"/library/{source.id}/edit").headers["location"] == f"/library/{source.id}"
        )
        assert post(client, f"/library/{source.id}/edit", _edit_form()).status_code == 404
    copy = db.get(Exercise, copy_id)
    assert copy is not None and copy.clinic_id == me.clinic_id and copy.source_id == source.id
    assert (copy.default_sets, copy.default_reps, copy.derived_from) == (3, 8, "ULNT1")
    assert copy.kind == "one_ended_tensioner"
    texts = _texts(db, copy_id)
    assert texts["en"].steps == ["Bend the wrist back.", "Straighten the elbow.", "Relax."]
    assert texts["es"].name == "Deslizamiento suave de muñeca" and texts["es"].mistakes == []
    assert _texts(db, source.id or 0)["en"].as_dict() == original


def test_bad_exercise_input_changes_nothing(db: Session) -> None:
    """Missing name or steps, out-of-range dose, unknown nerve: messages, nothing saved."""
    me = make_staff(db, make_clinic(db))
    exercise = copy_exercise(db, me.clinic_id, builtin(db, "median-slider"))
    db.commit()
    before = _texts(db, exercise.id or 0)["en"].as_dict()
    cases = [
        ({"en_name": ""}, "Give the exercise a name."),
        ({"en_steps": "\n  \n"}, "Write at least one step."),
        ({"es_steps": ""}, "Write at least one step."),
        ({"default_reps": "61"}, "A whole number from 1 to 60."),
        ({"default_sets": "two"}, "A whole number from 1 to 10."),
        # Only defaults a routine can be prescribed with (a routine allows 2-20 s and 0-10 s).
        ({"default_seconds_per_cycle": "40"}, "A whole number of seconds from 2 to 20."),
        ({"default_hold_seconds": "25"}, "A whole number of seconds from 0 to 10."),
        ({"ladder_stage": "9"}, "Choose a stage from 1 to 5."),
        ({"nerve": "vagus"}, "Choose the nerve."),
        # Only the three kinds of movement: the old two-way "tensioner" and "other" are gone.
        ({"kind": "tensioner"}, "Choose slider, tensioner (both ends) or tensioner (one end)."),
        ({"kind": "other"}, "Choose slider, tensioner (both ends) or tensioner (one end)."),
        # A mistyped placeholder would reach patients braces and all.
        (
            {"en_steps": "Pause {hold_second}."},
            "{hold_second} is not something the app can fill in: use {seconds_per_cycle} or",
        ),
    ]
    with client_from() as client:
        sign_in(client, me)
        for change, message in cases:
            response = post(client, f"/library/{exercise.id}/edit", _edit_form(**change))
            assert response.status_code == 422 and message in response.text, change
            assert "Sets: Sets" not in response.text and "Reps: Reps" not in response.text
        before_count = db.exec(select(func.count()).select_from(Exercise)).one()
        assert post(client, "/library/new", _edit_form(en_name="")).status_code == 422
        assert db.exec(select(func.count()).select_from(Exercise)).one() == before_count
    assert _texts(db, exercise.id or 0)["en"].as_dict() == before


def test_new_exercise_without_spanish_falls_back_to_english(db: Session) -> None:
    """Leaving Spanish empty stores no Spanish words, so patients see the English ones."""
    me = make_staff(db, make_clinic(db))
    db.commit()
    empty_es = {f"es_{k}": "" for k in ("name", "purpose", "start_position", "steps", "feel")}
    with client_from() as client:
        sign_in(client, me)
        created = post(client, "/library/new", _edit_form(**empty_es))
        assert created.status_code == 303
        exercise_id = int(created.headers["location"].split("/")[2])
        page = client.get(f"/library/{exercise_id}").text
        assert "No Spanish words yet" in page
    assert set(_texts(db, exercise_id)) == {"en"}
    exercise = db.get(Exercise, exercise_id)
    assert exercise is not None and exercise.slug == "gentle-wrist-glide"


def test_archive_and_restore_an_own_exercise(db: Session) -> None:
    """Archived exercises leave the library list and can come back."""
    me = make_staff(db, make_clinic(db))
    exercise = copy_exercise(db, me.clinic_id, builtin(db, "sural-glide"))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        assert post(client, f"/library/{exercise.id}/archive").status_code == 303
        assert f'/library/{exercise.id}"' not in client.get("/library?source=own").text
        assert f'/library/{exercise.id}"' in client.get("/library?source=own&archived=1").text
        post(client, f"/library/{exercise.id}/restore")
        assert f'/library/{exercise.id}"' in client.get("/library?source=own").text
        builtin_id = builtin(db, "median-slider").id
        assert post(client, f"/library/{builtin_id}/archive").status_code == 404


def _upload(client: Any, exercise_id: int | None, content: bytes, name: str, kind: str) -> Any:
    return post(client, f"/library/{exercise_id}/media", files={"file": (name, content, kind)})


def test_uploads_are_checked_by_content_not_name(db: Session) -> None:
    """A renamed text file is refused; a real PNG is stored under a random name and served."""
    me = make_staff(db, make_clinic(db))
    exercise = copy_exercise(db, me.clinic_id, builtin(db, "median-slider"))
    db.commit()
    with client_from() as client:
        sign_in(client, me)
        fake = _upload(client, exercise.id, b"just some notes\n" * 20, "photo.png", "image/png")
        assert fake.status_code == 422 and "is not a JPEG, PNG or WebP photo" in fake.text
        db.refresh(exercise)
        assert exercise.media_path is None
        empty = post(client, f"/library/{exercise.id}/media", data={})
        assert empty.status_code == 422 and "Choose a photo or video" in empty.text
        good = _upload(client, exercise.id, PNG, "starting position.txt", "text/plain")
        assert good.status_code == 303
        db.refresh(exercise)
        assert exercise.media_type == "image/png"
        assert exercise.media_path and "starting" not in exercise.media_path
        stored = media_file(exercise)
        assert stored is not None and stored.parent == get_settings().resolved_media_dir
        served = client.get(f"/media/exercise/{exercise.id}")
        assert served.status_code == 200 and served.content == PNG
        assert served.headers["content-type"] == "image/png"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert 'src="/media/exercise/' in client.get(f"/library/{exercise.id}").text
        post(client, f"/library/{exercise.id}/media/delete")
        assert not stored.exists()
        assert client.get(f"/media/exercise/{exercise.id}").status_code == 404


def test_uploads_over_the_size_limit_are_refused(db: Session, monkeypatch: Any) -> None:
    """Files larger than NEUROGLIDE_MAX_UPLOAD_MB are refused and leave no file behind."""
    monkeypatch.setattr(get_settings(), "max_upload_mb", 1)
    me = make_staff(db, make_clinic(db))
    exercise = copy_exercise(db, me.clinic_id, builtin(db, "median-slider"))
    db.commit()
    media_dir = get_settings().resolved_media_dir
    before = set(media_dir.iterdir()) if media_dir.exists() else set()
    with client_from() as client:
        sign_in(client, me)
        big = PNG + b"\x00" * (1024 * 1024)
        response = _upload(client, exercise.id, big, "big.png", "image/png")
        assert response.status_code == 422 and "larger than 1 MB" in response.text
    db.refresh(exercise)
    assert exercise.media_path is None
    assert set(media_dir.iterdir()) == before


def test_media_kinds_are_recognised() -> None:
    """JPEG, PNG, WebP, MP4 and WebM pass; QuickTime, HTML and text do not."""
    assert sniff_media(b"\xff\xd8\xff\xe0\x00\x10JFIF") == "image/jpeg"
    assert sniff_media(PNG) == "image/png"
    assert sniff_media(WEBP) == "image/webp"
    assert sniff_media(MP4[:64]) == "video/mp4"
    assert sniff_media(WEBM[:64]) == "video/webm"
    assert sniff_media(MOV[:64]) is None
    assert sniff_media(b"<html><script>alert(1)</script>") is None
    assert sniff_media(b"") is None


def test_video_is_served_in_ranges_to_the_patient_who_has_it(db: Session) -> None:
    """Patients whose routine includes the exercise get it (with Range); others get 404."""
    me = make_staff(db, make_clinic(db))
    slider = builtin(db, "median-slider")
    own = copy_exercise(db, me.clinic_id, slider)
    store_media(db, own, io.BytesIO(MP4))
    db.commit()
    patient = make_patient(db, me, slugs=("median-slider",))
    other = make_patient(db, me)
    from app.routines.service import ItemDose, new_version

    assert own.id is not None and patient.id is not None
    new_version(db, patient.id, [ItemDose(exercise_id=own.id)], patient.created_at.date())
    db.commit()
    with client_from() as phone, client_from() as stranger_phone:
        sign_in_patient(phone, db, patient)
        sign_in_patient(stranger_phone, db, other)
        part = phone.get(f"/media/exercise/{own.id}", headers={"range": "bytes=0-99"})
        assert part.status_code == 206 and part.content == MP4[:100]
        assert part.headers["content-type"] == "video/mp4"
        assert part.headers["content-range"] == f"bytes 0-99/{len(MP4)}"
        assert stranger_phone.get(f"/media/exercise/{own.id}").status_code == 404
    with client_from() as nobody:
        assert nobody.get(f"/media/exercise/{own.id}").status_code == 404
