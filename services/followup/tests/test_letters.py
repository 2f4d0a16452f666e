"""Letters are PDFs from a versioned Dutch template: the resident's name and address, the
municipality's contact details, the date and the template version are in the PDF's text, Dutch
letters included (read back with pypdf)."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from vroeg.followup.letters import (
    CURRENT_TEMPLATE,
    Letter,
    Municipality,
    Recipient,
    render_letter,
    templates,
)

RESIDENT = Recipient("Jeroen van 't Hoff-Ëlberg", ["Ĳsselstraat 12 bis", "1011 AB  AMSTERDAM"])
AMSTERDAM = Municipality(
    name="Amsterdam",
    phone="14 020",
    email="geldzorgen@amsterdam.nl",
    website="amsterdam.nl/geldzorgen",
    reachable="op werkdagen van 9.00 tot 17.00 uur",
    return_address=["Postbus 202", "1000 AE Amsterdam"],
)


def text_of(letter: Letter) -> str:
    reader = PdfReader(io.BytesIO(letter.pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_letter_carries_name_address_contact_date_and_template_version() -> None:
    letter = render_letter(RESIDENT, AMSTERDAM, on=date(2026, 12, 3), reference="a1b2c3")
    text = text_of(letter)
    assert letter.template == CURRENT_TEMPLATE == "eerste-brief-v1"
    # The address block, in the envelope's window: name, street, postcode and place.
    assert "Jeroen van 't Hoff-Ëlberg\nĲsselstraat 12 bis\n1011 AB  AMSTERDAM\n" in text
    assert "Beste Jeroen van 't Hoff-Ëlberg," in text
    assert "3 december 2026" in text
    assert "a1b2c3" in text
    assert "Bel ons op 14 020" in text
    assert "geldzorgen@amsterdam.nl" in text
    assert "Brief eerste-brief-v1" in text
    assert PdfReader(io.BytesIO(letter.pdf)).metadata["/Keywords"] == "eerste-brief-v1"


def test_the_letter_says_in_plain_dutch_that_help_is_free_and_voluntary() -> None:
    text = text_of(render_letter(RESIDENT, AMSTERDAM, on=date(2026, 1, 5), reference="x"))
    assert "De hulp is gratis." in text
    assert "U kiest zelf of u hulp wilt." in text
    assert "5 januari 2026" in text
    # B1: short sentences (at most 15 words each) in the body of the letter.
    body = text.split("Beste ", 1)[1].split("Met vriendelijke groet", 1)[0]
    sentences = [s for s in re.split(r"[.!?]\s+|\n", body) if s.strip()]
    assert max(len(s.split()) for s in sentences) <= 15


def test_every_template_is_versioned_and_renders() -> None:
    assert CURRENT_TEMPLATE in templates()
    for template in templates():
        assert re.fullmatch(r"[a-z-]+-v[0-9]+", template)
        letter = render_letter(
            RESIDENT, AMSTERDAM, on=date(2026, 5, 5), reference="r", template=template
        )
        assert f"Brief {template}" in text_of(letter)


@pytest.mark.parametrize(
    "recipient",
    [
        Recipient("", ["Straat 1", "1234 AB  PLAATS"]),
        Recipient("J. Jansen", ["1234 AB  PLAATS"]),
        Recipient("J. Jansen", [f"regel {n}" for n in range(7)]),
    ],
)
def test_a_letter_without_a_name_or_a_postal_address_is_refused(recipient: Recipient) -> None:
    with pytest.raises(ValueError, match="name and 2 to 6 address lines"):
        render_letter(recipient, AMSTERDAM, on=date(2026, 1, 5), reference="x")


def test_names_in_other_latin_greek_and_cyrillic_letters_print() -> None:
    for name in ("Şükrü Ağaoğlu", "Łucja Wiśniewska", "Νίκος Παπαδόπουλος", "Олена Коваленко"):
        recipient = Recipient(name, ["Straat 1", "1234 AB  PLAATS"])
        text = text_of(render_letter(recipient, AMSTERDAM, on=date(2026, 1, 5), reference="x"))
        assert f"Beste {name}," in text


def test_a_name_the_font_cannot_print_is_refused_not_left_blank() -> None:
    recipient = Recipient("王小明", ["Straat 1", "1234 AB  PLAATS"])
    with pytest.raises(ValueError, match="characters the letter's font cannot print"):
        render_letter(recipient, AMSTERDAM, on=date(2026, 1, 5), reference="x")


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="no letter template"):
        render_letter(RESIDENT, AMSTERDAM, on=date(2026, 1, 5), reference="x", template="brief-v0")
