"""Roster membership: the only people who may see and manage incidents."""

from __future__ import annotations

from collections.abc import Iterable


class Roster:
    def __init__(self, members: Iterable[str]) -> None:
        self._members = tuple(dict.fromkeys(members))

    @property
    def members(self) -> tuple[str, ...]:
        return self._members

    def is_member(self, user_id: str | None) -> bool:
        return user_id is not None and user_id in self._members
