"""Column names that every SQL engine and dataframe library accepts as they are."""

from __future__ import annotations

import re
import unicodedata

# Split camelCase words ("reportingYear", "GWPTotal") but keep units such as "tCO2e" whole.
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")

# German umlauts carry meaning in this domain's headers; transliterate them instead of dropping.
_TRANSLIT = str.maketrans(
    {"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue", "ß": "ss"}
)


def snake_case(name: object) -> str:
    text = "" if name is None else str(name)
    text = text.translate(_TRANSLIT)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    text = _CAMEL.sub("_", text.strip())
    text = _NON_WORD.sub("_", text).strip("_").lower()
    text = re.sub(r"_+", "_", text)
    if text and text[0].isdigit():
        text = f"c_{text}"
    return text


def normalise_column_names(names: list[object]) -> list[str]:
    """snake_case, non-empty and unique (`name`, `name_2`, ...), in the original order."""
    result: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(names, start=1):
        base = snake_case(raw) or f"column_{index}"
        candidate, suffix = base, 2
        while candidate in seen:
            candidate, suffix = f"{base}_{suffix}", suffix + 1
        seen.add(candidate)
        result.append(candidate)
    return result
