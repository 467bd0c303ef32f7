"""The printed consent form: one A4 page, laid out with fpdf2, DejaVu Sans embedded.

The page is drawn from words already in the shop's language (olga_loyalty/services/gdpr.py
builds them); nothing here translates or reads the database. DejaVu Sans (shipped in
`fonts/` with its licence) prints every letter a customer's name may have, `Şirin Dvořák`
as much as `Jörg Weiß`. Consent texts are printed whole: when they are long the type gets
smaller (down to 7 pt) so that the form stays on one page; only texts too long even for
that continue on a second page, the signature lines after the last text. Letters DejaVu Sans
does not have (Chinese, Japanese, emoji) are left blank; tabs print as a space and control
characters not at all.
"""

from __future__ import annotations

import logging
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import datetime
from importlib import resources
from pathlib import Path

FONT = "DejaVuSans"
#: Type sizes tried for the consent texts, largest first.
TEXT_SIZES = (10.5, 10, 9.5, 9, 8.5, 8, 7.5, 7)
MARGIN = 18  # mm, on every side: room for any office printer
BOX = 4.2  # mm, the tick box


@dataclass(frozen=True)
class ConsentBlock:
    heading: str  # "Datenverarbeitung für das Bonusprogramm (erforderlich)"
    text: str  # the consent text, whole
    version: str  # "Textversion 3"
    agree: str  # "Ich stimme zu"


@dataclass(frozen=True)
class ConsentForm:
    language: str  # de, en: the document's language, for screen readers
    shop_name: str
    shop_address: str
    title: str
    details: list[tuple[str, str]]  # (label, value); an empty value is a line to write on
    consents: list[ConsentBlock]
    place_date: str  # "Ort, Datum"
    signature: str  # "Unterschrift"
    made: datetime  # the moment the form was made (the PDF's creation date)


def _fonts() -> Path:
    return Path(str(resources.files(__package__).joinpath("fonts")))


def printable(text: str) -> str:
    """What a page can show: a tab as a space, no other control characters."""
    text = text.replace("\t", " ").replace("\r\n", "\n")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) != "Cc")


def _printable(form: ConsentForm) -> ConsentForm:
    def clean(value):
        if isinstance(value, str):
            return printable(value)
        if isinstance(value, ConsentBlock):
            return ConsentBlock(*(printable(getattr(value, f.name)) for f in fields(value)))
        if isinstance(value, list):
            return [tuple(map(printable, v)) if isinstance(v, tuple) else clean(v) for v in value]
        return value

    return replace(form, **{f.name: clean(getattr(form, f.name)) for f in fields(form)})


def write_consent_form(path: Path, form: ConsentForm) -> int:
    """Write the form to `path`; return the number of pages (1 unless the texts are very
    long)."""
    # fpdf2 logs each letter the font lacks; the form leaves it blank (module docstring)
    logging.getLogger("fpdf.output").setLevel(logging.ERROR)
    form = _printable(form)
    pdf = _draw(form, TEXT_SIZES[0])

    if pdf.pages_count > 1:
        smallest = _draw(form, TEXT_SIZES[-1])
        if smallest.pages_count > 1:  # too long even in small type: usual size, numbered
            pdf = _draw(form, TEXT_SIZES[0], numbered=True)
        else:  # the largest size that fits, by halving (each try lays out the whole page)
            pdf, low, high = smallest, 0, len(TEXT_SIZES) - 1  # TEXT_SIZES[high] fits
            while high - low > 1:
                middle = (low + high) // 2
                attempt = _draw(form, TEXT_SIZES[middle])
                if attempt.pages_count == 1:
                    pdf, high = attempt, middle
                else:
                    low = middle
    pdf.output(str(path))
    return pdf.pages_count


def _draw(form: ConsentForm, size: float, *, numbered: bool = False):
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    class Form(FPDF):
        def footer(self) -> None:
            if numbered:
                self.set_y(-MARGIN + 4)
                self.set_font(FONT, "", 8)
                self.cell(0, 4, f"{self.page_no()}/{{nb}}", align="R")

    pdf = Form(orientation="P", unit="mm", format="A4")

    fonts = _fonts()
    pdf.add_font(FONT, "", fonts / "DejaVuSans.ttf")
    pdf.add_font(FONT, "B", fonts / "DejaVuSans-Bold.ttf")
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(True, margin=MARGIN)
    pdf.set_title(form.title)
    pdf.set_author(form.shop_name)
    pdf.set_creator("Olga Loyalty")
    pdf.set_lang(form.language)
    pdf.set_creation_date(form.made)
    pdf.add_page()
    width = pdf.epw  # the width between the margins

    # the shop, then the title
    pdf.set_font(FONT, "B", 15)
    pdf.multi_cell(width, 7, form.shop_name, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if form.shop_address:
        pdf.set_font(FONT, "", 10)
        pdf.multi_cell(width, 5, form.shop_address, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 13)
    pdf.multi_cell(width, 7, form.title, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    # the customer: her data, or lines high enough to write on
    label_width = 42
    row = 8 if any(value for _, value in form.details) else 10
    for label, value in form.details:
        top = pdf.get_y()
        pdf.set_font(FONT, "B", 10)
        pdf.cell(label_width, row, label, new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font(FONT, "", 11)
        pdf.cell(width - label_width, row, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.line(MARGIN + label_width, top + row - 1, MARGIN + width, top + row - 1)
    pdf.ln(3)

    # each consent: its heading, its text whole, its version, a box to tick; smaller type
    # is set a little tighter
    line_height = size * (0.5 if size >= 9 else 0.45)
    gap = 3 if size >= 9 else 1.5
    for block in form.consents:
        pdf.ln(gap)
        pdf.set_draw_color(160)
        pdf.line(MARGIN, pdf.get_y(), MARGIN + width, pdf.get_y())
        pdf.set_draw_color(0)
        pdf.ln(gap)
        pdf.set_font(FONT, "B", 11)
        pdf.multi_cell(width, 6, block.heading, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font(FONT, "", size)
        pdf.multi_cell(
            width, line_height, block.text, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
        pdf.set_font(FONT, "", 8)
        pdf.set_text_color(90)
        pdf.multi_cell(width, 4, block.version, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        pdf.ln(1.5)
        if pdf.will_page_break(BOX + 4):
            pdf.add_page()
        top = pdf.get_y()
        pdf.set_line_width(0.35)
        pdf.rect(MARGIN, top, BOX, BOX)
        pdf.set_line_width(0.2)
        pdf.set_xy(MARGIN + BOX + 2.5, top - 0.4)
        pdf.set_font(FONT, "B", 11)
        pdf.cell(width - BOX - 2.5, BOX + 0.8, block.agree, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(gap + 2)

    # place, date and signature, side by side, with room to write above the lines; at the
    # foot of the page, where a form is signed
    if pdf.will_page_break(24):
        pdf.add_page()
    top = max(pdf.get_y() + 14, pdf.h - MARGIN - 16)

    half = (width - 12) / 2
    pdf.line(MARGIN, top, MARGIN + half, top)
    pdf.line(MARGIN + half + 12, top, MARGIN + width, top)
    pdf.set_font(FONT, "", 9)
    pdf.set_xy(MARGIN, top + 1)
    pdf.cell(half, 5, form.place_date, new_x=XPos.RIGHT, new_y=YPos.TOP)
    pdf.set_x(MARGIN + half + 12)
    pdf.cell(half, 5, form.signature, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf
