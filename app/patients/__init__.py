"""Therapists managing their patients and invites."""
