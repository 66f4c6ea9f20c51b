"""The exercise library: built-in exercises and each clinic's own."""
