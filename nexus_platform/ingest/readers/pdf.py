"""PDF: page text with pypdfium2 (fast), ruled tables with pdfplumber (only where it pays)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import cells_to_table

PAGES_SCHEMA = pa.schema([("page", pa.int64()), ("text", pa.string()), ("ocr", pa.bool_())])


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    """Table "pages" (kind document, one row per page) then one table per detected page
    table, named page_<n>_table_<i> (both 1-based). Pages without a text layer (or with
    less than `options.ocr_min_chars` characters) that show an image are OCRed."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise IngestError(ErrorClass.EMPTY, "file has no bytes")
    texts, ruled_pages, scanned, password, notes = _read_text(path, options)
    ocr = [False] * len(texts)
    info = None
    if scanned and options.ocr:
        outcome = _ocr(path, password, scanned, options)
        for number, text in outcome.texts.items():
            if text.strip():
                texts[number - 1], ocr[number - 1] = text, True
        notes.extend(outcome.notes)
        info = outcome.info
    if all(not t.strip() for t in texts):
        notes.append("no text extracted: scanned?")
    pages = ExtractedTable(
        name="pages",
        kind="document",
        table=pa.table(
            {"page": list(range(1, len(texts) + 1)), "text": texts, "ocr": ocr},
            schema=PAGES_SCHEMA,
        ),
        notes=notes,
    )
    pages.ocr = info  # type: ignore[attr-defined]
    tables = [pages]
    if options.pdf_tables and ruled_pages:
        if len(texts) <= options.pdf_table_max_pages:
            try:
                tables += _read_tables(path, ruled_pages, password)
            except Exception as exc:  # the page text is the main product: keep it
                notes.append(f"table detection failed: {type(exc).__name__}: {exc}")
        else:
            notes.append(
                f"table detection skipped: {len(texts)} pages > {options.pdf_table_max_pages}"
            )
    return tables


def _open(path: Path):
    """Open with the empty user password first: a PDF encrypted only against editing
    (the common case) opens with it and must be read, not quarantined."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        return pdfium.PdfDocument(path, password=""), ""
    except pdfium.PdfiumError as exc:
        if exc.err_code == pdfium_c.FPDF_ERR_PASSWORD:
            raise IngestError(ErrorClass.ENCRYPTED, "PDF needs a password to open") from exc
        if exc.err_code == pdfium_c.FPDF_ERR_SECURITY:
            raise IngestError(
                ErrorClass.ENCRYPTED, f"unsupported PDF security handler: {exc}"
            ) from exc
        raise IngestError(ErrorClass.CORRUPT, f"PDF does not load: {exc}") from exc


def _ocr(path: Path, password: str, numbers: list[int], options: ReadOptions):
    """OCR of the given 1-based pages, rendered one at a time as they are recognised."""
    from nexus_platform.ingest.ocr import OcrOutcome, find_engine, recognise_pages

    if find_engine() is None:
        return OcrOutcome(notes=[f"{len(numbers)} pages without a text layer: no OCR engine"])
    doc, _ = _open(path)
    try:

        def rendered():
            for number in numbers:
                page = doc[number - 1]
                try:
                    bitmap = page.render(scale=options.ocr_dpi / 72, grayscale=True)
                    yield number, bitmap.to_pil()
                finally:
                    page.close()

        return recognise_pages(rendered(), options)
    finally:
        doc.close()


def _needs_ocr(page, text: str, options: ReadOptions) -> bool:
    """A page whose text layer is (nearly) empty while it shows an image: a scan. Looked at
    only for such pages, so born-digital pages pay nothing for the check."""
    import pypdfium2.raw as pdfium_c

    if len("".join(text.split())) >= options.ocr_min_chars:
        return False
    return any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2))


def _read_text(path: Path, options: ReadOptions):
    """Page texts, the 1-based pages that draw paths (only they can hold ruled tables), the
    pages that need OCR, the password that opened the file, and notes."""
    import pypdfium2.raw as pdfium_c

    doc, password = _open(path)
    notes = []
    try:
        if pdfium_c.FPDF_GetSecurityHandlerRevision(doc.raw) != -1:
            notes.append("encrypted PDF opened with the empty user password")
        if len(doc) == 0:
            raise IngestError(ErrorClass.EMPTY, "PDF has no pages")
        texts, ruled, scanned = [], [], []
        for number in range(1, len(doc) + 1):
            page = doc[number - 1]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
                if any(True for _ in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH])):
                    ruled.append(number)
                if options.ocr and _needs_ocr(page, text, options):
                    scanned.append(number)
            finally:
                page.close()
            # PDFium ends lines with CRLF; the rest of the platform uses LF.
            texts.append(text.replace("\r\n", "\n").replace("\r", "\n"))
    except IngestError:
        raise
    except Exception as exc:  # a page that fails to parse means a damaged file
        raise IngestError(ErrorClass.CORRUPT, f"PDF page does not parse: {exc}") from exc
    finally:
        doc.close()
    return texts, ruled, scanned, password, notes


def _read_tables(path: Path, pages: list[int], password: str) -> list[ExtractedTable]:
    # pdfplumber costs ~37 ms/page, pypdfium2's text ~64x less: it only sees pages that
    # draw lines, as its default (lines) strategy finds no table without them.
    import pdfplumber

    tables = []
    with pdfplumber.open(path, password=password, pages=pages) as pdf:
        for page in pdf.pages:
            for index, cells in enumerate(page.extract_tables(), start=1):
                table = cells_to_table(f"page_{page.page_number}_table_{index}", cells)
                if table is not None:
                    tables.append(table)
    return tables
