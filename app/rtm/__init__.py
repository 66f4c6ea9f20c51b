"""The monthly Remote Therapeutic Monitoring (RTM) record."""
