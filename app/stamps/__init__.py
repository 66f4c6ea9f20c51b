"""Change stamps: cheap validators for what a page shows."""
