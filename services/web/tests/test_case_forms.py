"""followup's rule refusals reach the vroegsignaleerder (and the SHV professional) in Dutch: every refusal its outcome and
lifecycle rules can give has a Dutch message here, so a changed English wording shows up as a
failing test, not as English on a page."""

from __future__ import annotations

import pytest

from vroeg.followup.rules import CaseAction, Refused, outcome_detail, shv_outcome, transition
from vroeg.shared.events import CaseStatus, DebtHelpStanding, OutcomeCategory, OutcomeDetail
from vroeg.web.case_forms import rule_message

UNKNOWN = "De regels staan het niet toe"


def refusal(call: object, *args: object, **kw: object) -> str:
    with pytest.raises(Refused) as refused:
        call(*args, **kw)  # type: ignore[operator]
    return str(refused.value)


@pytest.mark.parametrize(
    ("refused", "dutch", "field"),
    [
        (
            refusal(
                outcome_detail, OutcomeCategory.WIL_HULP, None, reached=True, consent=False,
                reason=False,
            ),
            "Bij ‘Wil hulp’ hoort een nadere uitkomst: kies er een uit de lijst.",
            "detail",
        ),
        (
            refusal(
                outcome_detail, OutcomeCategory.WIL_HULP, OutcomeDetail.GEEN_CONTACT,
                reached=True, consent=False, reason=False,
            ),
            "‘Geen contact gekregen’ hoort niet bij ‘Wil hulp’",
            "detail",
        ),
        (
            refusal(
                outcome_detail, OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX, reached=True,
                consent=False, reason=True,
            ),
            "horen alleen bij ‘Wil geen hulp’",
            "reden",
        ),
        (
            refusal(
                outcome_detail, OutcomeCategory.WIL_HULP, OutcomeDetail.QUICK_FIX, reached=False,
                consent=False, reason=False,
            ),
            "‘Snel opgelost (quick fix)’ kan pas als een contactpoging de inwoner heeft bereikt.",
            None,
        ),
        (
            refusal(
                outcome_detail, OutcomeCategory.NIET_BEREIKT, OutcomeDetail.GEEN_CONTACT,
                reached=True, consent=False, reason=False,
            ),
            "Bedoelt u ‘Geen reactie na contact’?",
            "detail",
        ),
        (
            refusal(
                shv_outcome, DebtHelpStanding.RECENT_DECISION, OutcomeCategory.BEKEND_BIJ_SHV,
                None, reached=True,
            ),
            "‘Bekend bij schuldhulp’ kan alleen als de inwoner nu schuldhulp krijgt.",
            None,
        ),
        (
            refusal(transition, CaseStatus.CLOSED, CaseAction.CLOSE),
            "Deze melding is al gesloten.",
            None,
        ),
        (
            refusal(transition, CaseStatus.OPEN, CaseAction.REOPEN),
            "Deze melding is al open en kan niet worden heropend.",
            None,
        ),
    ],
)  # fmt: skip
def test_followups_rule_refusals_are_told_in_dutch_with_the_field_to_correct(
    refused: str, dutch: str, field: str | None
) -> None:
    message, fields = rule_message(refused)
    assert dutch in message
    assert UNKNOWN not in message
    assert fields == ({field} if field else set())


def test_an_unknown_refusal_is_shown_as_it_came_after_a_dutch_lead() -> None:
    message, fields = rule_message("a rule not known to the web app")
    assert (
        message
        == "Dit is niet vastgelegd. De regels staan het niet toe: a rule not known to the web app"
    )
    assert fields == set()
