"""OpenDocument text (odt): headings and paragraphs of content.xml as the shared "sections"
table, every table its own table (table_1, ...), as for docx.

content.xml is parsed with lxml directly (no entity resolution, no network, libxml2's
default depth limit): the format is plain XML and a full ODF library would add nothing the
sections need."""

from __future__ import annotations

from pathlib import Path

from nexus_platform.ingest.limits import open_zip
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import SectionBuilder, cells_to_table

_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_H, _P = f"{{{_TEXT}}}h", f"{{{_TEXT}}}p"
_SPACE, _TAB, _BREAK = f"{{{_TEXT}}}s", f"{{{_TEXT}}}tab", f"{{{_TEXT}}}line-break"
_TABLE_EL, _ROW, _CELL = f"{{{_TABLE}}}table", f"{{{_TABLE}}}table-row", f"{{{_TABLE}}}table-cell"
# A repeated empty row or column is how ODF pads a table to the sheet's edge: not data.
_MAX_REPEAT = 64


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    content = _content(Path(path), options)
    body = content.find(f"{{{_OFFICE}}}body/{{{_OFFICE}}}text")
    if body is None:
        raise IngestError(ErrorClass.CORRUPT, "content.xml has no text body")
    sections = SectionBuilder()
    tables: list[ExtractedTable] = []
    stack = [iter(body)]
    while stack:  # iterative walk: nesting depth never reaches Python's recursion limit
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
        elif element.tag == _H:
            level = int(element.get(f"{{{_TEXT}}}outline-level", "1") or 1)
            text = _text(element).strip()
            if text:
                sections.heading(max(1, min(level, 9)), text)
        elif element.tag == _P:
            sections.paragraph(_text(element))
        elif element.tag == _TABLE_EL:
            found = cells_to_table(f"table_{len(tables) + 1}", _rows(element))
            if found is not None:
                tables.append(found)
        else:  # lists, sections, frames: their paragraphs count
            stack.append(iter(element))
    body_table = sections.table()
    if body_table is None and not tables:
        raise IngestError(ErrorClass.EMPTY, "document has no text and no table")
    return ([body_table] if body_table is not None else []) + tables


def _content(path: Path, options: ReadOptions):
    from lxml import etree

    with open_zip(path, options.archive, what="document") as package:
        names = set(package.namelist())
        if "META-INF/manifest.xml" in names and b"encryption-data" in package.read(
            "META-INF/manifest.xml"
        ):
            raise IngestError(ErrorClass.ENCRYPTED, "document is password-protected")
        if "content.xml" not in names:
            raise IngestError(ErrorClass.CORRUPT, "not an OpenDocument package (no content.xml)")
        data = package.read("content.xml")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise IngestError(ErrorClass.CORRUPT, f"content.xml does not parse: {exc}") from exc


def _text(element) -> str:
    """A paragraph's text with ODF's encoded whitespace (text:s, text:tab, line breaks)."""
    from lxml import etree

    out: list[str] = []
    for event, node in etree.iterwalk(element, events=("start", "end")):
        if event == "start":
            if node.tag == _SPACE:
                out.append(" " * min(int(node.get(f"{{{_TEXT}}}c", "1") or 1), 1000))
            elif node.tag == _TAB:
                out.append("\t")
            elif node.tag == _BREAK:
                out.append("\n")
            elif node.text:
                out.append(node.text)
        elif node is not element and node.tail:
            out.append(node.tail)
    return "".join(out)


def _rows(table) -> list[list[str | None]]:
    rows: list[list[str | None]] = []
    for row in table.iter(_ROW):
        if row.getparent() is not table and row.getparent().getparent() is not table:
            continue  # a row of a table nested in a cell belongs to that table
        cells: list[str | None] = []
        for cell in row.iterchildren(_CELL, f"{{{_TABLE}}}covered-table-cell"):
            text = "\n".join(_text(p) for p in cell.iter(_P))
            repeat = int(cell.get(f"{{{_TABLE}}}number-columns-repeated", "1") or 1)
            cells.extend([text] * min(repeat, _MAX_REPEAT if text else 1))
        repeat = int(row.get(f"{{{_TABLE}}}number-rows-repeated", "1") or 1)
        rows.extend([cells] * min(repeat, _MAX_REPEAT if any(cells) else 1))
    return rows
