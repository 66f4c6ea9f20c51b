"""Offline sync: the JSON API the phone replays its saved entries to."""
