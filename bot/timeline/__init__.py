"""The story of each incident, event by event."""
