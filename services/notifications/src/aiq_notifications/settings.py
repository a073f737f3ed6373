from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from aiq_shared.settings import ServiceSettings


class NotificationsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="AIQ_NOTIFICATIONS_", extra="ignore")

    service_name: str = "notifications"
    port: int = 8003
    mongo_db: str = "aiq_notifications"

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 2525
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = False
    smtp_timeout_s: float = 10.0
    mail_from: str = "aiq@dortmund.example"
    mail_from_name: str = "Ausbildung im Quartier"
    # Host part of deterministic Message-IDs.
    message_id_domain: str = "aiq.dortmund.example"

    # Links in emails (unsubscribe): where this service is reachable from outside, and the key
    # that signs them. Set a real secret in production.
    public_base_url: str = "http://127.0.0.1:8003"
    link_secret: str = "development-only-link-secret-change-me"

    # Email sending: attempts before a delivery is dead, and the first backoff.
    delivery_max_attempts: int = 5
    delivery_backoff_s: float = 2.0
    sender_poll_interval_s: float = 1.0
    # A sender's run: up to this many due emails over one SMTP connection, recorded as sent
    # together (at least once a second).
    sender_batch: int = 50
    # How often /metrics counts every delivery by state (aiq_deliveries).
    delivery_counts_every_s: float = 60.0
    # At most this many emails a minute (0: no limit), so a big campaign doesn't trip the
    # SMTP server's limits; and after this many permanent refusals an address is on hold.
    send_rate_per_minute: int = 600
    hard_bounces_until_hold: int = 3

    # Reminders: to non-responders this many days before the registration deadline (or the
    # meeting), to registrants the day before; both at this hour, Europe/Berlin.
    reminder_days_before_deadline: int = 3
    reminder_hour: int = 10
    scheduler_poll_interval_s: float = 30.0
    # Emails are signed by an organisation's responsible officer (else the first officer of
    # the person's district), from the shared ``staff`` setting; replies go to them
    # (Reply-To), while From stays mail_from, so SPF and DMARC hold.
