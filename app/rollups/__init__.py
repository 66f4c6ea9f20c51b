"""Daily rollups: per-patient, per-day figures kept in step with what patients report."""
