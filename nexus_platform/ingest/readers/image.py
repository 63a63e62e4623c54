"""Images (png, jpg, tiff): the text in them by OCR, as the shared "pages" table (one row per
frame of a multi-page TIFF), every row marked `ocr = true`."""

from __future__ import annotations

from itertools import islice
from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.pdf import PAGES_SCHEMA


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    from PIL import Image, ImageSequence, UnidentifiedImageError

    from nexus_platform.ingest.ocr import recognise_pages, require_engine

    require_engine()  # before decoding: without an engine there is nothing to read
    try:
        image = Image.open(path)
        # One frame past the cap is decoded so that the cap shows in the notes.
        sequence = islice(ImageSequence.Iterator(image), options.ocr_max_pages + 1)
        frames = [(number, frame.convert("L")) for number, frame in enumerate(sequence, start=1)]
    except Image.DecompressionBombError as exc:
        raise IngestError(ErrorClass.TOO_LARGE, f"image is too large to decode: {exc}") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise IngestError(ErrorClass.CORRUPT, f"image does not decode: {exc}") from exc
    outcome = recognise_pages(frames, options)
    if not any(text.strip() for text in outcome.texts.values()):
        raise IngestError(
            ErrorClass.EMPTY, f"no text recognised in the image ({len(frames)} frames)"
        )
    numbers = sorted(outcome.texts)
    table = pa.table(
        {
            "page": numbers,
            "text": [outcome.texts[n] for n in numbers],
            "ocr": [True] * len(numbers),
        },
        schema=PAGES_SCHEMA,
    )
    pages = ExtractedTable(name="pages", kind="document", table=table, notes=outcome.notes)
    pages.ocr = outcome.info  # type: ignore[attr-defined]
    return [pages]
