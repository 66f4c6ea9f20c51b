"""A private calendar feed (.ics) of the patient's reminder times, for phones without push."""

import hashlib
from datetime import UTC, date
from urllib.parse import urlsplit

from sqlmodel import Session, select

from app.config import get_settings
from app.core.clock import local_today
from app.core.i18n import N_, gettext_for
from app.core.security import hash_token, new_token
from app.models import Patient, ReminderSettings, utcnow
from app.reminders.schemas import in_quiet_hours, parse_clock
from app.reminders.settings import effective_times, ensure_settings
from app.reminders.tzrules import vtimezone
from app.routines.service import items_of, version_on

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
SUMMARY = N_("Neuroglide: your nerve exercises")
DESCRIPTION = N_("Time for your exercises. Open Neuroglide: %(url)s")
ALARM_TEXT = N_("Time for your nerve exercises")


def new_calendar_token(session: Session, patient: Patient) -> str:
    """A fresh private feed token; the previous link stops working."""
    prefs = ensure_settings(session, patient)
    token = new_token()
    prefs.calendar_token_hash = hash_token(token)
    session.add(prefs)
    session.flush()
    return token


def patient_for_token(session: Session, token: str) -> tuple[Patient, ReminderSettings] | None:
    """The active patient whose feed this token opens, or None."""
    if not token or len(token) > 100:
        return None
    prefs = session.exec(
        select(ReminderSettings).where(ReminderSettings.calendar_token_hash == hash_token(token))
    ).first()
    if prefs is None:
        return None
    patient = session.get(Patient, prefs.patient_id)
    if patient is None or patient.archived_at is not None or patient.deleted_at is not None:
        return None
    return patient, prefs


def feed_links(token: str) -> dict[str, str]:
    """The feed's https link and the webcal:// link that opens calendar apps directly."""
    base = get_settings().base_url.rstrip("/")
    url = f"{base}/calendar/{token}.ics"
    parts = urlsplit(url)
    return {"https": url, "webcal": "webcal://" + parts.netloc + parts.path}


def escape(text: str) -> str:
    """A TEXT value escaped as RFC 5545 asks."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """One content line folded at 75 octets, never inside a UTF-8 character."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return line
    parts: list[str] = []
    start, limit = 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and (raw[end] & 0xC0) == 0x80:
            end -= 1  # step back to the start of a multi-byte character
        parts.append(raw[start:end].decode("utf-8"))
        start, limit = end, 74  # continuation lines begin with a space
    return "\r\n ".join(parts)


def routine_days(session: Session, patient: Patient) -> tuple[date | None, list[str]]:
    """When the routine in force began and the weekdays it has exercises on."""
    assert patient.id is not None
    version = version_on(session, patient.id, local_today(patient.timezone))
    if version is None or version.id is None:
        return None, []
    mask = 0
    for item in items_of(session, version.id):
        mask |= item.days_mask
    return version.valid_from, [code for bit, code in enumerate(DAY_CODES) if mask & (1 << bit)]


def build_ics(session: Session, patient: Patient, prefs: ReminderSettings) -> str:
    """The feed: one daily event with an alarm per reminder time, on the routine's days."""
    assert patient.id is not None
    settings = get_settings()
    language = patient.language
    host = urlsplit(settings.base_url).hostname or "neuroglide"
    uid_seed = hashlib.sha256(f"{settings.secret_key}:ics:{patient.id}".encode()).hexdigest()[:20]
    started, days = routine_days(session, patient)
    times = [t for t in (parse_clock(s) for s in effective_times(session, patient, prefs)) if t]
    times = [t for t in times if not in_quiet_hours(t, prefs.quiet_from, prefs.quiet_until)]
    first = started or local_today(patient.timezone)
    summary = escape(gettext_for(language, SUMMARY))
    link = settings.base_url.rstrip("/") + "/today"
    description = escape(gettext_for(language, DESCRIPTION) % {"url": link})
    alarm = escape(gettext_for(language, ALARM_TEXT))
    stamp = (prefs.updated_at or utcnow()).astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Neuroglide//Reminders//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Neuroglide",
        f"X-WR-TIMEZONE:{patient.timezone}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ]
    events: list[str] = []
    if prefs.enabled and days:
        for number, moment in enumerate(sorted(times), start=1):
            events += [
                "BEGIN:VEVENT",
                f"UID:{uid_seed}-slot-{number}@{host}",
                f"DTSTAMP:{stamp}",
                f"DTSTART;TZID={patient.timezone}:{first:%Y%m%d}T{moment:%H%M}00",
                "DURATION:PT15M",
                "RRULE:FREQ=DAILY;BYDAY=" + ",".join(days),
                f"SUMMARY:{summary}",
                f"DESCRIPTION:{description}",
                f"URL:{link}",
                "TRANSP:TRANSPARENT",
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{alarm}",
                "TRIGGER:PT0S",
                "END:VALARM",
                "END:VEVENT",
            ]
    # Always the zone, even with no events: RFC 5545 wants at least one component.
    lines += vtimezone(patient.timezone, first)
    lines += events + ["END:VCALENDAR"]
    return "".join(fold(line) + "\r\n" for line in lines)
