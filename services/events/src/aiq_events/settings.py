from __future__ import annotations

from aiq_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_EVENTS_", extra="ignore")

    service_name: str = "events"
    port: int = 8002
    mongo_db: str = "aiq_events"
