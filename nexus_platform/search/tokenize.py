"""The words the lexical index counts: lower-cased, stemmed English words, and codes kept whole.

Exact codes are what the lexical side exists for ("ESRS E1", "CEM III/A", "EPD-DE-2023-001",
"(EU) 2020/852"), so a token joined by `-`, `/` or `.` is indexed both as its parts and as the
whole code; parts and codes are never stemmed or dropped as stop words. Changing anything here
changes TOKENIZER_ID, and every record is tokenised again on the next build.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TOKENIZER_ID = "nexus-bm25-v1:en-snowball"

# A word, or a code: word characters joined by - / . (e.g. c25/30, epd-de-2023-001, 42.5).
_TOKEN = re.compile(r"\w+(?:[-/.]\w+)*")
_JOINERS = re.compile(r"[-/.]")


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: Snowball stemmers in C

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def _words(text: str) -> list[tuple[str, bool]]:
    """(word, is_part): plain words, and whole codes followed by their parts."""
    out: list[tuple[str, bool]] = []
    for match in _TOKEN.finditer(unicodedata.normalize("NFKC", text).casefold()):
        token = match.group()
        if _JOINERS.search(token):
            out.append((token, True))
            out.extend((part, True) for part in _JOINERS.split(token) if part)
        else:
            out.append((token, False))
    return out


def tokenize(text: str) -> list[str]:
    """The index terms of `text`, in order, repeats kept (BM25 counts them).

    Alphabetic words are stemmed; plain words that are stop words are dropped. Codes, code
    parts and words with digits are kept as written ("a" in "CEM III/A" counts)."""
    stop = _stopwords()
    words = _words(text)
    stemmable = [w for w, _ in words if w.isalpha()]
    stems = dict(zip(stemmable, _stemmer().stemWords(stemmable), strict=True))
    out: list[str] = []
    for word, is_part in words:
        if not word.isalpha():
            out.append(word)
        elif is_part or word not in stop:
            out.append(stems[word])
    return out


def tokenize_many(texts: list[str]) -> list[list[str]]:
    return [tokenize(t) for t in texts]
