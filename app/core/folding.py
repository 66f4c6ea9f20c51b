"""Names folded for searching: case, accents and apostrophes set aside, so "maria" finds "María"
and "oneill" finds "O'Neill"."""

import unicodedata

# Straight and curly apostrophes, the modifier letter and the backtick people type for one.
APOSTROPHES = "'\u2019\u2018\u02bc`"
_DROP = str.maketrans("", "", APOSTROPHES)


def folded(text: str) -> str:
    """Lower case (case-folded: "ß" is "ss") with accents, other marks and apostrophes taken off."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_DROP))
    return "".join(c for c in decomposed if not unicodedata.combining(c))
