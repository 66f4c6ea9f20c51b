"""Per-patient review for therapists."""
