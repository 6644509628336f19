"""Who did what: every action by a person or by the bot."""
