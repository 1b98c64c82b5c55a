"""Rendered pages (poppler's pdftoppm): right-to-left pages are mirrored, every script inks."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image

from kimdesk.handouts.render import MARGIN_TOP, MARGIN_X, PAGE_W, render_handout
from tests.handouts.helpers import need


def page_png(pdf: Path) -> Image.Image:
    out = pdf.with_suffix("")
    subprocess.run([need("pdftoppm"), "-r", "72", "-png", "-singlefile", "-f", "1", "-l", "1",
                    str(pdf), str(out)], check=True, timeout=60)
    return Image.open(out.with_suffix(".png")).convert("L")


def ink_box(image: Image.Image, top: float, bottom: float) -> tuple[int, int, int, int] | None:
    band = image.crop((0, int(top), image.width, int(bottom)))
    return band.point(lambda v: 255 if v < 140 else 0).getbbox()


@pytest.mark.parametrize(("lang", "rtl"), [("ar", True), ("fa", True), ("ps", True),
                                           ("de", False), ("ti", False), ("uk", False)])
def test_title_starts_on_the_reading_side(tmp_path: Path, lang: str, rtl: bool) -> None:
    pdf = tmp_path / f"{lang}.pdf"
    render_handout("appointment", lang, out=pdf)
    box = ink_box(page_png(pdf), MARGIN_TOP, MARGIN_TOP + 18)
    assert box is not None, "no ink where the title should be"
    left, _, right, _ = box
    if rtl:
        assert abs(right - (PAGE_W - MARGIN_X)) <= 3 and left > MARGIN_X + 40, box
    else:
        assert abs(left - MARGIN_X) <= 3 and right < PAGE_W - MARGIN_X - 40, box


def test_rtl_client_column_is_on_the_right(tmp_path: Path) -> None:
    pdf = tmp_path / "ar-de.pdf"
    render_handout("appointment", "ar", "de", out=pdf)
    image = page_png(pdf)
    half = int(PAGE_W / 2)
    title = MARGIN_TOP, MARGIN_TOP + 18
    left_box = ink_box(image.crop((0, 0, half, image.height)), *title)
    right_box = ink_box(image.crop((half, 0, image.width, image.height)), *title)
    assert left_box and right_box
    assert abs(left_box[0] - MARGIN_X) <= 3  # German title starts at the left margin
    assert abs(half + right_box[2] - (PAGE_W - MARGIN_X)) <= 3  # Arabic ends at the right one


def test_checkboxes_are_mirrored(tmp_path: Path) -> None:
    """The consent checklist's boxes sit at the start side of each language's column."""
    from kimdesk.handouts.render import BOX

    pdf = tmp_path / "consent.pdf"
    render_handout("consent", "fa", out=pdf)
    image = page_png(pdf)

    def gray(x: int, y: int) -> int:
        value = image.getpixel((x, y))
        assert isinstance(value, int)  # a grey-scale ("L") image has one int per pixel
        return value

    def box_edges(x0: int, x1: int, inner: int) -> int:
        """Rows dark across [x0, x1) but light at x=inner (a full-width rule is dark there)."""
        return sum(
            1 for y in range(image.height)
            if all(gray(x, y) < 140 for x in range(x0 + 1, x1 - 1))
            and gray(inner, y) > 200
        )

    right = int(PAGE_W - MARGIN_X)
    left = int(MARGIN_X)
    inner = int(BOX) + 3
    assert box_edges(right - int(BOX), right, right - inner) >= 8  # 5 boxes on the right
    assert box_edges(left, left + int(BOX), left + inner) == 0  # none on the left
