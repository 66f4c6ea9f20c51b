"""Outcome measures: the catalogue, scores, schedules and trends against the MCID."""
