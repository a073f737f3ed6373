"""The CloudEvents envelope in Kafka binary mode, and transient-error classification."""

from __future__ import annotations

import pytest
from pymongo.errors import DuplicateKeyError, OperationFailure

from aiq_shared.contracts.contacts import PersonCreatedV1
from aiq_shared.envelope import InvalidEnvelope, from_kafka, new_traceparent, to_kafka, wrap
from aiq_shared.mongo import is_transient

PERSON = PersonCreatedV1(
    person_id="p1",
    first_name="Anna",
    last_name="Schmidt",
    email="anna@betrieb.example",
    district="Hörde",
    email_consent=True,
)


def test_attributes_travel_as_ce_headers_and_data_as_the_value() -> None:
    trace = new_traceparent()
    record = to_kafka(wrap(PERSON, source="/aiq/contacts", traceparent=trace))
    headers = dict(record.headers)
    assert headers["ce_type"] == b"aiq.person.created.v1"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_source"] == b"/aiq/contacts"
    assert headers["ce_subject"] == b"p1"
    assert headers["content-type"] == b"application/json"
    assert headers["traceparent"] == trace.encode()
    assert record.key == b"p1"

    envelope = from_kafka(record.key, record.value, record.headers)
    assert envelope.type == "aiq.person.created.v1"
    assert envelope.traceparent == trace
    assert envelope.contract() == PERSON


def test_unknown_fields_from_a_newer_producer_are_ignored() -> None:
    record = to_kafka(wrap(PERSON, source="/aiq/contacts"))
    value = record.value.replace(b'{"person_id"', b'{"shoe_size": 44, "person_id"')
    assert from_kafka(record.key, value, record.headers).contract() == PERSON


@pytest.mark.parametrize(
    ("value", "headers"),
    [
        (b"{}", []),
        (b"not json", [("ce_id", b"1"), ("ce_type", b"aiq.person.created.v1"),
                       ("ce_source", b"/x"), ("ce_specversion", b"1.0"),
                       ("content-type", b"application/json")]),
    ],
)  # fmt: skip
def test_records_that_are_not_our_cloud_events_are_refused(value, headers) -> None:
    with pytest.raises(InvalidEnvelope):
        from_kafka(None, value, headers)


def test_data_breaking_its_contract_is_refused() -> None:
    record = to_kafka(wrap(PERSON, source="/aiq/contacts"))
    broken = from_kafka(record.key, b'{"person_id": "p1"}', record.headers)
    with pytest.raises(InvalidEnvelope, match="aiq.person.created.v1"):
        broken.contract()


def test_conflicts_are_transient_and_duplicates_are_not() -> None:
    assert is_transient(OperationFailure("Write conflict during transaction commit"))
    assert is_transient(OperationFailure("x", code=112))
    assert is_transient(
        OperationFailure("SQLiteEngine has an active transaction bound to another session")
    )
    assert is_transient(OperationFailure("database is locked"))
    assert not is_transient(DuplicateKeyError("E11000 duplicate key"))
    assert not is_transient(OperationFailure("unknown operator: $where"))
