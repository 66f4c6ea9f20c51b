"""Progress reports and discharge summaries for the providers who share a patient's care."""
