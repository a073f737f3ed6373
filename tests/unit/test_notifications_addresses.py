"""Addresses on the wire: an internationalised domain in its IDNA form, a non-ASCII local
part only with SMTPUTF8, and otherwise a clear reason at once (no retries that can't work)."""

from __future__ import annotations

import pytest

from aiq_notifications.deliveries.addresses import UndeliverableAddress, on_the_wire


@pytest.mark.parametrize("smtputf8", [False, True])
def test_an_ascii_address_goes_as_it_is(smtputf8: bool) -> None:
    wire = on_the_wire("anna@betrieb.example", smtputf8)
    assert wire.addr_spec == "anna@betrieb.example" and not wire.needs_smtputf8


@pytest.mark.parametrize("smtputf8", [False, True])
def test_a_non_ascii_domain_is_written_in_its_idna_form(smtputf8: bool) -> None:
    wire = on_the_wire("ben@bäckerei.example", smtputf8)
    assert wire.addr_spec == "ben@xn--bckerei-5wa.example" and not wire.needs_smtputf8
    # IDNA 2008: the German sharp s stays (IDNA 2003 made "strasse" of it, another domain)
    assert on_the_wire("info@straße.example", smtputf8).domain == "xn--strae-oqa.example"


def test_a_non_ascii_local_part_needs_smtputf8() -> None:
    wire = on_the_wire("ben.hörder@bäckerei.example", smtputf8=True)
    assert wire.addr_spec == "ben.hörder@xn--bckerei-5wa.example" and wire.needs_smtputf8
    with pytest.raises(UndeliverableAddress, match="needs SMTPUTF8"):
        on_the_wire("ben.hörder@bäckerei.example", smtputf8=False)


def test_the_same_letters_in_another_unicode_form_are_the_same_address() -> None:
    decomposed = "ben.ho\u0308rder@ba\u0308ckerei.example"  # o + combining diaeresis
    assert on_the_wire(decomposed, True) == on_the_wire("ben.hörder@bäckerei.example", True)


@pytest.mark.parametrize("address", ["no-at-sign", "@bäckerei.example", "ben@", "ben@-ä-.example"])
def test_what_cannot_be_an_address_is_refused_with_a_reason(address: str) -> None:
    with pytest.raises(UndeliverableAddress):
        on_the_wire(address, smtputf8=True)
