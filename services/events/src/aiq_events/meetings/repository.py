"""Meetings in MongoDB."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import IndexModel

from aiq_events.meetings.schemas import Meeting
from aiq_shared.repository import Repository


class MeetingsRepository(Repository[Meeting]):
    collection_name = "meetings"
    model = Meeting

    def indexes(self) -> Sequence[IndexModel]:
        return [IndexModel("districts")]
