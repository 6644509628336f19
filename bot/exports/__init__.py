"""Exports of one incident: the timeline in Markdown, an advisory draft and an OSV record.

Builders are pure: they take the incident, its timeline and a map of Slack user IDs to
display names, and return text. Nothing here talks to Slack or the database.
"""
