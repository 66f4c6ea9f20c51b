"""Outcome measures: the catalogue, scores, schedules and trends against the MCID.

For other parts of the app (progress report, FHIR export, RTM record), the stable read API is
`app.outcomes.service`: `measure_trends(session, patient_id, language=None, until=None)` gives a
`MeasureTrend` per measure with a score (definition, baseline, latest, points, change,
`important`, `direction_word`, one-sentence `summary`); `measure_for` and `catalogue` resolve
measure keys (built-in ones in `measures.py`, with LOINC codes where one exists, or a clinic's
own "clinic-<id>"); `scores_of` lists the stored rows, whose `answers` hold PSFS activities.
"""
