"""Advisory data as the world reads it: affected packages with OSV ranges, credits, CWEs.

Pure domain code (no Slack, no HTTP): the intake, the exports and the forms all speak
through these types. For a builder of another format (a CVE record, say):

- `store.packages(session, incident_id)` -> `list[model.AffectedPackage]`: OSV ecosystem,
  name, `purl`, `ranges` (OSV events, one list per range), `versions`, `fixed`,
  `fix_links`, `range_phrases()` in GitHub's words, `affects(version)`;
- `store.credits(session, incident_id)` -> `list[model.Credit]` (name, OSV type, contact,
  state); `model.public_credits(...)` keeps the accepted ones, the only ones to publish;
- `Incident.cwe_ids`, `Incident.reported_vectors`, `Incident.ghsa_id` on the incident row;
- `exports.osv.exported_credits(ctx)` and `exports.osv.references(ctx)` for the credits and
  typed references an export carries.
"""
