"""Word documents (docx) with python-docx: the body as "sections", each table its own table."""

from __future__ import annotations

import re
from pathlib import Path

from nexus_platform.ingest.limits import check_zip
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import (
    OLE_MAGIC,
    ZIP_MAGIC,
    SectionBuilder,
    cells_to_table,
    file_magic,
    ole_is_encrypted,
)

# Built-in heading styles keep these ids ("Heading1") even where Word shows a translated name
# ("Überschrift 1"), so the id is checked as well as the name.
_HEADING = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """Table "sections" (kind document) then table_1, table_2, ... in document order."""
    path = Path(path)
    document = _open(path, options)
    sections = SectionBuilder()
    tables: list[ExtractedTable] = []
    table_count = 0
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            table_count += 1
            rows = [[cell.text for cell in row.cells] for row in block.rows]
            table = cells_to_table(f"table_{table_count}", rows)
            if table is not None:
                tables.append(table)
            continue
        level = _heading_level(block)
        if level is not None and block.text.strip():
            sections.heading(level, block.text.strip())
        else:
            sections.paragraph(block.text)
    body = sections.table()
    if body is None and not tables:
        raise IngestError(ErrorClass.EMPTY, "document has no text and no table")
    return ([body] if body is not None else []) + tables


def _open(path: Path, options: ReadOptions):
    import docx

    magic = file_magic(path)
    if not magic:
        raise IngestError(ErrorClass.EMPTY, "file has no bytes")
    if magic.startswith(OLE_MAGIC):
        if ole_is_encrypted(path):
            raise IngestError(
                ErrorClass.ENCRYPTED, "document is password-protected (encrypted OLE package)"
            )
        raise IngestError(
            ErrorClass.UNSUPPORTED, "legacy binary Word (.doc) file, not a docx package"
        )
    if not magic.startswith(ZIP_MAGIC):
        raise IngestError(ErrorClass.CORRUPT, "not a docx (zip) package")
    check_zip(path, options.archive, what="document")
    try:
        return docx.Document(str(path))
    except Exception as exc:  # BadZipFile, PackageNotFoundError, KeyError, XMLSyntaxError...
        raise IngestError(
            ErrorClass.CORRUPT, f"docx does not open: {type(exc).__name__}: {exc}"
        ) from exc


def _heading_level(paragraph) -> int | None:
    style = paragraph.style
    if style is None:
        return None
    for name in (style.name or "", style.style_id or ""):
        if name.lower() == "title":
            return 1
        match = _HEADING.match(name)
        if match:
            return int(match.group(1))
    return None
