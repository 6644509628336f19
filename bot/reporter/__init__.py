"""Answering the reporter by email: canned starting points and the durable reply."""
