"""Advisory data as the world reads it: affected packages with OSV ranges, credits, CWEs.

Pure domain code (no Slack, no HTTP, no database): the intake, the exports and the
forms all speak through these types.
"""
