"""Reading the contact history, always through the caller's scope: an organisation's or a
person's entries (the organisation or person found in the scope first, 404 otherwise), the
follow-ups, a district's recent history (both with the names of what each entry is about),
where someone stands with each meeting, and everything about a person (Art. 15)."""

from __future__ import annotations

from collections.abc import Sequence

from aiq_contacts.history import rules
from aiq_contacts.history.repository import FollowUpRepository, InteractionRepository
from aiq_contacts.history.schemas import (
    FollowUp,
    FollowUpItem,
    Interaction,
    InteractionItem,
    MeetingAttendance,
)
from aiq_contacts.organisations.service import OrganisationService
from aiq_contacts.people.service import PersonService
from aiq_contacts.search.schemas import (
    CountedPage,
    FollowUpQuery,
    HistoryQuery,
    InteractionFeedQuery,
)
from aiq_shared.scope import Scope


class HistoryLists:
    def __init__(
        self,
        interactions: InteractionRepository,
        follow_ups: FollowUpRepository,
        organisations: OrganisationService,
        people: PersonService,
    ) -> None:
        self._interactions = interactions
        self._follow_ups = follow_ups
        self._organisations = organisations
        self._people = people

    async def interactions(
        self,
        query: HistoryQuery,
        scope: Scope,
        organisation_id: str | None = None,
        person_id: str | None = None,
    ) -> CountedPage[Interaction]:
        """The history of an organisation, or else of a person (404 if there is none in
        ``scope``)."""
        if organisation_id is not None:
            await self._organisations.get(organisation_id, scope)
            return await self._interactions.listed(
                query.page, query.order, scope, organisation_id=organisation_id
            )
        await self._people.get(person_id, scope)  # type: ignore[arg-type]
        return await self._interactions.listed(query.page, query.order, scope, person_id=person_id)

    async def recent(
        self, query: InteractionFeedQuery, scope: Scope
    ) -> CountedPage[InteractionItem]:
        """The history of the caller's districts (or of some of them), newest first."""
        page = await self._interactions.listed(
            query.page, query.order, scope, query.district, kind=query.kind
        )
        items = await self._named(InteractionItem, page.items, scope)
        return CountedPage(items=items, next_cursor=page.next_cursor, total=page.total)

    async def follow_ups(self, query: FollowUpQuery, scope: Scope) -> CountedPage[FollowUpItem]:
        page = await self._follow_ups.listed(
            query.page,
            query.order,
            scope,
            query.district,
            owner=query.owner,
            status=query.status,
            organisation_id=query.organisation_id,
            person_id=query.person_id,
        )
        items = await self._named(FollowUpItem, page.items, scope)
        return CountedPage(items=items, next_cursor=page.next_cursor, total=page.total)

    async def organisation_meetings(
        self, organisation_id: str, scope: Scope
    ) -> list[MeetingAttendance]:
        await self._organisations.get(organisation_id, scope)
        entries = await self._interactions.attendance_entries(
            scope, organisation_id=organisation_id
        )
        return rules.by_meeting(entries)

    async def person_meetings(self, person_id: str, scope: Scope) -> list[MeetingAttendance]:
        await self._people.get(person_id, scope)
        entries = await self._interactions.attendance_entries(scope, person_id=person_id)
        return rules.by_meeting(entries)

    async def about_person(
        self, person_id: str, scope: Scope
    ) -> tuple[list[Interaction], list[FollowUp]]:
        """Every interaction and follow-up about the person in ``scope`` (Art. 15)."""
        return (
            await self._interactions.about_person(person_id, scope),
            await self._follow_ups.about_person(person_id, scope),
        )

    async def _named[E: (FollowUpItem, InteractionItem)](
        self, item: type[E], entries: Sequence[Interaction | FollowUp], scope: Scope
    ) -> list[E]:
        organisations = await self._organisations.by_ids(
            {e.organisation_id for e in entries if e.organisation_id}, scope
        )
        people = await self._people.by_ids({e.person_id for e in entries if e.person_id}, scope)
        return rules.with_names(item, entries, organisations, people)
