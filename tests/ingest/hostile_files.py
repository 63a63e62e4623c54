"""Builders of hostile inputs: decompression bombs and archives with forged member names.

A bomb member is built without compressing its gigabyte: deflate blocks ended by a full
flush do not refer back, so one compressed megabyte repeated n times inflates to n MB.
"""

from __future__ import annotations

import struct
import zlib
from functools import cache

MB = 1 << 20


@cache
def _bomb_block(byte: bytes) -> tuple[bytes, bytes]:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(byte * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block, compressor.flush()


@cache
def _bomb_crc(byte: bytes, megabytes: int) -> int:
    crc, chunk = 0, byte * MB
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return crc


def bomb_member(megabytes: int, byte: bytes = b" ") -> tuple[bytes, int, int]:
    """(raw deflate data, crc32, inflated size) of `megabytes` MB of one repeated byte."""
    block, tail = _bomb_block(byte)
    return block * megabytes + tail, _bomb_crc(byte, megabytes), megabytes * MB


def deflated(data: bytes) -> tuple[bytes, int, int]:
    compressor = zlib.compressobj(6, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)


def zip_of(members: list[tuple[str, tuple[bytes, int, int]]]) -> bytes:
    """A zip archive written by hand: members are (name, (raw deflate, crc, size)), names
    kept exactly as given (`../../x` included), sizes declared as they are."""
    out, central = bytearray(), bytearray()
    for name, (data, crc, size) in members:
        encoded = name.encode("utf-8")
        offset = len(out)
        out += struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0x800, 8, 0, 0x21, crc, len(data), size, len(encoded), 0
        )
        out += encoded + data
        central += struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0x800,
            8,
            0,
            0x21,
            crc,
            len(data),
            size,
            len(encoded),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += encoded
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central), len(out), 0
    )
    return bytes(out + central + end)


CONTENT_TYPES = b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'

# The part each office format inflates first: the bomb sits there.
BOMB_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/worksheets/sheet1.xml",
    "pptx": "ppt/slides/slide1.xml",
    "ods": "content.xml",
    "odt": "content.xml",
    "zip": "data/readings.csv",
}


def office_bomb(kind: str, megabytes: int = 1100) -> bytes:
    """A small file of format `kind` whose main part inflates to `megabytes` MB."""
    members = [("[Content_Types].xml", deflated(CONTENT_TYPES))]
    members.append((BOMB_PARTS[kind], bomb_member(megabytes)))
    return zip_of(members)
