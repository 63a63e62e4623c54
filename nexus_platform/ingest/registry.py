"""Which reader handles which file type.

Adding a file type is one entry here plus a module in `readers/` with a
`read(path, options) -> list[ExtractedTable]` function. Readers are imported on first use, so
the heavy parsers (pdfplumber, python-docx) never slow down loading the definitions.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata

from nexus_platform.ingest.model import ErrorClass, IngestError


@dataclass(frozen=True)
class ReaderSpec:
    name: str  # shown in the ledger, e.g. "pyarrow.csv"
    target: str  # "module:function"
    package: str  # distribution whose version is recorded with every conversion
    kwargs: tuple[tuple[str, object], ...] = ()
    # Archives and e-mails: the reader returns a `Container` whose members (files inside,
    # attachments) convert as files of their own, keyed `<this file>/<member path>`.
    container: bool = False

    def load(self) -> Callable:
        module, func = self.target.split(":")
        fn = getattr(importlib.import_module(module), func)
        return functools.partial(fn, **dict(self.kwargs)) if self.kwargs else fn

    @property
    def version(self) -> str:
        return _version(self.package)


@functools.cache
def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


_R = "nexus_platform.ingest.readers"

READERS: dict[str, ReaderSpec] = {
    "csv": ReaderSpec("pyarrow.csv", f"{_R}.csv:read", "pyarrow"),
    "tsv": ReaderSpec("pyarrow.csv", f"{_R}.csv:read", "pyarrow", (("default_delimiter", "\t"),)),
    # calamine (under fastexcel) reads the legacy and OpenDocument workbooks as well.
    "xlsx": ReaderSpec("fastexcel", f"{_R}.excel:read", "fastexcel"),
    "xlsm": ReaderSpec("fastexcel", f"{_R}.excel:read", "fastexcel"),
    "xlsb": ReaderSpec("fastexcel", f"{_R}.excel:read", "fastexcel"),
    "xls": ReaderSpec("fastexcel", f"{_R}.excel:read", "fastexcel"),
    "ods": ReaderSpec("fastexcel", f"{_R}.excel:read", "fastexcel"),
    "json": ReaderSpec("json", f"{_R}.jsonfile:read_json", "pyarrow"),
    "jsonl": ReaderSpec("pyarrow.json", f"{_R}.jsonfile:read_jsonl", "pyarrow"),
    "ndjson": ReaderSpec("pyarrow.json", f"{_R}.jsonfile:read_jsonl", "pyarrow"),
    "parquet": ReaderSpec("pyarrow.parquet", f"{_R}.parquet:read", "pyarrow"),
    "pdf": ReaderSpec("pypdfium2+pdfplumber", f"{_R}.pdf:read", "pypdfium2"),
    "docx": ReaderSpec("python-docx", f"{_R}.docx:read", "python-docx"),
    "pptx": ReaderSpec("python-pptx", f"{_R}.slides:read", "python-pptx"),
    "odt": ReaderSpec("odf-xml", f"{_R}.odt:read", "lxml"),
    "rtf": ReaderSpec("striprtf", f"{_R}.rtf:read", "striprtf"),
    "png": ReaderSpec("ocr", f"{_R}.image:read", "pillow"),
    "jpg": ReaderSpec("ocr", f"{_R}.image:read", "pillow"),
    "jpeg": ReaderSpec("ocr", f"{_R}.image:read", "pillow"),
    "tif": ReaderSpec("ocr", f"{_R}.image:read", "pillow"),
    "tiff": ReaderSpec("ocr", f"{_R}.image:read", "pillow"),
    "zip": ReaderSpec("zipfile", f"{_R}.archive:read", "nexus-platform", container=True),
    "eml": ReaderSpec("email", f"{_R}.email:read_eml", "nexus-platform", container=True),
    "msg": ReaderSpec("extract-msg", f"{_R}.email:read_msg", "extract-msg", container=True),
    "md": ReaderSpec("markdown", f"{_R}.markup:read_markdown", "nexus-platform"),
    "markdown": ReaderSpec("markdown", f"{_R}.markup:read_markdown", "nexus-platform"),
    "txt": ReaderSpec("text", f"{_R}.markup:read_txt", "nexus-platform"),
    "html": ReaderSpec("beautifulsoup4", f"{_R}.markup:read_html", "beautifulsoup4"),
    "htm": ReaderSpec("beautifulsoup4", f"{_R}.markup:read_html", "beautifulsoup4"),
}


def file_type(relpath: str) -> str:
    name = relpath.rsplit("/", 1)[-1]
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def reader_for(relpath: str) -> ReaderSpec:
    kind = file_type(relpath)
    spec = READERS.get(kind)
    if spec is None:
        supported = ", ".join(sorted(READERS))
        raise IngestError(
            ErrorClass.UNSUPPORTED,
            f"file type {kind or '(no extension)'!r} is not supported (supported: {supported})",
        )
    return spec
