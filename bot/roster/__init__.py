"""The security team: who may manage incidents."""
