"""Tooling for the reliability and security proof: a full scenario to run against a bot,
the registered listeners of the Bolt app, and (in ``process``) the bot as a subprocess."""
