"""The district dashboard as the API shows it: per event invited, registered, waitlisted,
cancelled and checked-in counts and registrations per topic table (a projection kept by
``service.py`` from the events it consumes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from aiq_notifications.messages import BERLIN
from aiq_shared.contracts.meetings import MeetingSnapshot


class TopicTableCount(BaseModel):
    topic_table_id: str
    title: str | None = None
    registrations: int = 0


class MeetingCounts(BaseModel):
    meeting_id: str
    title: str | None = None
    status: str | None = None
    starts_at: datetime | None = None
    invited: int = 0
    registered: int = 0
    waitlisted: int = 0
    cancelled: int = 0
    checked_in: int = 0
    topic_tables: list[TopicTableCount]


class DistrictDashboard(BaseModel):
    district: str
    events: list[MeetingCounts]


def meeting_fields(meeting: MeetingSnapshot) -> dict[str, Any]:
    return {
        "title": meeting.title,
        "status": meeting.status,
        "starts_at": meeting.starts_at,
        "table_titles": {t.topic_table_id: t.title for t in meeting.topic_tables},
    }


def meeting_counts(doc: dict[str, Any]) -> MeetingCounts:
    titles: dict[str, str] = doc.get("table_titles", {})
    registrations: dict[str, int] = doc.get("table_registrations", {})
    table_ids = list(titles) + [t for t in registrations if t not in titles]
    return MeetingCounts(
        meeting_id=doc["meeting_id"],
        title=doc.get("title"),
        status=doc.get("status"),
        starts_at=doc["starts_at"].astimezone(BERLIN) if doc.get("starts_at") else None,
        invited=doc.get("invited", 0),
        registered=doc.get("registered", 0),
        waitlisted=doc.get("waitlisted", 0),
        cancelled=doc.get("cancelled", 0),
        checked_in=doc.get("checked_in", 0),
        topic_tables=[
            TopicTableCount(
                topic_table_id=t, title=titles.get(t), registrations=registrations.get(t, 0)
            )
            for t in table_ids
        ],
    )
