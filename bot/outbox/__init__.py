"""What the outside world must be shown about committed changes, as rows (the outbox).

The transaction that changes an incident also adds a row naming the change (its kind and
the facts needed to show it). Adapters deliver the rows after the commit, in order per
incident, exactly once through crashes and outages. Nothing here knows who delivers them.
"""
