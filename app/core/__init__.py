"""Cross-cutting pieces: security, sessions, templating, languages."""
