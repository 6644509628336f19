"""The Slack adapter: everything that knows about Slack lives here."""
