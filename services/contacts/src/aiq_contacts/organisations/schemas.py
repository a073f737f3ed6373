"""Request and response models of organisations (companies and schools), and of the reference
data they are checked against (industries, officers)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from aiq_contacts.fields import IsoDate, Name, Tags, Website
from aiq_shared.contracts.contacts import OrganisationKind, RelationshipStatus

OrganisationSize = Literal["1-9", "10-49", "50-249", "250+"]


class Address(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    street: str | None = Field(default=None, max_length=200)
    postcode: str | None = Field(default=None, pattern=r"^[0-9]{5}$")
    city: str | None = Field(default=None, max_length=120)


class OrganisationFields(BaseModel):
    """What staff may set on an organisation (all optional: the PATCH body)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    kind: OrganisationKind | None = None
    industry: str | None = Field(
        default=None, max_length=200, description="Branche (GET /industries)"
    )
    size: OrganisationSize | None = None
    address: Address | None = None
    district: str | None = Field(default=None, min_length=1, max_length=80)
    officer: str | None = Field(
        default=None, max_length=120, description="Responsible Betriebsakquisiteur*in"
    )
    partner_since: IsoDate | None = None
    status: RelationshipStatus | None = None
    tags: Tags | None = None
    website: Website | None = None

    @property
    def postcode(self) -> str | None:
        return self.address.postcode if self.address else None


class OrganisationUpdate(OrganisationFields):
    pass


class OrganisationCreate(OrganisationFields):
    name: str = Name
    kind: OrganisationKind = "company"
    district: str = Field(min_length=1, max_length=80)
    status: RelationshipStatus = "new"
    tags: Tags = []


class Organisation(OrganisationCreate):
    model_config = ConfigDict(extra="ignore")

    id: str
    industry_section: str | None = Field(default=None, description="WZ 2008 section (A-U)")


class PossibleDuplicate(BaseModel):
    id: str
    name: str
    postcode: str | None = None


class OrganisationCreated(Organisation):
    """The new organisation, with organisations that look like the same one (not refused)."""

    possible_duplicates: list[PossibleDuplicate] = []


class MergeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    merged_organisation_id: str = Field(max_length=64, description="Folded in, then gone")


# -- reference data ----------------------------------------------------------------------


class SectionView(BaseModel):
    section: str
    title: str
    names: list[str] = Field(description="The accepted names in this section")


class Catalogue(BaseModel):
    """``GET /industries``: the sections and the accepted names in each."""

    sections: list[SectionView]
    unclassified: list[str] = Field(description="Accepted names without a WZ 2008 section")


class OfficerView(BaseModel):
    username: str
    name: str
    districts: list[str]
