"""Markdown, plain text and HTML as the shared "sections" table.

- md: ATX (`#`..`######`) and setext (`===` / `---` underline) headings start sections; lines
  inside fenced code blocks are never headings; a leading YAML front-matter block is text.
  Section text is the raw Markdown source (chunking and embedding read it well as is).
- txt: no headings exist, so each blank-line-separated paragraph is its own level-0 section
  (heading null): predictable, and the chunker merges small neighbours anyway.
- html: h1-h6 start sections; script/style/template/noscript are dropped; block elements
  (p, div, li, ...) separate paragraphs; every <table> becomes its own table (table_1, ...)
  and is left out of the running text.
The encoding used is recorded in the notes as "encoding: <name>".
"""

from __future__ import annotations

import re
from pathlib import Path

from nexus_platform.ingest.encoding import decode_text
from nexus_platform.ingest.limits import nesting_guard
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions
from nexus_platform.ingest.readers.text_common import (
    SectionBuilder,
    cells_to_table,
    paragraph_sections,
)

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)(.*)$")
_ATX_CLOSE = re.compile(r"(?:^|[ \t]+)#+[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _load(path: Path, declared: str | None = None) -> tuple[str, list[str]]:
    data = Path(path).read_bytes()
    if not data.strip():
        raise IngestError(ErrorClass.EMPTY, "file has no content")
    decoded = decode_text(data, declared)
    text = decoded.text
    if not text.strip():
        raise IngestError(ErrorClass.EMPTY, "file holds only whitespace")
    return text.replace("\r\n", "\n").replace("\r", "\n"), decoded.notes


def read_txt(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    text, notes = _load(path)
    paragraphs = [p.strip("\n").rstrip() for p in _BLANK_LINES.split(text)]
    return [paragraph_sections([p for p in paragraphs if p.strip()], notes)]


def read_markdown(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    text, notes = _load(path)
    lines = text.split("\n")
    sections = SectionBuilder()
    start = _front_matter_end(lines)
    if start:
        sections.paragraph("\n".join(lines[:start]))
    paragraph: list[str] = []
    fence: str | None = None

    def flush() -> None:
        sections.paragraph("\n".join(paragraph))
        paragraph.clear()

    for line in lines[start:]:
        if fence is not None:
            paragraph.append(line)
            closing = line.strip()
            if closing.startswith(fence) and not closing.strip(fence[0]):
                fence = None
                flush()  # a code block is a paragraph of its own, blank lines and all
            continue
        fence_match = _FENCE.match(line)
        if fence_match:
            flush()
            fence = fence_match.group(1)
            paragraph.append(line)
            continue
        atx = _ATX.match(line)
        if atx:
            flush()
            sections.heading(len(atx.group(1)), _ATX_CLOSE.sub("", atx.group(2)).strip())
            continue
        setext = _SETEXT.match(line)
        if setext and paragraph:
            heading = " ".join(p.strip() for p in paragraph)
            paragraph.clear()
            sections.heading(1 if setext.group(1)[0] == "=" else 2, heading)
            continue
        if not line.strip():
            flush()
        else:
            paragraph.append(line)
    flush()
    table = sections.table(notes)
    if table is None:
        raise IngestError(ErrorClass.EMPTY, "no text")
    return [table]


def _front_matter_end(lines: list[str]) -> int:
    if not lines or lines[0].strip() != "---":
        return 0
    for i, line in enumerate(lines[1:], start=1):
        if line.strip() in ("---", "..."):
            return i + 1
    return 0


_DROP = {"script", "style", "template", "noscript", "head", "svg", "iframe", "object"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_BLOCKS = {
    "p", "div", "section", "article", "main", "header", "footer", "nav", "aside", "li", "ul",
    "ol", "dl", "dt", "dd", "blockquote", "figure", "figcaption", "form", "fieldset",
    "address", "hr", "details", "summary", "caption", "body",
}  # fmt: skip


@nesting_guard("HTML page")
def read_html(path: Path, options: ReadOptions) -> list[ExtractedTable]:
    from bs4 import BeautifulSoup

    with open(path, "rb") as fh:
        declared = _META_CHARSET.search(fh.read(4096))
    text, notes = _load(path, declared.group(1).decode("ascii") if declared else None)
    # lxml comes with python-docx and parses ~5x faster than the stdlib html.parser.
    soup = BeautifulSoup(text, "lxml")
    walker = _HtmlWalker()
    walker.walk(soup.body or soup)
    body = walker.sections.table(notes)
    if body is None and not walker.tables:
        raise IngestError(ErrorClass.EMPTY, "page has no text and no table")
    return ([body] if body is not None else []) + walker.tables


class _HtmlWalker:
    def __init__(self) -> None:
        self.sections = SectionBuilder()
        self.tables: list[ExtractedTable] = []
        self._count = 0
        self._buffer: list[str] = []

    def flush(self) -> None:
        lines = ("".join(self._buffer)).split("\n")
        self._buffer = []
        text = "\n".join(" ".join(line.split()) for line in lines)
        self.sections.paragraph(text.strip())

    def walk(self, node) -> None:
        from bs4 import NavigableString, Tag

        for child in node.children:
            if type(child) is NavigableString:  # Comment, Doctype, CData are subclasses
                self._buffer.append(str(child))
            elif not isinstance(child, Tag) or child.name in _DROP:
                continue
            elif child.name in _HEADINGS:
                self.flush()
                self.sections.heading(_HEADINGS[child.name], child.get_text(" ", strip=True))
            elif child.name == "table":
                self._table(child)
            elif child.name == "br":
                self._buffer.append("\n")
            elif child.name == "pre":
                self.flush()
                self.sections.paragraph(child.get_text())
            elif child.name in _BLOCKS:
                self.flush()
                self.walk(child)
                self.flush()
            else:
                self.walk(child)

    def _table(self, table) -> None:
        self._count += 1
        rows = [
            [cell.get_text(" ", strip=True) for cell in tr.find_all(["td", "th"], recursive=False)]
            for tr in table.find_all("tr")
            if tr.find_parent("table") is table
        ]
        found = cells_to_table(f"table_{self._count}", rows)
        if found is not None:
            self.tables.append(found)
