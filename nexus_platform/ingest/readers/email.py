"""E-mails (.eml, Outlook .msg): headers as columns, the body as text, attachments as files
of their own (keyed `mail.eml/<attachment name>`, see `nexus_platform.ingest.members`).

Table "message" (one row): `sender`, `recipients`, `cc`, `sent`, `subject`, `message_id`
(the From, To, Cc, Date, Subject and Message-ID headers: named so that no SQL engine needs
them quoted), `attachments` (their names) and `text` (the plain-text body, or the HTML
body's text).
"""

from __future__ import annotations

import io
import mimetypes
from pathlib import Path
from typing import Any

import pyarrow as pa

from nexus_platform.ingest.members import Container, Member
from nexus_platform.ingest.model import ErrorClass, ExtractedTable, IngestError
from nexus_platform.ingest.readers import ReadOptions

MESSAGE_SCHEMA = pa.schema(
    [
        ("sender", pa.string()),
        ("recipients", pa.string()),
        ("cc", pa.string()),
        ("sent", pa.string()),
        ("subject", pa.string()),
        ("message_id", pa.string()),
        ("attachments", pa.list_(pa.string())),
        ("text", pa.string()),
    ]
)

_HEADERS = {
    "sender": "from",
    "recipients": "to",
    "cc": "cc",
    "sent": "date",
    "subject": "subject",
    "message_id": "message-id",
}


def read_eml(path: Path, options: ReadOptions) -> Container:
    from email import policy
    from email.parser import BytesParser

    data = Path(path).read_bytes()
    if not data.strip():
        raise IngestError(ErrorClass.EMPTY, "file has no content")
    message = BytesParser(policy=policy.default).parsebytes(data)
    if not any(message.keys()):
        raise IngestError(ErrorClass.CORRUPT, "no e-mail headers found")
    body = _body_text(message)
    attachments = []
    for index, part in enumerate(message.iter_attachments(), start=1):
        payload = _payload(part)
        name = part.get_filename() or _unnamed(index, part.get_content_type())
        attachments.append(_member(name, payload))
    headers = {column: _header(message, key) for column, key in _HEADERS.items()}
    return _container(headers, body, attachments, options)


def read_msg(path: Path, options: ReadOptions) -> Container:
    import extract_msg

    try:
        # A Message in practice; openMsg is typed as returning its base class.
        message: Any = extract_msg.openMsg(str(path), delayAttachments=False)
    except Exception as exc:  # olefile / extract_msg errors on anything that is not a .msg
        raise IngestError(ErrorClass.CORRUPT, f"not a readable Outlook message: {exc}") from exc
    try:
        body = message.body or ""
        if not body.strip() and getattr(message, "htmlBody", None):
            body = _html_text(message.htmlBody)
        attachments = []
        attachment: Any
        for index, attachment in enumerate(message.attachments, start=1):
            data = attachment.data
            if not isinstance(data, bytes):  # an embedded message: its bytes as a .msg
                continue
            name = attachment.longFilename or attachment.shortFilename
            attachments.append(_member(name or f"attachment-{index}.bin", data))
        headers = {
            "sender": message.sender,
            "recipients": message.to,
            "cc": message.cc,
            "sent": str(message.date) if message.date else None,
            "subject": message.subject,
            "message_id": message.messageId,
        }
    finally:
        message.close()
    return _container(headers, body, attachments, options)


def _container(headers: dict, body: str, attachments: list[Member], options) -> Container:
    if len(attachments) > options.archive.max_members:
        raise IngestError(
            ErrorClass.TOO_LARGE,
            f"{len(attachments)} attachments, over the limit of {options.archive.max_members}",
        )
    row = {**headers, "attachments": [a.name for a in attachments], "text": body.strip()}
    table = pa.Table.from_pylist([row], schema=MESSAGE_SCHEMA)
    return Container(
        tables=[ExtractedTable(name="message", kind="table", table=table)], members=attachments
    )


def _member(name: str, data: bytes) -> Member:
    # Attachments carry only a file name; a path in it is kept as the e-mail sent it and
    # checked like any member name.
    return Member(name, len(data), lambda: io.BytesIO(data))


def _unnamed(index: int, content_type: str) -> str:
    extension = mimetypes.guess_extension(content_type) or ".bin"
    return f"attachment-{index}{extension}"


def _payload(part) -> bytes:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) else inner
        return inner.as_bytes()
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _header(message, key: str) -> str | None:
    try:
        value = message.get(key)
    except (ValueError, IndexError, TypeError):  # a malformed header the policy cannot parse
        value = message.get_all(key, failobj=[None])[0]
    return None if value is None else str(value)


def _body_text(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # an unknown charset: decode what is there
        content = (part.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        return _html_text(content)
    return content


def _html_text(html: str | bytes) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "lxml")
    for tag in soup(["script", "style", "head"]):
        tag.decompose()
    return soup.get_text("\n", strip=True)
