"""Partition keys for landing paths made of any bytes.

A landing folder may hold names that are not valid UTF-8 (a Windows share, an old archive),
names with control characters, or with `...` (which Dagster's UI reads as a partition range).
The partition key must be valid, readable text that maps back to the exact bytes on disk, so
keys percent-encode only what cannot be shown as it is:

- a byte that is not part of valid UTF-8 becomes `%XX` (`b"caf\\xe9.csv"` -> `caf%E9.csv`);
- a control character becomes `%XX`;
- the third dot of `...` becomes `%2E`;
- a literal `%` becomes `%25`, but only where it is followed by two hex digits (the only
  place it could be mistaken for an escape), so `50% off.csv` stays as it is.

`fs_name(key)` is the exact inverse: `fs_name(key_for(name)) == name` for every name.
Python spells undecodable file-name bytes as lone surrogates (PEP 383), so `name` is the `str`
that `os.scandir` gives and `fs_name` returns one that `open` accepts.
"""

from __future__ import annotations

import re

_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
# What a name must not show as it is: a control character, `...`, or `%` before two hex
# digits. One regular expression: a scan calls this for every file (100,000 per tick).
_NEEDS_ESCAPE = re.compile(rb"[\x00-\x1f\x7f]|\.\.\.|%[0-9A-Fa-f]{2}")


def key_for(name: str) -> str:
    """The partition key of a landing path (posix separators, relative to the root)."""
    raw = name.encode("utf-8", "surrogateescape")
    if raw.isascii() and not _needs_escape(raw):
        return name  # the common case: nothing to do
    out: list[str] = []
    text = raw.decode("utf-8", "surrogateescape")
    for i, char in enumerate(text):
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte
            out.append(f"%{code - 0xDC00:02X}")
        elif code < 0x20 or code == 0x7F:
            out.append(f"%{code:02X}")
        elif char == "%" and _hex_follows(text, i):
            out.append("%25")
        elif char == "." and out[-2:] == [".", "."]:
            out.append("%2E")
        else:
            out.append(char)
    return "".join(out)


def fs_name(key: str) -> str:
    """The landing path a key names, as the `str` the file system calls it."""
    raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), key.encode("utf-8"))
    return raw.decode("utf-8", "surrogateescape")


def _needs_escape(raw: bytes) -> bool:
    return _NEEDS_ESCAPE.search(raw) is not None


def _hex_follows(text: str, i: int) -> bool:
    return len(text) >= i + 3 and all(c in "0123456789abcdefABCDEF" for c in text[i + 1 : i + 3])
