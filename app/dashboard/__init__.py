"""The adherence dashboard."""
