"""The Beheer forms' translation between the page and the owning API: a contact plan's rows
without a kind are no step, so followup's field names (by step) are mapped back to the rows the
operator sees; a refusal of any kind is told beside the form, never as an error page."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData

from vroeg.web.beheer import decimal_from_dutch, refused
from vroeg.web.labels import municipality
from vroeg.web.plan_pages import plan_body
from vroeg.web.services import ServiceError


def test_a_contact_plans_rows_without_a_kind_are_no_step_and_refusals_name_the_row() -> None:
    form = FormData(
        [
            ("rijen", "3"),
            ("stap-0-soort", "BRIEF"),
            ("stap-0-dagen", "0"),
            ("stap-1-soort", ""),  # an empty row between two steps
            ("stap-1-dagen", "4"),
            ("stap-2-soort", "TELEFOON"),
            ("stap-2-dagen", "99"),
            ("stap-2-crisis", "ja"),
            ("stap-2-telefoon", "nee"),
            ("stap-2-bedrag", "1.250,50"),
            ("afzender-naam", "Gemeente"),
            ("afzender-retouradres", "Postbus 1\n\n 1000 AA Amsterdam "),
        ]
    )
    body, fields = plan_body(form)
    assert [(s["kind"], s["delayWorkingDays"]) for s in body["steps"]] == [
        ("BRIEF", "0"),
        ("TELEFOON", "99"),
    ]
    assert body["steps"][1]["criteria"] == {
        "crisis": True,
        "phoneKnown": False,
        "amountOver": "1250.50",
    }
    assert body["sender"]["returnAddress"] == ["Postbus 1", "1000 AA Amsterdam"]

    # followup names the second step's delay: the form marks the third row.
    problem = {"invalidParams": [{"name": "steps.1.delayWorkingDays"}]}
    told = refused("contactplan", ServiceError(400, problem), form, fields)
    assert told.invalid == {"stap-2-dagen"}
    assert told.errors == ["Stap 3: Vul een aantal werkdagen in van 0 tot en met 60."]
    assert told.values["stap-2-bedrag"] == "1.250,50"  # as typed


def test_a_list_item_counts_as_its_list_and_other_refusals_are_told_beside_the_form() -> None:
    form = FormData([("gebieden", "1102 12AB"), ("csrf_token", "geheim")])
    fields = {"vulnerableAreas": ("gebieden", "Een wijk is een postcodegebied.")}
    told = refused(
        "prioriteit",
        ServiceError(400, {"invalidParams": [{"name": "vulnerableAreas.1"}]}),
        form,
        fields,
    )
    assert (told.status, told.invalid, told.errors) == (
        400,
        {"gebieden"},
        ["Een wijk is een postcodegebied."],
    )
    assert "csrf_token" not in told.values

    conflict = refused("prioriteit", ServiceError(422, {"detail": "not now"}), form, fields)
    assert (conflict.status, conflict.errors, conflict.invalid) == (
        422,
        ["Dit is niet opgeslagen. not now"],
        set(),
    )


@pytest.mark.parametrize(
    ("typed", "sent"),
    [("12,5", "12.5"), ("1.250,50", "1250.50"), ("1.500", "1500"), ("12.5", "12.5"), ("75", "75")],
)
def test_numbers_typed_the_dutch_way_reach_the_apis_as_they_were_meant(
    typed: str, sent: str
) -> None:
    assert decimal_from_dutch(typed) == sent


def test_a_municipality_is_named_with_its_code_and_by_its_code_alone_when_no_name_is_known() -> (
    None
):
    # The tenant registry carries CBS codes only: one it gains later is shown by its code.
    assert municipality("0518") == "'s-Gravenhage (0518)"
    assert municipality("0344") == "0344"
