"""Settings common to every service (pydantic-settings, one env prefix per service).

Every service subclasses :class:`ServiceSettings` with its own ``env_prefix``
(``AIQ_CONTACTS_``, ``AIQ_EVENTS_``, ``AIQ_NOTIFICATIONS_``), so ``AIQ_EVENTS_MONGO_URL``
points the events service at its database and nothing else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from aiq_shared.districts import DORTMUND
from aiq_shared.staff import Staff, StaffMember


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "aiq"
    # The city's districts (JSON list in the environment); another city has others.
    districts: list[str] = Field(default_factory=lambda: list(DORTMUND))
    # The programme's staff (JSON list of aiq_shared.staff.StaffMember): responsible officers
    # are chosen from it, and they sign the emails to their organisations.
    staff: list[StaffMember] = []
    host: str = "127.0.0.1"
    port: int = 8000

    mongo_url: str = "mongodb://127.0.0.1:27017/?directConnection=true"
    mongo_db: str = "aiq"

    # Bearer JWTs (aiq_shared.auth): a shared HS256 key, or the JWKS of an OIDC provider.
    # Set a real secret (or auth_jwks_url) in production; auth_required=false only for demos.
    auth_required: bool = True
    auth_secret: str = "development-only-auth-secret-change-me-please"
    auth_jwks_url: str | None = None
    auth_audience: str = "aiq"
    auth_issuer: str | None = None

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    # Idempotent producer: on for real Kafka; tansu (the embedded broker) lacks InitProducerId.
    kafka_idempotence: bool = True
    # Read each published batch back before the outbox forgets it: for a broker that may come
    # back empty (the embedded one; the launcher and the tests turn it on).
    kafka_verify_writes: bool = False
    kafka_topic_partitions: int = Field(default=4, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    # How long the broker may hold a fetch open waiting for data: a bound on event latency.
    kafka_fetch_max_wait_ms: int = 100
    # Prefix for consumer group ids; tests set a fresh one per run.
    kafka_group_prefix: str = "aiq"
    # Prefix for topic names (empty in production): isolates tests or tenants on one cluster.
    kafka_topic_prefix: str = ""

    outbox_poll_interval_s: float = 1.0
    # Keep published outbox records this long (0: delete them at once), to publish them again
    # should the broker come back empty (the embedded one; the launcher sets 900).
    outbox_keep_published_s: float = Field(default=0.0, ge=0)
    # How long an event whose prerequisite has not arrived yet stays parked (tried again as
    # more arrives) before it goes to the dead-letter topic.
    consumer_retry_later_s: float = 600.0
    # Up to this many consecutive records of a partition are handled in one transaction
    # (aiq_shared.handled_together); 1: each in its own.
    consumer_batch: int = Field(default=20, ge=1)

    log_level: str = "INFO"
    log_json: bool = False
    # Traces (OpenTelemetry): exported by OTLP/HTTP to this collector, e.g.
    # http://otel-collector:4318; TRACING records spans without exporting (tests).
    otlp_endpoint: str | None = None
    tracing: bool = False

    # production: refuses to start with the development keys (every *_secret field).
    environment: Literal["development", "production"] = "development"
    # Whether /docs, /openapi.json and /metrics answer without a token.
    docs_public: bool = True
    metrics_public: bool = True
    # Origins whose browser pages may call the API (CORS); none by default.
    cors_origins: list[str] = []
    # How long the audit trail keeps an entry.
    audit_retention_days: int = Field(default=365, ge=1)
    # Public pages (personal links): calls a minute per client address and page.
    public_pages_per_minute: int = Field(default=60, ge=1)

    @model_validator(mode="after")
    def _no_development_keys_in_production(self) -> ServiceSettings:
        if self.environment != "production":
            return self
        weak = [
            name
            for name, value in self
            if name.endswith("secret")
            and isinstance(value, str)
            and not (name == "auth_secret" and self.auth_jwks_url)
            and ("development" in value or "change-me" in value or len(value) < 32)
        ]
        if weak:
            raise ValueError(
                "production needs real keys (at least 32 characters, not the development "
                f"defaults) for: {', '.join(weak)}"
            )
        if not self.auth_required:
            raise ValueError("production needs auth_required")
        return self

    @property
    def staff_list(self) -> Staff:
        return Staff(self.staff)
