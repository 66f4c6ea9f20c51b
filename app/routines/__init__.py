"""Prescribed routines as versions in time."""
