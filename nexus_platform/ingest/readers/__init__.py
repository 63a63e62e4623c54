"""Readers: one module per family of formats, each a function `read(path, options)`.

A reader returns (or yields) `ExtractedTable`s and raises `IngestError` with a class for
input it cannot read. Any other exception escaping a reader is classed as `corrupt` by the
converter, with the parser's message.

Document readers share one schema so that chunking downstream treats them alike:
- PDF, table "pages": `page` (int64, 1-based), `text` (string).
- docx / md / html / txt, table "sections": `section` (int64, 0-based), `level` (int64,
  0 = text before any heading), `heading` (string, null before the first heading),
  `headings` (list<string>, the heading path from the top), `text` (string).
Tables found inside documents (PDF page tables, docx/html tables) are their own
`kind="table"` tables.
"""

from __future__ import annotations

from dataclasses import dataclass


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
