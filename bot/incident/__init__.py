"""Incidents: one disclosure each, from triage to closed."""
