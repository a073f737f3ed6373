from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aiq_contacts.organisations.industries import Industry, default_setting
from aiq_shared.settings import ServiceSettings


class ContactsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_CONTACTS_", extra="ignore")

    service_name: str = "contacts"
    port: int = 8001
    mongo_db: str = "aiq_contacts"
    # Branchen an organisation can be in (JSON list: names, or {"name", "section"} objects):
    # by default the WZ 2008 sections and the programme's short names (see industries).
    industries: list[str | Industry] = Field(default_factory=default_setting)
    # The version of the consent text people agree to now (shown in the double opt-in email).
    consent_text_version: str = "2026-01"
    # How long a dry run's file is kept, so that POST /imports/{id}/run can import it without
    # a second upload (personal data: deleted after that, or once it has run).
    import_dry_run_keep_minutes: int = Field(default=60, ge=1, le=24 * 60)
