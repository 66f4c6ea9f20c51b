"""Names folded for searching: case and accents set aside, so "maria" finds "María"."""

import unicodedata


def folded(text: str) -> str:
    """Lower case (case-folded: "ß" is "ss") with accents and other marks taken off."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))
