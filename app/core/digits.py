"""Whole numbers typed into addresses and forms."""


def plain_digits(text: str) -> bool:
    """Only the ASCII digits 0-9: str.isdigit() also takes '²' or '١', which int() refuses."""
    return text.isascii() and text.isdigit()
