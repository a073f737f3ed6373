"""An address as it goes over SMTP: internationalised addresses (``ben.hörder@bäckerei.example``)
included. Plain Python, no I/O.

A domain with non-ASCII letters is written in its IDNA form (``xn--bckerei-5wa.example``,
IDNA 2008 with the UTS 46 mapping, so ``ß`` stays ``ß``), which every mail server takes. A
local part (before the ``@``) with non-ASCII letters can only travel with SMTPUTF8 (RFC 6531):
when the server offers it the address goes as it is, otherwise the email can't be delivered
over this server at all and the delivery fails at once, with the reason (no retries that
can't succeed).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import idna


class UndeliverableAddress(ValueError):
    """This address can't be written to over this mail server (the reason says why)."""


@dataclass(frozen=True, slots=True)
class WireAddress:
    username: str
    domain: str

    @property
    def addr_spec(self) -> str:
        return f"{self.username}@{self.domain}"

    @property
    def needs_smtputf8(self) -> bool:
        return not self.addr_spec.isascii()


def on_the_wire(address: str, smtputf8: bool) -> WireAddress:
    """``address`` as it can go to a server that does (``smtputf8``) or doesn't offer SMTPUTF8;
    :class:`UndeliverableAddress` if it can't."""
    username, at, domain = unicodedata.normalize("NFC", address.strip()).rpartition("@")
    if not at or not username or not domain:
        raise UndeliverableAddress(f"not an email address: {address!r}")
    if not domain.isascii():
        try:
            domain = idna.encode(domain, uts46=True).decode("ascii")
        except idna.IDNAError as error:
            raise UndeliverableAddress(
                f"the domain of {address} is no valid internationalised domain name: {error}"
            ) from error
    if not username.isascii() and not smtputf8:
        raise UndeliverableAddress(
            f"{address} has non-ASCII characters before the @, which needs SMTPUTF8, and the "
            "mail server does not offer it"
        )
    return WireAddress(username, domain)
