"""OCR of images and of PDF pages without a text layer, measured against text we render.

Pages are drawn with Pillow in three fonts that matplotlib ships (so every machine that
installs the platform has them), German and English, one page slightly rotated and speckled
with noise, then saved as PNG files and as one image-only PDF. The bound: a character error
rate of at most 3% on every page (Tesseract 5 with deu+eng reads these pages without error
here); an empty or skipped page scores 100% and fails.
"""

from __future__ import annotations

import random
from pathlib import Path

import matplotlib
import pyarrow.parquet as pq
import pytest

from nexus_platform.ingest.convert import ConvertConfig, convert_file
from nexus_platform.ingest.ocr import find_engine
from nexus_platform.ingest.readers import ReadOptions

MAX_CER = 0.03
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"

PAGES = [
    (
        "DejaVuSans.ttf",
        40,
        0.0,
        [
            "Die Treibhausgasemissionen des Werkes sanken um zwölf Prozent.",
            "Scope 1 emissions fell by twelve percent in 2023.",
            "Überprüfung der Lieferkette: Maßnahmen für Außenlager in Köln.",
        ],
    ),
    (
        "DejaVuSerif.ttf",
        34,
        1.5,  # a slightly skewed scan, with noise
        [
            "Größere Öfen benötigen weniger Energie für die Klinkerproduktion.",
            "The supplier audit found no material breach of the code.",
        ],
    ),
    (
        "DejaVuSansMono.ttf",
        30,
        0.0,
        [
            "Water withdrawal per tonne of cement decreased slightly.",
            "Wasserentnahme je Tonne Zement: 0,42 m³ (Vorjahr 0,47 m³).",
        ],
    ),
]


def _render(font: str, size: int, angle: float, lines: list[str]):
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (2000, 120 + int(size * 1.9) * len(lines)), 255)
    draw = ImageDraw.Draw(image)
    face = ImageFont.truetype(str(FONTS / font), size)
    for n, line in enumerate(lines):
        draw.text((60, 60 + int(size * 1.9) * n), line, font=face, fill=0)
    if angle:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
        noise = random.Random(7)
        pixels = image.load()
        for _ in range(image.width * image.height // 200):
            pixels[noise.randrange(image.width), noise.randrange(image.height)] = noise.choice(
                (0, 128)
            )
    return image


def _cer(found: str, expected: str) -> float:
    """Levenshtein distance over the expected length, whitespace runs counted as one space."""
    a, b = " ".join(found.split()), " ".join(expected.split())
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1] / max(len(b), 1)


@pytest.fixture(scope="module")
def rendered():
    if find_engine() is None:
        pytest.fail("Tesseract is not installed: run `make install-system`")
    return [
        (_render(font, size, angle, lines), "\n".join(lines)) for font, size, angle, lines in PAGES
    ]


def test_png_pages_are_read_within_the_error_bound(paths, put, rendered):
    for index, (image, _) in enumerate(rendered):
        image.save(Path(put(f"scans/page_{index}.png", b"")), format="PNG")
    for index, (_, expected) in enumerate(rendered):
        entry = convert_file(paths, f"scans/page_{index}.png")
        assert entry.status == "converted", entry.error
        [row] = pq.read_table(entry.tables[0].path).to_pylist()
        assert row["ocr"] is True
        assert _cer(row["text"], expected) <= MAX_CER, (row["text"], expected)
        assert entry.ocr["engine"] == "tesseract" and entry.ocr["version"]
        assert entry.ocr["languages"] == "deu+eng"


def test_image_only_pdf_is_read_page_by_page(paths, put, rendered):
    images = [image.convert("RGB") for image, _ in rendered]
    target = Path(put("scans/scan.pdf", b""))
    images[0].save(target, save_all=True, append_images=images[1:], resolution=300)
    entry = convert_file(paths, "scans/scan.pdf")
    assert entry.status == "converted", entry.error
    rows = pq.read_table(entry.tables[0].path).to_pylist()
    assert [r["page"] for r in rows] == [1, 2, 3]
    for row, (_, expected) in zip(rows, rendered, strict=True):
        assert row["ocr"] is True
        assert _cer(row["text"], expected) <= MAX_CER, (row["page"], row["text"])
    assert entry.ocr["pages"] == [1, 2, 3]


def test_born_digital_pages_are_not_ocred(paths, put, make_pdf):
    put("reports/digital.pdf", make_pdf([["Scope 1 emissions fell by 12 percent."], ["Page two."]]))
    entry = convert_file(paths, "reports/digital.pdf")
    rows = pq.read_table(entry.tables[0].path).to_pylist()
    assert [r["ocr"] for r in rows] == [False, False]
    assert entry.ocr is None


def test_page_cap_and_page_time_limit(paths, put, rendered):
    images = [image.convert("RGB") for image, _ in rendered[:2]]
    images[0].save(Path(put("scans/two.pdf", b"")), save_all=True, append_images=images[1:])
    capped = convert_file(
        paths, "scans/two.pdf", ConvertConfig(read_options=ReadOptions(ocr_max_pages=1))
    )
    rows = pq.read_table(capped.tables[0].path).to_pylist()
    assert rows[0]["ocr"] and rows[0]["text"] and not rows[1]["ocr"] and rows[1]["text"] == ""
    assert any("page cap of 1 reached" in note for note in capped.notes)

    timed = convert_file(
        paths, "scans/two.pdf", ConvertConfig(read_options=ReadOptions(ocr_page_timeout_s=0.01))
    )
    assert all(r["text"] == "" for r in pq.read_table(timed.tables[0].path).to_pylist())
    assert sum("page time limit" in note for note in timed.notes) == 2
