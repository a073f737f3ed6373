"""An email on the wire: the MIME message (assembled by the ``email`` library, so no
hand-built headers and no header injection) and the SMTP conversation that hands it over.

A refusal is told apart: :class:`PermanentFailure` (5xx: the address will not take it) or
:class:`TemporaryFailure` (4xx, connection trouble, time-outs: try again later). The message
is made once the server has said whether it offers SMTPUTF8 (``addresses.py``: an address
with non-ASCII letters before the ``@`` needs it; aiosmtplib then sends with SMTPUTF8).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from email import policy as email_policy
from email.headerregistry import Address, HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import segno

from aiq_notifications.deliveries.emails import QR_CID
from aiq_notifications.deliveries.rules import RenderedEmail
from aiq_notifications.settings import NotificationsSettings


class PermanentFailure(Exception):
    pass


class TemporaryFailure(Exception):
    pass


def one_line(value: str) -> str:
    """Names go into headers: line breaks and other control characters become spaces."""
    return " ".join("".join(c if c.isprintable() else " " for c in value).split())


def qr_png(code: str) -> bytes:
    """The check-in code as a QR code (PNG) that staff scan at the door."""
    buffer = io.BytesIO()
    segno.make(code, error="m").save(buffer, kind="png", scale=8, border=4)
    return buffer.getvalue()


class _VerbatimHeader(UnstructuredHeader):
    """A header written exactly as given, on one line: ``List-Unsubscribe`` must be the plain
    ``<https://...>`` form (RFC 2369, RFC 8058), which mail programs read as a URL. Folded like
    other text, a long URL without spaces became RFC 2047 encoded words (``=?utf-8?q?=3Chttp``),
    and no mail program saw a link. (Lines up to 998 characters are fine for SMTP.)"""

    def fold(self, *, policy: email_policy.Policy) -> str:  # type: ignore[override]
        return f"{self.name}: {self}{policy.linesep}"


_headers = HeaderRegistry()
_headers.map_to_type("list-unsubscribe", _VerbatimHeader)
POLICY = email_policy.default.clone(header_factory=_headers)


def build_message(
    *,
    rendered: RenderedEmail,
    sender: str,
    sender_name: str,
    recipient: str,
    recipient_name: str,
    message_id: str,
    sent_at: datetime,
    unsubscribe_url: str | None = None,
    reply_to: str | None = None,
) -> EmailMessage:
    message = EmailMessage(policy=POLICY)
    message["Subject"] = one_line(rendered.subject)
    message["From"] = Address(display_name=one_line(sender_name), addr_spec=sender)
    # username and domain apart: Address(addr_spec=...) refuses a non-ASCII local part
    username, _, domain = recipient.rpartition("@")
    message["To"] = Address(display_name=one_line(recipient_name), username=username, domain=domain)
    message["Message-ID"] = message_id
    if reply_to:
        message["Reply-To"] = reply_to
    message["Date"] = format_datetime(sent_at)
    if unsubscribe_url:
        # RFC 8058 one-click: mail programs POST "List-Unsubscribe=One-Click" to the URL
        message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if rendered.check_in_code:
        html_part = message.get_payload()[-1]
        html_part.add_related(
            qr_png(rendered.check_in_code),
            maintype="image",
            subtype="png",
            cid=f"<{QR_CID}>",
            filename="einlass-qr.png",
        )
    if rendered.ics:
        message.add_attachment(
            rendered.ics.encode(),
            maintype="text",
            subtype="calendar",
            filename="termin.ics",
            params={"method": rendered.ics_method},
        )
    return message


class Mailer:
    """One SMTP connection for a sender's run of emails: opened for the first, kept for the
    next, closed at the end of the run and after any failure (the next email opens a new
    one, so a refusal never leaves the conversation in an unknown state)."""

    def __init__(self, settings: NotificationsSettings) -> None:
        self._settings = settings
        self._client: aiosmtplib.SMTP | None = None

    async def __aenter__(self) -> Mailer:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def send(self, compose: Callable[[bool], EmailMessage]) -> None:
        """Hand over the message ``compose(smtputf8)`` makes, ``smtputf8`` telling whether
        the server offers SMTPUTF8; what ``compose`` raises (an undeliverable address)
        passes through."""
        try:
            client = self._client or await self._connect()
            message = compose(client.supports_extension("smtputf8"))
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as error:
            await self._drop()
            codes = [refusal.code for refusal in error.recipients]
            detail = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
            if codes and all(code >= 500 for code in codes):
                raise PermanentFailure(detail) from error
            raise TemporaryFailure(detail) from error
        except aiosmtplib.SMTPResponseException as error:
            await self._drop()
            if error.code >= 500:
                raise PermanentFailure(f"{error.code} {error.message}") from error
            raise TemporaryFailure(f"{error.code} {error.message}") from error
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            await self._drop()
            raise TemporaryFailure(repr(error)) from error

    async def close(self) -> None:
        """Say goodbye (QUIT) if connected."""
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()

    async def _connect(self) -> aiosmtplib.SMTP:
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_s,
        )
        self._client = client
        await client.connect()
        if client.is_ehlo_or_helo_needed:
            try:
                await client.ehlo()
            except aiosmtplib.SMTPHeloError:
                await client.helo()
        return client

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()
