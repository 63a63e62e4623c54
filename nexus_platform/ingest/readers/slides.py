"""PowerPoint (pptx) with python-pptx: one row per slide (title, body, notes) in the shared
sections schema, and every table on a slide its own table (slide_<n>_table_<i>)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.limits import check_zip
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import (
    OLE_MAGIC,
    SECTIONS_SCHEMA,
    ZIP_MAGIC,
    cells_to_table,
    file_magic,
    ole_is_encrypted,
)

SLIDES_SCHEMA = pa.schema(
    [*SECTIONS_SCHEMA, ("slide", pa.int64()), ("body", pa.string()), ("notes", pa.string())]
)
# Shapes nest in groups; a deeper group than this is not followed (a hostile file).
_MAX_GROUP_DEPTH = 16


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """Table "slides" (kind document): `text` is the body then the speaker notes, so both
    reach the knowledge base; `body` and `notes` keep them apart for SQL."""
    presentation = _open(Path(path), options)
    rows, tables = [], []
    for number, slide in enumerate(presentation.slides, start=1):
        title_shape = slide.shapes.title
        title = title_shape.text_frame.text.strip() if title_shape is not None else ""
        body: list[str] = []
        grids: list[list[list[str | None]]] = []
        _collect(slide.shapes, title_shape, body, grids, 0)
        notes = ""
        if slide.has_notes_slide and slide.notes_slide.notes_text_frame is not None:
            notes = slide.notes_slide.notes_text_frame.text.strip()
        for index, grid in enumerate(grids, start=1):
            table = cells_to_table(f"slide_{number}_table_{index}", grid)
            if table is not None:
                tables.append(table)
        text = "\n\n".join(p for p in ("\n".join(body), notes) if p)
        rows.append(
            {
                "section": number - 1,
                "level": 1 if title else 0,
                "heading": title or None,
                "headings": [title] if title else [],
                "text": text,
                "slide": number,
                "body": "\n".join(body),
                "notes": notes,
            }
        )
    if not rows:
        raise IngestError(ErrorClass.EMPTY, "presentation has no slides")
    slides = ExtractedTable(
        name="slides", kind="document", table=pa.Table.from_pylist(rows, schema=SLIDES_SCHEMA)
    )
    return [slides, *tables]


def _collect(shapes, title_shape, body: list[str], grids: list, depth: int) -> None:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    if depth > _MAX_GROUP_DEPTH:
        return
    for shape in shapes:
        if title_shape is not None and shape.shape_id == title_shape.shape_id:
            continue
        if getattr(shape, "has_table", False) and shape.has_table:
            grids.append([[cell.text for cell in row.cells] for row in shape.table.rows])
        elif shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            _collect(shape.shapes, None, body, grids, depth + 1)
        elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            text = shape.text_frame.text.strip()
            if text:
                body.append(text)


def _open(path: Path, options: ReadOptions):
    from pptx import Presentation

    magic = file_magic(path)
    if magic.startswith(OLE_MAGIC):
        if ole_is_encrypted(path):
            raise IngestError(
                ErrorClass.ENCRYPTED, "presentation is password-protected (encrypted OLE package)"
            )
        raise IngestError(ErrorClass.UNSUPPORTED, "legacy binary PowerPoint (.ppt), not pptx")
    if not magic.startswith(ZIP_MAGIC):
        raise IngestError(ErrorClass.CORRUPT, "not a pptx (zip) package")
    check_zip(path, options.archive, what="presentation")
    try:
        return Presentation(str(path))
    except Exception as exc:  # BadZipFile, PackageNotFoundError, KeyError, XMLSyntaxError...
        raise IngestError(
            ErrorClass.CORRUPT, f"pptx does not open: {type(exc).__name__}: {exc}"
        ) from exc
