"""reporting's HTTP bodies."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class IndicatorDefinition(_Body):
    """One indicator of the catalogue."""

    naam: str = Field(description="Stable name, as used in `indicatorwaarden`.")
    label: str = Field(description="Dutch label, as the CSV and the pages show it.")
    definitie: str
    teller: str = Field(description="What the numerator counts.")
    noemer: str | None = Field(description="What the denominator counts; null: a count.")
    bron: str = Field(description="The guideline's section (Leidraad Vroegsignalering).")
    uitsplitsing: str | None = Field(description="What the breakdown key is; null: none.")


class IndicatorValue(_Body):
    """One figure of a period."""

    indicator: str
    gemeente: str = Field(
        description="CBS code, or `regio`: the requested municipalities together."
    )
    uitsplitsing: str | None = Field(description="The breakdown key; null for one figure.")
    waarde: Decimal | None = Field(description="The count, or teller/noemer (4 decimals).")
    teller: Decimal
    noemer: Decimal | None


class IndicatorValues(_Body):
    """Every indicator of a period for the requested municipalities and their region."""

    periode: str
    gemeenten: list[str]
    waarden: list[IndicatorValue]


class MonitorPolicyIn(_Body):
    """A municipality's monitor policy."""

    silent_weeks: int = Field(
        ge=1,
        le=52,
        description="Weeks without a signal taken up after which a creditor with an agreement "
        "in force counts as gone silent (indicator `vlp_stilgevallen`).",
    )


class MonitorPolicyOut(MonitorPolicyIn):
    """The policy in force; version 0 is the default."""

    municipality: str
    version: int
