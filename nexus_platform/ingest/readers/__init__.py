"""Readers: one module per family of formats, each a function `read(path, options)`.

A reader returns (or yields) `ExtractedTable`s and raises `IngestError` with a class for
input it cannot read. Any other exception escaping a reader is classed as `corrupt` by the
converter, with the parser's message.

Document readers share one schema so that chunking downstream treats them alike:
- PDF and images, table "pages": `page` (int64, 1-based), `text` (string), `ocr` (bool:
  the text was recognised from the page image).
- docx / odt / rtf / md / html / txt, table "sections": `section` (int64, 0-based), `level`
  (int64, 0 = text before any heading), `heading` (string, null before the first heading),
  `headings` (list<string>, the heading path from the top), `text` (string).
- pptx, table "slides": the sections columns (one section per slide, its title the heading,
  body and notes the text) plus `slide`, `body`, `notes`.
Tables found inside documents (PDF page tables, docx/html/odt tables, slide tables) are
their own `kind="table"` tables.

Archives (zip) and e-mails (eml, msg) are containers: their reader returns a `Container`
(`nexus_platform.ingest.members`) whose members convert as files of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nexus_platform.ingest.limits import ArchiveLimits


@dataclass(frozen=True)
class ReadOptions:
    """Knobs readers honour. Defaults are what the platform uses."""

    # pdfplumber table detection costs ~37 ms/page: only where it pays.
    pdf_tables: bool = True
    pdf_table_max_pages: int = 50
    # Rows per Arrow batch for streaming readers.
    batch_rows: int = 131_072
    # Bytes sampled to detect encoding and dialect of text formats.
    sample_bytes: int = 1 << 20
    # Bytes per parsed CSV block: bounds memory; types are inferred from the first block.
    csv_block_bytes: int = 4 << 20
    # A single CSV record larger than this (one huge quoted cell) is quarantined as too_large.
    csv_max_record_bytes: int = 256 << 20
    # Zip containers (xlsx, docx, pptx, ods, odt, zip) are checked against these first.
    archive: ArchiveLimits = field(default_factory=ArchiveLimits)
    # OCR (images, PDF pages without a text layer): Tesseract with these language packs.
    ocr: bool = True
    ocr_languages: str = "deu+eng"
    ocr_dpi: int = 300
    ocr_page_timeout_s: float = 60.0
    # Pages OCRed per file at most: a 3,000-page scan must not hold a run for hours.
    ocr_max_pages: int = 200
    # A PDF page with fewer visible characters than this and an image on it is OCRed.
    ocr_min_chars: int = 20
