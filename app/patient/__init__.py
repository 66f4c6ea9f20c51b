"""The patient app: today, guided exercise, logging, checks, progress."""
