"""Disclosures that arrive over HTTP: the signed report webhook and GitHub advisories."""
