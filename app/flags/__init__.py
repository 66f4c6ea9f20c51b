"""Flags that ask a therapist to look at a patient."""
