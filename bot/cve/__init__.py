"""CVE IDs and records: the CVE Services gateway, the CNA container and its schema."""
