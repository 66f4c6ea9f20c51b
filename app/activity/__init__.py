"""What patients report: exercise logs, next-morning checks, warning signs."""
