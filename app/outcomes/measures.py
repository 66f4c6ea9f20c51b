"""The catalogue of outcome measures as data: ranges, direction, MCID and LOINC codes."""

from dataclasses import dataclass
from typing import Literal

from babel.numbers import format_decimal

from app.core.digits import plain_digits

Kind = Literal["patient", "recorded"]


@dataclass(frozen=True)
class Measure:
    """One outcome measure and how to read a change in it."""

    key: str
    name_en: str
    name_es: str
    kind: Kind
    min: float
    max: float
    higher_is_better: bool
    # The minimal clinically important difference: a change reaches it when it is at least
    # mcid_points, or at least mcid_percent of the baseline (either rule is enough).
    mcid_points: float | None = None
    mcid_percent: float | None = None
    loinc: str | None = None
    # Free to build in with its items, or score only (licensed or unverified terms).
    licence: Literal["free", "score only"] = "score only"
    # Decimal places a score is entered and shown with.
    decimals: int = 0
    # A rating of change (GRC) is itself the change since the start, not a level.
    rates_change: bool = False
    clinic_id: int | None = None

    def name(self, language: str = "en") -> str:
        """The measure's name in the patient's or referrer's language."""
        return self.name_es if language.startswith("es") else self.name_en

    @property
    def has_mcid(self) -> bool:
        """Whether a clinically important difference is defined for this measure."""
        return self.mcid_points is not None or self.mcid_percent is not None

    @property
    def range_text(self) -> str:
        """'0 to 100, lower is better' style description of the scale ('-3 to 3', not '-3-3')."""
        return f"{self.min:g} to {self.max:g}, {self.better_text}"

    @property
    def better_text(self) -> str:
        """Which way along the scale is better, in words."""
        return "higher is better" if self.higher_is_better else "lower is better"

    @property
    def choice_text(self) -> str:
        """The name with its scale for a list to choose from, every measure written one way and
        the range said once: 'Neck Disability Index (0-50)' reads 'Neck Disability Index (0 to 50,
        lower is better)' like 'Oswestry Disability Index 2.1a (0 to 100, lower is better)'."""
        given = f"({self.format(self.min)}-{self.format(self.max)})"
        name = self.name_en.removesuffix(given).rstrip()
        return f"{name} ({self.range_text})"

    @property
    def mcid_text(self) -> str:
        """The MCID in words for the staff pages, or a dash when none is agreed."""
        parts = []
        if self.mcid_points is not None:
            parts.append(f"{self.format(self.mcid_points)} points")
        if self.mcid_percent is not None:
            parts.append(f"{self.mcid_percent:g}% of the baseline")
        return " or ".join(parts) if parts else "none agreed"

    def format(self, value: float, language: str = "en") -> str:
        """A score as text with this measure's decimals, in the language's number style."""
        # The measure's own decimals always; up to two when a score was entered more finely.
        pattern = "0." + "0" * self.decimals + "#" * max(2 - self.decimals, 0)
        return format_decimal(round(value, 2), pattern, locale=language)

    def in_range(self, value: float) -> bool:
        """Whether a score lies on the measure's scale."""
        return self.min <= value <= self.max


