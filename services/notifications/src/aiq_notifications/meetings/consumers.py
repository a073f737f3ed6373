"""Thin handlers: a meeting's publication, change and cancellation (aiq.events)."""

from __future__ import annotations

from aiq_notifications.meetings.service import Meetings
from aiq_shared.contracts.meetings import MeetingCancelledV1, MeetingChangedV1, MeetingPublishedV1
from aiq_shared.kafka import Handler, handled_by


def events_handlers(meetings: Meetings) -> dict[str, Handler]:
    return {
        MeetingPublishedV1.event_type: handled_by(meetings.published),
        MeetingChangedV1.event_type: handled_by(meetings.changed),
        MeetingCancelledV1.event_type: handled_by(meetings.cancelled),
    }
