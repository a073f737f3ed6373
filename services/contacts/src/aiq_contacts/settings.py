from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aiq_shared.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_CONTACTS_", extra="ignore")

    service_name: str = "contacts"
    port: int = 8001
    mongo_db: str = "aiq_contacts"
