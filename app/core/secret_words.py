"""Whether a secret key reads as words: keys people make up ("OurClinicProductionKey2026")
are the ones guessed first. A random key almost never holds these words."""

# Words such keys are made of: the product, the setting, the trade, and the usual fillers.
WORDS = frozenset(
    """
    secret secrets key keys production prod staging clinic clinics neuroglide neuro glide
    password passwd pass change changeme this that our your very super admin token app
    application the and for with default example test testing demo server session sessions
    cookie cookies sign signing random long string value please replace here insert use real
    strong safe safety security secure private hidden top health physio physiotherapy therapy
    therapist patient patients home exercise exercises nerve nerves company team office
    hospital docker compose env local live main master new old year one two three four five
    six seven eight nine ten hello world welcome letmein open sesame dragon monkey qwerty love
    sun moon star blue red green black white cat dog horse correct battery staple house summer
    winter spring autumn care pain back leg arm hand neck spine rehab riverside number
    """.split()
)
LONGEST = max(map(len, WORDS))
# In 50,000 random keys of each kind the words covered at most a fifth of the letters.
WORDY_SHARE = 0.5
MIN_LETTERS = 12


def reads_as_words(secret: str) -> bool:
    """Whether words of the list, taken longest first from left to right, cover at least half
    of the key's letters."""
    low = secret.lower()
    covered = [False] * len(low)
    start = 0
    while start < len(low):
        for size in range(min(LONGEST, len(low) - start), 2, -1):
            if low[start : start + size] in WORDS:
                covered[start : start + size] = [True] * size
                start += size
                break
        else:
            start += 1
    letters = [n for n, c in enumerate(low) if c.isalpha()]
    if len(letters) < MIN_LETTERS:
        return False
    return sum(covered[n] for n in letters) >= WORDY_SHARE * len(letters)
