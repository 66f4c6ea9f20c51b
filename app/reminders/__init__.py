"""Reminders at the patient's own times: Web Push, a calendar feed, sent exactly once."""
