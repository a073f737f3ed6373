from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aiq_shared.settings import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_EVENTS_", extra="ignore")

    service_name: str = "events"
    port: int = 8002
    mongo_db: str = "aiq_events"
