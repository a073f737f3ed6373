"""What an organisation is checked against: the city's districts, the accepted industries
(WZ 2008) and the programme's officers, all from the settings. Plain Python, no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from aiq_contacts.organisations.industries import Industries
from aiq_contacts.organisations.officers import Officers
from aiq_contacts.organisations.rules import check_organisation
from aiq_contacts.organisations.schemas import Organisation
from aiq_contacts.settings import ContactsSettings


class Reference:
    def __init__(self, districts: Sequence[str], industries: Industries, officers: Officers):
        self.districts = list(districts)
        self.industries = industries
        self.officers = officers

    @classmethod
    def from_settings(cls, settings: ContactsSettings) -> Reference:
        return cls(
            settings.districts, Industries(settings.industries), Officers(settings.staff_list)
        )

    def settle(self, organisation: Organisation, *, officer_given: bool = True) -> Organisation:
        """The organisation as it is stored: district and industry checked, the industry in its
        accepted spelling with its WZ section, the officer a staff member (the district's first
        officer when none is given). ``officer_given``: check the officer (not when a change
        left an officer of earlier days alone)."""
        check_organisation(organisation, self.districts)
        industry = organisation.industry
        if industry is not None:
            industry = self.industries.require(industry)
        officer = organisation.officer
        if officer is None:
            officer = self.officers.default_for(organisation.district)
        elif officer_given:
            officer = self.officers.require(officer)
        return organisation.model_copy(
            update={
                "industry": industry,
                "industry_section": self.industries.section_of(industry),
                "officer": officer,
            }
        )
