"""Rich Text Format (rtf) with striprtf: paragraphs as level-0 sections, like plain text
(RTF marks headings only by formatting, which striprtf does not keep)."""

from __future__ import annotations

import re
from pathlib import Path

from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import paragraph_sections

_CODEPAGE = re.compile(rb"\\ansicpg(\d{3,5})")


def read(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    from striprtf.striprtf import rtf_to_text

    data = Path(path).read_bytes()
    if not data.lstrip().startswith(b"{\\rtf"):
        raise IngestError(ErrorClass.CORRUPT, "not an RTF document (no {\\rtf header)")
    # RTF is 7-bit text; bytes beyond ASCII are escapes in the declared code page.
    match = _CODEPAGE.search(data[:4096])
    encoding = f"cp{int(match.group(1))}" if match else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    text = rtf_to_text(data.decode("latin-1"), encoding=encoding, errors="replace")
    # striprtf ends each RTF paragraph (\par) with one newline.
    paragraphs = [p.strip() for p in text.replace("\r", "").split("\n") if p.strip()]
    if not paragraphs:
        raise IngestError(ErrorClass.EMPTY, "document has no text")
    return [paragraph_sections(paragraphs, [f"code page: {encoding}"])]
