"""Messages between a patient and their therapist."""
