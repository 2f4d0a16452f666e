"""reporting's HTTP routes: the indicator catalogue and its figures, for analysts of their
own municipalities (aggregates only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from vroeg.reporting import monitor
from vroeg.reporting.indicators import CATALOGUE
from vroeg.reporting.schemas import IndicatorDefinition, IndicatorValue, IndicatorValues
from vroeg.shared.deps import UnitOfWorkDep
from vroeg.shared.events import MunicipalityCode
from vroeg.shared.http import problem_responses
from vroeg.shared.staff import Role, StaffMember, ensure_serves, requires

router = APIRouter(tags=["monitor"])
Analyst = Annotated[StaffMember, Depends(requires(Role.ANALYST))]
Periode = Annotated[
    str,
    Query(
        max_length=7,
        description="A month (`2026-10`), a quarter (`2026-K4`) or a year (`2026`).",
        examples=["2026-10"],
    ),
]
Gemeenten = Annotated[
    list[MunicipalityCode] | None,
    Query(
        alias="gemeente",
        description="CBS codes, each one of yours; left out: all of yours.",
    ),
]


@router.get(
    "/indicatoren",
    summary="The indicator catalogue: each indicator's definition.",
    responses=problem_responses(401, 403),
)
async def list_indicators(analyst: Analyst) -> list[IndicatorDefinition]:
    """Name, Dutch label, definition, numerator, denominator and the guideline's section."""
    return [
        IndicatorDefinition(
            naam=i.name,
            label=i.label,
            definitie=i.definition,
            teller=i.numerator,
            noemer=i.denominator,
            bron=i.source,
            uitsplitsing=i.breakdown,
        )
        for i in CATALOGUE
    ]


@router.get(
    "/indicatorwaarden",
    summary="Every indicator of a period, per municipality and for the region.",
    responses=problem_responses(400, 401, 403),
)
async def get_values(
    periode: Periode, analyst: Analyst, uow: UnitOfWorkDep, gemeente: Gemeenten = None
) -> IndicatorValues:
    """Per municipality asked for (default: all of the analyst's) and their total (`regio`)."""
    period, municipalities = _ask(periode, analyst, gemeente)
    values = await monitor.compute(uow.session, municipalities, period)
    return IndicatorValues(
        periode=period.label,
        gemeenten=municipalities,
        waarden=[
            IndicatorValue(
                indicator=v.indicator.name,
                gemeente=v.municipality,
                uitsplitsing=v.key if v.indicator.breakdown else None,
                waarde=v.value,
                teller=v.numerator,
                noemer=v.denominator,
            )
            for v in values
        ],
    )


@router.get(
    "/indicatorwaarden/csv",
    summary="The same figures as CSV for a spreadsheet (Dutch labels, `;`, decimal comma).",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}}},
        **problem_responses(400, 401, 403),
    },
)
async def get_values_csv(
    periode: Periode, analyst: Analyst, uow: UnitOfWorkDep, gemeente: Gemeenten = None
) -> Response:
    """One line per figure: period, municipality, indicator, breakdown, value, numerator,
    denominator."""
    period, municipalities = _ask(periode, analyst, gemeente)
    values = await monitor.compute(uow.session, municipalities, period)
    return Response(
        monitor.to_csv(values, period),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="indicatoren-{period.label}.csv"'},
    )


def _ask(
    periode: str, analyst: StaffMember, gemeente: list[str] | None
) -> tuple[monitor.Period, list[str]]:
    period = monitor.parse_period(periode)
    asked = sorted(set(gemeente)) if gemeente else sorted(analyst.municipalities)
    for code in asked:
        ensure_serves(analyst, code)
    return period, asked
