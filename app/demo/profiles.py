"""The demo clinic's people and the story each patient's history tells."""

from dataclasses import dataclass, field

DEMO_CLINIC = "Riverside Nerve & Spine Clinic (demo)"
DEMO_PASSWORD = "glide-demo-2026"
DEMO_ADMIN = ("admin@demo.neuroglide.app", "Jordan Admin")
# Words a therapist leaves on an exercise, in each patient's language.
NOTES: dict[str, dict[str, str]] = {
    "gentle": {
        "en": "Keep the range small; stop well before it hurts.",
        "es": "Haz el movimiento pequeño y para mucho antes de que duela.",
    },
    "step_up": {
        "en": "Slightly larger range now: still no more than mild symptoms.",
        "es": "Ahora un poco más de recorrido, sin pasar de molestias leves.",
    },
}
DEMO_THERAPISTS = [
    ("alex@demo.neuroglide.app", "Alex Morgan"),
    ("sam@demo.neuroglide.app", "Sam Rivera"),
]


@dataclass(frozen=True)
class Profile:
    """One demo patient: who they are, what they do, and how their history goes."""

    name: str
    therapist: int
    condition: str
    nerve: str
    exercises: tuple[str, ...]
    story: str
    adherence: float  # chance a due slot is done, at the start
    fade_to: float | None = None  # adherence at the end, when it fades
    pain_start: float = 4.0
    pain_end: float = 2.0
    language: str = "en"
    timezone: str = "Europe/London"
    irritability: str = "moderate"
    days: int = 60
    silent_last: int = 0
    overdo: bool = False
    worse_mornings: bool = False
    red_flag: bool = False
    step_up_at: int | None = None  # days before today
    late_rise: float = 0.0  # extra pain over the last week
    tags: tuple[str, ...] = field(default_factory=tuple)
    side: str = "both"  # the sore side, as in the condition: left | right | both


PROFILES: list[Profile] = [
    Profile(
        "María López",
        0,
        "Carpal tunnel syndrome (right)",
        "median",
        ("carpal-tunnel-slider", "median-slider"),
        "adherent, improving",
        0.9,
        pain_start=5,
        pain_end=2,
        language="es",
        timezone="Europe/Madrid",
        step_up_at=25,
        side="right",
    ),
    Profile(
        "James Carter",
        0,
        "Sciatica (left leg)",
        "sciatic",
        ("seated-slump-slider", "supine-sciatic-slider", "tibial-glide"),
        "adherent, stepped up",
        0.85,
        pain_start=6,
        pain_end=3,
        step_up_at=20,
        side="left",
    ),
    Profile(
        "Aroha Ngata",
        0,
        "Cubital tunnel (left)",
        "ulnar",
        ("ulnar-slider",),
        "fading adherence",
        0.9,
        fade_to=0.2,
        timezone="Pacific/Auckland",
        pain_start=4,
        pain_end=4,
        side="left",
    ),
    Profile(
        "Daniel Kim",
        0,
        "Neck-arm pain (right C6)",
        "median",
        ("median-slider", "radial-slider"),
        "does more than prescribed",
        0.95,
        timezone="America/Los_Angeles",
        overdo=True,
        pain_start=5,
        pain_end=4,
        side="right",
    ),
    Profile(
        "Fatima Hassan",
        0,
        "Sciatica (right leg)",
        "sciatic",
        ("seated-slump-slider", "slr-ankle-pumps"),
        "worse the next morning",
        0.8,
        worse_mornings=True,
        pain_start=4,
        pain_end=5,
        side="right",
    ),
    Profile(
        "Tom Becker",
        0,
        "Low back and left leg pain",
        "sciatic",
        ("opposite-leg-glide", "supine-sciatic-slider"),
        "reported warning signs",
        0.75,
        red_flag=True,
        irritability="high",
        pain_start=6,
        pain_end=6,
        side="left",
    ),
    Profile(
        "Linda Park",
        0,
        "Carpal tunnel syndrome (both)",
        "median",
        ("carpal-tunnel-slider",),
        "gone quiet",
        0.8,
        silent_last=5,
        side="both",
    ),
    Profile(
        "Carlos Ruiz",
        1,
        "Sciatica (left leg)",
        "sciatic",
        ("opposite-leg-glide",),
        "adherent, irritable",
        0.9,
        language="es",
        timezone="America/Mexico_City",
        irritability="high",
        pain_start=7,
        pain_end=4,
        side="left",
    ),
    Profile(
        "Grace O'Neill",
        1,
        "Anterior thigh pain (right)",
        "femoral",
        ("femoral-slider", "femoral-tensioner"),
        "pain trending up",
        0.85,
        pain_start=2,
        pain_end=3,
        late_rise=3.0,
        side="right",
    ),
    Profile(
        "Sam Patel",
        1,
        "Lateral elbow and forearm pain (left)",
        "radial",
        ("radial-slider", "radial-tensioner"),
        "partly done",
        0.55,
        side="left",
    ),
    Profile(
        "Ana Souza",
        1,
        "Cubital tunnel (right)",
        "ulnar",
        ("ulnar-slider", "ulnar-tensioner"),
        "just started",
        0.9,
        language="es",
        timezone="America/Sao_Paulo",
        days=10,
        side="right",
    ),
    Profile(
        "Peter Novak",
        1,
        "Recovering sciatica (right leg)",
        "sciatic",
        ("seated-slump-tensioner", "tibial-glide"),
        "adherent, low irritability",
        0.9,
        irritability="low",
        pain_start=3,
        pain_end=1,
        side="right",
    ),
]

# Who referred some demo patients and their goals, so the demo's reports have a reader.
# (name, organisation, contact, language the referrer reads, goals), by patient name.
REFERRALS: dict[str, tuple[str, str, str, str, str]] = {
    "María López": (
        "Dra. Elena Navarro",
        "Clínica de la Mano Sur (demo)",
        "+34 910 000 000 · consultas@manosur.example",
        "es",
        "Dormir sin despertarse con los dedos dormidos\nLlevar las bolsas de la compra",
    ),
    "James Carter": (
        "Dr Priya Shah",
        "Riverside Spine Clinic (demo)",
        "020 7946 0999 · referrals@riverside.example",
        "en",
        "Walk the dog for 30 minutes\nSit through a two-hour meeting",
    ),
}
