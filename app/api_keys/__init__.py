"""API keys: made, listed and revoked by a clinic admin, checked on every API request."""
