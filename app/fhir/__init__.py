"""FHIR R4: a patient's record, a clinic's bulk export, and the code systems they use."""
