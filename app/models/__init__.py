"""Every table of Neuroglide, importable from one place."""

from app.models.access import AccessToken, RateLimit
from app.models.activity import ExerciseLog, MorningCheck, NotesRead, SafetyReport
from app.models.api_key import ApiKey
from app.models.audit import AuditEvent
from app.models.base import UTCDateTime, utcnow
from app.models.clinic import Clinic, StaffUser
from app.models.dashboard import DashboardSummary
from app.models.exercise import Exercise, ExerciseText
from app.models.flag import Flag
from app.models.message import Message
from app.models.outcome import (
    ClinicMeasure,
    OutcomePlan,
    OutcomeSchedule,
    OutcomeScore,
    TemplateOutcome,
)
from app.models.passkey import PasskeyChallenge, StaffPasskey
from app.models.patient import ClinicalNote, Patient, TimeEntry
from app.models.reminder import AppKey, PushSubscription, ReminderDelivery, ReminderSettings
from app.models.report import ProgressReport
from app.models.rollup import DailyJobClaim, DailyRollup
from app.models.routine import RoutineItem, RoutineTemplate, RoutineVersion, TemplateItem
from app.models.staff_session import StaffSession
from app.models.stamp import ChangeStamp
from app.models.webhook import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AccessToken",
    "ApiKey",
    "AppKey",
    "AuditEvent",
    "ChangeStamp",
    "Clinic",
    "ClinicMeasure",
    "ClinicalNote",
    "DailyJobClaim",
    "DailyRollup",
    "DashboardSummary",
    "Exercise",
    "ExerciseLog",
    "ExerciseText",
    "Flag",
    "Message",
    "MorningCheck",
    "NotesRead",
    "OutcomePlan",
    "OutcomeSchedule",
    "OutcomeScore",
    "PasskeyChallenge",
    "Patient",
    "ProgressReport",
    "PushSubscription",
    "RateLimit",
    "ReminderDelivery",
    "ReminderSettings",
    "RoutineItem",
    "RoutineTemplate",
    "RoutineVersion",
    "SafetyReport",
    "StaffPasskey",
    "StaffSession",
    "StaffUser",
    "TemplateItem",
    "TemplateOutcome",
    "TimeEntry",
    "UTCDateTime",
    "WebhookDelivery",
    "WebhookEndpoint",
    "utcnow",
]
