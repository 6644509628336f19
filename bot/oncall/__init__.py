"""The weekly on-call rotation: the incident commander of each week."""
