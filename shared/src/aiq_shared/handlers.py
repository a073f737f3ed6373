"""What a service's consumers are made of: a handler per event type, in one style.

A handler gets the event (parsed by its contract), its envelope and the transaction it runs
in; thin handlers are made with :func:`handled_by` from a use case. A handler that needs
something that has not arrived yet (a registration for a person not read yet) raises
:class:`RetryLater`: the consumer parks the record and goes on with the next ones
(aiq_shared.parking), trying it again as more arrives.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiq_shared.contracts import EventContract
from aiq_shared.envelope import Envelope
from aiq_shared.mongo import Tx

Handler = Callable[[EventContract, Envelope, Tx], Awaitable[None]]


def handled_by(use_case: Callable[[Any, Tx], Awaitable[object]]) -> Handler:
    """A thin handler: the event (parsed by its contract) and the transaction go to a use case."""

    async def handle(event: Any, _envelope: Envelope, tx: Tx) -> None:
        await use_case(event, tx)

    return handle


class RetryLater(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a handler when something it needs has not arrived yet.

    ``waits_for`` names it (``person:<id>``): records waiting for the same thing are tried
    again in the order they came; without it, the record's Kafka key is taken."""

    def __init__(self, reason: str, *, waits_for: str | None = None) -> None:
        super().__init__(reason)
        self.waits_for = waits_for
