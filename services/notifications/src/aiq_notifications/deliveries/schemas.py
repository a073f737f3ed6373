"""What the deliveries API answers besides the deliveries themselves (``rules.Delivery``)."""

from __future__ import annotations

from pydantic import BaseModel

from aiq_notifications.deliveries.rules import DeliveryKind


class AddressHold(BaseModel):
    email: str
    hard_bounces: int
    on_hold: bool


class TemplateList(BaseModel):
    version: str
    kinds: list[str]


class TemplatePreview(BaseModel):
    kind: DeliveryKind
    version: str
    subject: str
    text: str
    html: str
    has_calendar: bool
