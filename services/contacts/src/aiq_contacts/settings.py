from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from aiq_shared.settings import ServiceSettings

# Branchen an organisation can be in: data, kept by the programme (JSON list in the environment).
INDUSTRIES = (
    "Handwerk",
    "Industrie und Produktion",
    "Einzelhandel",
    "Großhandel",
    "Logistik",
    "Gesundheit und Pflege",
    "Soziales und Erziehung",
    "IT und Software",
    "Gastronomie",
    "Hotellerie und Tourismus",
    "Banken und Versicherungen",
    "Öffentlicher Dienst",
    "Bau",
    "Kfz und Mobilität",
    "Energie und Umwelt",
    "Medien und Kommunikation",
    "Büro und Verwaltung",
    "Reinigung und Gebäudeservice",
    "Sonstige",
)


class ContactsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_CONTACTS_", extra="ignore")

    service_name: str = "contacts"
    port: int = 8001
    mongo_db: str = "aiq_contacts"
    industries: list[str] = Field(default_factory=lambda: list(INDUSTRIES))
    # The version of the consent text people agree to now (shown in the double opt-in email).
    consent_text_version: str = "2026-01"
