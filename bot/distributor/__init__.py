"""Private distributors: the list, embargoed notices and acknowledgements, embargo breaks,
and the public announcement. Domain only: no Slack, no SMTP (mail goes through the outbox).
"""