PAIN_AVG = Measure(
    key="pain_avg",
    name_en="Pain, average over the last week (0-10)",
    name_es="Dolor, promedio de la última semana (0-10)",
    kind="patient",
    min=0,
    max=10,
    higher_is_better=False,
    mcid_points=2,
    mcid_percent=30,
    loinc="72514-3",
    licence="free",
)
PAIN_WORST = Measure(
    key="pain_worst",
    name_en="Pain, worst over the last week (0-10)",
    name_es="Dolor, el peor de la última semana (0-10)",
    kind="patient",
    min=0,
    max=10,
    higher_is_better=False,
    mcid_points=2,
    mcid_percent=30,
    loinc="72514-3",
    licence="free",
)
PSFS = Measure(
    key="psfs",
    name_en="Patient-Specific Functional Scale",
    name_es="Escala funcional específica del paciente",
    kind="patient",
    min=0,
    max=10,
    higher_is_better=True,
    mcid_points=2,
    licence="free",
    decimals=1,
)
GRC = Measure(
    key="grc",
    name_en="Global rating of change",
    name_es="Valoración global del cambio",
    kind="patient",
    min=-3,
    max=3,
    higher_is_better=True,
    # The rating is the anchor other MCIDs are set against: "better" or "much better" (+2 or
    # more) counts as an important improvement, as responders are usually defined.
    mcid_points=2,
    licence="free",
    rates_change=True,
)
ODI = Measure(
    key="odi",
    name_en="Oswestry Disability Index 2.1a",
    name_es="Índice de discapacidad de Oswestry 2.1a",
    kind="recorded",
    min=0,
    max=100,
    higher_is_better=False,
    mcid_points=10,
    mcid_percent=30,
    loinc="97909-6",
)
NDI = Measure(
    key="ndi",
    name_en="Neck Disability Index (0-50)",
    name_es="Índice de discapacidad cervical (0-50)",
    kind="recorded",
    min=0,
    max=50,
    higher_is_better=False,
    mcid_points=5,
    loinc="82237-9",
)
QUICKDASH = Measure(
    key="quickdash",
    name_en="QuickDASH",
    name_es="QuickDASH",
    kind="recorded",
    min=0,
    max=100,
    higher_is_better=False,
    mcid_points=16,
    decimals=1,
)
BCTQ_SYMPTOMS = Measure(
    key="bctq_sss",
    name_en="Boston Carpal Tunnel Questionnaire, symptoms",
    name_es="Cuestionario de Boston del túnel carpiano, síntomas",
    kind="recorded",
    min=1,
    max=5,
    higher_is_better=False,
    mcid_points=1.0,
    decimals=2,
)
BCTQ_FUNCTION = Measure(
    key="bctq_fss",
    name_en="Boston Carpal Tunnel Questionnaire, function",
    name_es="Cuestionario de Boston del túnel carpiano, función",
    kind="recorded",
    min=1,
    max=5,
    higher_is_better=False,
    mcid_points=1.6,
    decimals=2,
)
RMDQ = Measure(
    key="rmdq",
    name_en="Roland-Morris Disability Questionnaire (0-24)",
    name_es="Cuestionario de discapacidad de Roland-Morris (0-24)",
    kind="recorded",
    min=0,
    max=24,
    higher_is_better=False,
    mcid_points=5,
    mcid_percent=30,
)
PROMIS_PI = Measure(
    key="promis_pi6a",
    name_en="PROMIS Pain Interference 6a (T-score)",
    name_es="PROMIS Interferencia del dolor 6a (puntuación T)",
    kind="recorded",
    min=30,
    max=90,
    higher_is_better=False,
    mcid_points=2,
    loinc="77865-4",
    decimals=1,
)
SBI = Measure(
    key="sbi",
    name_en="Sciatica Bothersomeness Index (0-24)",
    name_es="Índice de molestia de la ciática (0-24)",
    kind="recorded",
    min=0,
    max=24,
    higher_is_better=False,
)

# Where the literature gives a range for the MCID, the lower end is used; a clinic wanting a
# stricter rule adds its own measure with its own MCID.
BUILT_IN: tuple[Measure, ...] = (
    PAIN_AVG,
    PAIN_WORST,
    PSFS,
    GRC,
    ODI,
    NDI,
    QUICKDASH,
    BCTQ_SYMPTOMS,
    BCTQ_FUNCTION,
    RMDQ,
    PROMIS_PI,
    SBI,
)
BY_KEY: dict[str, Measure] = {m.key: m for m in BUILT_IN}
PATIENT_KEYS: tuple[str, ...] = tuple(m.key for m in BUILT_IN if m.kind == "patient")
# Pain average and worst are asked together, as one question pair.
PAIN_KEYS = ("pain_avg", "pain_worst")
# How many activities the PSFS asks the patient to name, at most.
PSFS_MAX_ACTIVITIES = 5
CLINIC_KEY_PREFIX = "clinic-"


def clinic_key(measure_id: int) -> str:
    """The measure key of a clinic-added measure."""
    return f"{CLINIC_KEY_PREFIX}{measure_id}"


def clinic_measure_id(key: str) -> int | None:
    """The clinic measure id a key names, or None for a built-in key."""
    if not key.startswith(CLINIC_KEY_PREFIX):
        return None
    rest = key[len(CLINIC_KEY_PREFIX) :]
    return int(rest) if plain_digits(rest) and len(rest) < 10 else None
