"""Bolt listeners: thin handlers that ack, check who is asking, and call the domain."""
