"""The FHIR R4 read API for a clinic's other software, authenticated by API key."""
