from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aiq_shared.settings import ServiceSettings


class EventsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_EVENTS_", extra="ignore")

    service_name: str = "events"
    port: int = 8002
    mongo_db: str = "aiq_events"

    # Personal RSVP links in invitations: where the public pages of this service are reachable
    # from outside, and the key that signs the links. Set a real secret in production.
    public_base_url: str = "http://127.0.0.1:8002"
    link_secret: str = "development-only-rsvp-secret-change-me"
    # How often expired waitlist move-up offers are passed on to the next in line.
    offer_check_interval_s: float = 30.0
