"""The personal links of an invitation, made in one place: the RSVP link (register, change,
cancel, accept an offer) and the decline link (``<rsvp link>/absagen``). Plain Python.

The token is an ``aiq_shared.links`` token for the purpose ``rsvp``, valid until the meeting
ends. Its claims keep the names the links already sent in emails carry: ``sub`` (the
invitation) and ``mid`` (the meeting); they are typed (:class:`RsvpClaims`: strings shaped
like this service's ids) before they reach a query, so a token with anything else in them is
no link of ours.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from pydantic import ConfigDict, Field

from aiq_events.invitations.schemas import Invitation
from aiq_shared.links import LinkClaims, read_link, sign_link

RSVP = "rsvp"
DECLINE_PATH = "absagen"
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class RsvpClaims(LinkClaims):
    model_config = ConfigDict(
        validate_by_alias=True, validate_by_name=True, serialize_by_alias=True
    )

    # ids as this service makes them: nothing else reaches a query
    invitation_id: str = Field(alias="sub", pattern=ID_PATTERN)
    meeting_id: str = Field(alias="mid", pattern=ID_PATTERN)


def rsvp_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/rsvp/{token}"


def decline_url(rsvp: str) -> str:
    """The personal link to say no: the RSVP link's own page for it."""
    return f"{rsvp}/{DECLINE_PATH}"


class PersonalLinks:
    """Signs and reads the links; made once in app.py with the service's settings."""

    def __init__(self, public_base_url: str, secret: str) -> None:
        self._base_url = public_base_url
        self._secret = secret

    def token(self, invitation: Invitation) -> str:
        claims = RsvpClaims(invitation_id=invitation.id, meeting_id=invitation.meeting_id)
        return sign_link(
            RSVP,
            claims,
            self._secret,
            issued_at=invitation.created_at,
            expires_at=invitation.expires_at,
        )

    def rsvp_url(self, invitation: Invitation) -> str:
        return rsvp_url(self._base_url, self.token(invitation))

    def decline_url(self, invitation: Invitation) -> str:
        return decline_url(self.rsvp_url(invitation))

    def rsvp_path(self, invitation: Invitation) -> str:
        """The RSVP link without scheme and host, as a page links to it."""
        return urlsplit(self.rsvp_url(invitation)).path

    def decline_path(self, invitation: Invitation) -> str:
        return decline_url(self.rsvp_path(invitation))

    def read(self, token: str) -> tuple[RsvpClaims, datetime]:
        """The claims of a genuine RSVP token and the end signed into it; InvalidLink if it is
        none. The caller checks the expiry (the meeting may have been moved later)."""
        return read_link(token, RSVP, RsvpClaims, self._secret, check_expiry=False)
