"""A local CVE Services the tests own, shaped after the service's published OpenAPI."""

from tests.cve_services.server import FakeCveServices

__all__ = ["FakeCveServices"]
