"""Adherence: what was due each day against what the patient logged."""
