"""Letters to residents: a PDF from a versioned Dutch template at B1 level (plain language).

A template is a text file in `letter_templates/`, named `<name>-v<version>.txt`: a template is
never changed once letters went out with it, a new text is a new version. Its first lines are
`key: value` headers (`onderwerp`), then, after a blank line, the text: paragraphs separated by
blank lines, `# ` starts a heading, `- ` a bullet; `{naam}`, `{gemeente}`, `{telefoon}`,
`{email}`, `{website}` and `{bereikbaar}` are filled in. The letter says which template made it
(`Letter.template`, to keep on the contact attempt) and prints it in its footer.

The resident's address sits where a window envelope shows it, as Notify wants a precompiled
letter's address block; the font (Roboto, embedded) has every Dutch letter (é, ë, ï, ĳ).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from importlib.resources import as_file, files
from pathlib import Path
from zoneinfo import ZoneInfo

from fontTools.ttLib import TTFont
from fpdf import FPDF

TEMPLATE_DIR = Path(__file__).with_name("letter_templates")
# The template the contact plan's first letter uses now.
CURRENT_TEMPLATE = "eerste-brief-v1"
MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
_FONTS = files("font_roboto").joinpath("files")
_FONT = "Roboto"
# Millimetres. Notify's address block for precompiled letters: its left and top edge, width.
_ADDRESS_X, _ADDRESS_Y, _ADDRESS_W = 25.0, 51.0, 95.0
_LEFT, _RIGHT, _TOP, _BOTTOM = 25.0, 20.0, 15.0, 25.0
_LINE = 5.5


@dataclass(frozen=True)
class Recipient:
    """Who the letter goes to: the name and the postal address lines (street and number,
    postcode and place)."""

    name: str
    address_lines: Sequence[str]


@dataclass(frozen=True)
class Municipality:
    """Who sends it and how residents reach them."""

    name: str
    phone: str
    email: str
    website: str
    # When the phone is answered, as a sentence part: "op werkdagen van 9.00 tot 17.00 uur".
    reachable: str
    # The return address printed above the resident's, e.g. ("Postbus 202", "1000 AE Amsterdam").
    return_address: Sequence[str]


@dataclass(frozen=True)
class Letter:
    """A rendered letter and the template (with its version) that made it."""

    pdf: bytes
    template: str


@dataclass(frozen=True)
class _Template:
    name: str
    subject: str
    blocks: list[list[str]]


def templates() -> list[str]:
    """Every template there is, e.g. `eerste-brief-v1`."""
    return sorted(path.stem for path in TEMPLATE_DIR.glob("*-v*.txt"))


def render_letter(
    recipient: Recipient,
    municipality: Municipality,
    *,
    on: date,
    reference: str,
    template: str = CURRENT_TEMPLATE,
) -> Letter:
    """The letter as PDF, dated `on`; `reference` ("ons kenmerk") lets the municipality find
    the attempt when the resident replies (never personal data: e.g. the attempt's id)."""
    lines = [line.strip() for line in recipient.address_lines if line.strip()]
    if not recipient.name.strip() or not 2 <= len(lines) <= 6:
        # Notify reads 3 to 7 address lines from a precompiled letter, the name included.
        raise ValueError("a letter needs a name and 2 to 6 address lines")
    if not printable(recipient.name, *lines):
        # A letter with blanks in the name or address would not arrive; a person writes it.
        raise ValueError("the name or address has characters the letter's font cannot print")
    text = _load(template)
    values = {
        "naam": recipient.name.strip(),
        "gemeente": municipality.name,
        "telefoon": municipality.phone,
        "email": municipality.email,
        "website": municipality.website,
        "bereikbaar": municipality.reachable,
    }
    pdf = _LetterPdf(municipality, template)
    pdf.set_title(text.subject)
    pdf.set_subject(text.subject)
    pdf.set_keywords(template)
    pdf.set_author(f"Gemeente {municipality.name}")
    pdf.set_creator("vroeg")
    pdf.set_lang("nl")
    pdf.set_creation_date(datetime.combine(on, time(), ZoneInfo("Europe/Amsterdam")))
    pdf.add_page()
    _head(pdf, municipality, recipient.name.strip(), lines)
    _facts(pdf, on, reference, text.subject)
    for block in text.blocks:
        _block(pdf, [line.format_map(values) for line in block])
    return Letter(bytes(pdf.output()), template)


def printable(*texts: str) -> bool:
    """Whether the letter's font has every character of `texts`."""
    return all(ord(c) in _font_characters() for text in texts for c in text if not c.isspace())


@cache
def _font_characters() -> frozenset[int]:
    with as_file(_FONTS.joinpath("Roboto-Regular.ttf")) as path:
        return frozenset(TTFont(path, lazy=True).getBestCmap())


def dutch_date(day: date) -> str:
    """`3 december 2026`."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


class _LetterPdf(FPDF):
    def __init__(self, municipality: Municipality, template: str) -> None:
        super().__init__(format="A4", unit="mm")
        self._municipality = municipality
        self._template = template
        self.set_margins(_LEFT, _TOP, _RIGHT)
        self.set_auto_page_break(True, margin=_BOTTOM)
        self.add_font(_FONT, "", str(_FONTS.joinpath("Roboto-Regular.ttf")))
        self.add_font(_FONT, "B", str(_FONTS.joinpath("Roboto-Bold.ttf")))

    def footer(self) -> None:
        m = self._municipality
        self.set_y(-18)
        self.set_font(_FONT, "", 8)
        self.cell(0, 4, f"Gemeente {m.name} · {m.phone} · {m.email} · {m.website}")
        self.ln(4)
        self.cell(0, 4, f"Brief {self._template} · pagina {self.page_no()} van {{nb}}")


def _head(pdf: FPDF, municipality: Municipality, name: str, lines: list[str]) -> None:
    pdf.set_font(_FONT, "B", 14)
    pdf.cell(0, 7, f"Gemeente {municipality.name}")
    pdf.set_font(_FONT, "", 7)
    pdf.set_xy(_ADDRESS_X, _ADDRESS_Y - 5)
    pdf.cell(_ADDRESS_W, 3.5, ", ".join(municipality.return_address))
    pdf.set_font(_FONT, "", 11)
    pdf.set_xy(_ADDRESS_X, _ADDRESS_Y)
    for line in [name, *lines]:
        pdf.cell(_ADDRESS_W, 4.8, line, new_x="LEFT", new_y="NEXT")


def _facts(pdf: FPDF, on: date, reference: str, subject: str) -> None:
    pdf.set_xy(_LEFT, 95)
    pdf.set_font(_FONT, "", 10)
    for label, value in (("Datum", dutch_date(on)), ("Ons kenmerk", reference)):
        pdf.cell(30, 5, label)
        pdf.cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(_FONT, "B", 10)
    pdf.cell(30, 5, "Onderwerp")
    pdf.cell(0, 5, subject, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)


def _block(pdf: FPDF, lines: list[str]) -> None:
    for line in lines:
        if line.startswith("# "):
            pdf.set_font(_FONT, "B", 12)
            pdf.multi_cell(0, _LINE + 1, line[2:], align="L", new_x="LMARGIN", new_y="NEXT")
        elif line.startswith("- "):
            pdf.set_font(_FONT, "", 11)
            pdf.cell(6, _LINE, "•")
            pdf.multi_cell(0, _LINE, line[2:], align="L", new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.set_font(_FONT, "", 11)
            pdf.multi_cell(0, _LINE, line, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(_LINE / 2)


def _load(name: str) -> _Template:
    if name not in templates():
        raise ValueError(f"no letter template {name!r}")
    raw = (TEMPLATE_DIR / f"{name}.txt").read_text(encoding="utf-8")
    header, _, body = raw.partition("\n\n")
    headers = dict(line.split(":", 1) for line in header.splitlines())
    blocks = [block.splitlines() for block in body.strip().split("\n\n")]
    return _Template(name, headers["onderwerp"].strip(), blocks)
