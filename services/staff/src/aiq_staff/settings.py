"""The staff app's settings (pydantic-settings, prefix ``AIQ_STAFF_``).

The app holds no database and reads no Kafka: it needs to know where the three services are,
how people sign in (an OpenID Connect provider, or on the embedded default the development
sign-in with the services' shared key) and the staff list the services use.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aiq_shared.districts import DORTMUND
from aiq_shared.settings import ServiceSettings
from aiq_shared.staff import Staff, StaffMember

DEVELOPMENT_AUTH_SECRET = ServiceSettings.model_fields["auth_secret"].default


class StaffSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_STAFF_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    log_level: str = "INFO"
    environment: Literal["development", "production"] = "development"

    # Where the services' APIs answer (from this process) ...
    contacts_url: str = "http://127.0.0.1:8001"
    events_url: str = "http://127.0.0.1:8002"
    notifications_url: str = "http://127.0.0.1:8003"
    # ... and where a browser reaches the notifications service's live dashboards.
    notifications_public_url: str | None = None
    api_timeout_s: float = Field(default=15.0, gt=0)

    # OpenID Connect (authorization code + PKCE); discovery from the issuer.
    oidc_issuer: str | None = None
    oidc_client_id: str = "aiq-staff"
    oidc_client_secret: str | None = None
    oidc_scope: str = "openid profile email"
    # Development sign-in (no issuer set): tokens signed with the services' shared key.
    auth_secret: str = DEVELOPMENT_AUTH_SECRET
    auth_audience: str = "aiq"

    # A signed-in session lasts this long without a request (and at most session_max_s).
    session_idle_s: int = Field(default=4 * 3600, ge=60)
    session_max_s: int = Field(default=12 * 3600, ge=60)
    # Largest import file the wizard keeps between its dry run and the import.
    import_max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024)

    districts: list[str] = Field(default_factory=lambda: list(DORTMUND))
    staff: list[StaffMember] = []

    @property
    def development_sign_in(self) -> bool:
        return not self.oidc_issuer and self.environment != "production"

    @property
    def staff_list(self) -> Staff:
        return Staff(self.staff)

    @property
    def dashboards_url(self) -> str:
        return (self.notifications_public_url or self.notifications_url).rstrip("/")

    @model_validator(mode="after")
    def _production_needs_a_provider(self) -> StaffSettings:
        if self.environment == "production" and not self.oidc_issuer:
            raise ValueError(
                "production needs AIQ_STAFF_OIDC_ISSUER (the development sign-in is refused)"
            )
        return self
