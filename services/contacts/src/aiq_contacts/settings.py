from __future__ import annotations

from aiq_shared.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class ContactsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_CONTACTS_", extra="ignore")

    service_name: str = "contacts"
    port: int = 8001
    mongo_db: str = "aiq_contacts"
