"""Liveness and database health."""
