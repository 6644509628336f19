"""CVSS scoring: metric catalogue, vector parsing, scores and comparisons (no Slack)."""
