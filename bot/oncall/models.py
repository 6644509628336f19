"""On-call swaps: a week given to someone other than the rotation's choice."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.database import Base, UTCDateTime


class OncallSwap(Base):
    __tablename__ = "oncall_swap"

    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # local date the week starts
    user_id: Mapped[str] = mapped_column(String(40))
    swapped_by: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
