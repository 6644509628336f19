"""A Slack bot that runs private vulnerability disclosures."""

__version__ = "0.1.0"
