"""The `cvss` library's calculators, fed vectors that `parse_vector` has already validated.

The library would split and check the vector string again; these subclasses hand it the
metrics we parsed instead (our parser is the stricter of the two). Everything after parsing,
every score, is the library's own computation.
"""

from __future__ import annotations

from cvss import CVSS3, CVSS4

from bot.scoring.parsing import Vector


class ParsedCVSS3(CVSS3):  # type: ignore[misc]  # the library has no type hints
    def __init__(self, vector: Vector) -> None:
        self._parsed = vector
        super().__init__(vector.text)

    def parse_vector(self) -> None:
        self.minor_version = 0 if self._parsed.version == "3.0" else 1
        self.metrics = dict(self._parsed.metrics)


class ParsedCVSS4(CVSS4):  # type: ignore[misc]
    def __init__(self, vector: Vector) -> None:
        self._parsed = vector
        super().__init__(vector.text)

    def parse_vector(self) -> None:
        self.metrics = dict(self._parsed.metrics)
