"""Text clean-up applied to every record's text (the stored tables are never modified).

NFC so that "é" typed two ways hashes the same; control and invisible formatting characters
removed because they only add noise to ids and embeddings; whitespace collapsed so that the
same sentence laid out differently is the same record.
"""

from __future__ import annotations

import re
import unicodedata

# Invisible characters that survive PDF/HTML extraction and break exact matching. Other
# format characters (ZWJ/ZWNJ) carry meaning in some scripts and emoji and are kept.
_INVISIBLE = {"\u00ad", "\u200b", "\u2060", "\ufeff"}
_KEEP_WHITESPACE = {"\n", "\t", "\r", "\x0b", "\x0c"}
_PARAGRAPH_BREAK = re.compile(r"\n[^\S\n]*\n\s*")
_ANY_WHITESPACE = re.compile(r"\s+")


def _strip_controls(text: str) -> str:
    if text.isprintable() or text.replace("\n", " ").replace("\t", " ").isprintable():
        return text  # the common case: nothing to remove
    out = []
    for ch in text:
        if ch in _KEEP_WHITESPACE:
            out.append(ch)
        elif ch in _INVISIBLE:
            continue
        else:
            category = unicodedata.category(ch)
            # Cc: control characters; Cs: lone surrogates from broken decoding.
            if category in ("Cc", "Cs"):
                out.append(" ")
            elif category != "Cf" or ch in ("\u200c", "\u200d"):
                out.append(ch)
    return "".join(out)


def normalize_text(value: object) -> str:
    """One line of clean text: NFC, no control characters, single spaces, stripped."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    return _ANY_WHITESPACE.sub(" ", _strip_controls(text)).strip()


def normalize_document_text(value: object) -> str:
    """Like `normalize_text` but keeps paragraph breaks (a blank line) as "\\n\\n".

    Single line breaks inside a paragraph are layout (PDF line wraps, soft-wrapped Markdown)
    and become spaces; paragraph breaks are structure the chunker cuts at.
    """
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = _strip_controls(text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.replace("\x0c", "\n\n")  # form feed: a page break in extracted text
    paragraphs = (normalize_text(p) for p in _PARAGRAPH_BREAK.split(text))
    return "\n\n".join(p for p in paragraphs if p)
