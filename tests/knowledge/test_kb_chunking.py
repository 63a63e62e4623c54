"""Chunking with the embedding model's tokenizer: budget, whole words, structure, overlap."""

from __future__ import annotations

import random
import unicodedata

import pytest

from nexus_platform.knowledge.chunking import Chunker, TextUnit, count_tokens, load_tokenizer
from nexus_platform.knowledge.config import ChunkingConfig
from nexus_platform.knowledge.normalize import normalize_document_text, normalize_text

VOCABULARY = (
    "the plant reduced greenhouse gas emissions by twelve percent while clinker substitution "
    "Überwachung Nachhaltigkeitsbericht Kreislaufwirtschaft naïve café décarbonisation "
    "antidisestablishmentarianism CO₂-Äquivalente 2023/24 e.g. https://example.org/report "
    "水资源 管理 Scope-3 supply-chain (EU) Taxonomy’s"
).split()


def _document(seed: int) -> str:
    rng = random.Random(seed)
    paragraphs = []
    for _ in range(rng.randint(1, 12)):
        words = []
        for _ in range(rng.randint(1, 160)):
            word = rng.choice(VOCABULARY)
            words.append(word + ("." if rng.random() < 0.08 else ""))
        paragraphs.append(" ".join(words))
    return normalize_document_text("\n\n".join(paragraphs))


@pytest.mark.parametrize("max_tokens,overlap", [(16, 4), (64, 12), (200, 32)])
def test_chunks_never_exceed_the_budget_and_never_split_a_word(max_tokens, overlap):
    chunker = Chunker(ChunkingConfig(max_tokens=max_tokens, overlap_tokens=overlap))
    for seed in range(25):
        text = _document(seed)
        chunks = chunker.chunk_text(text)
        source_words = set(text.split())
        covered = set()
        for chunk in chunks:
            assert count_tokens(chunk.text) <= max_tokens, chunk.text
            assert chunk.text in text  # a contiguous slice, nothing rewritten
            assert not chunk.split_word
            for word in chunk.text.split():
                assert word in source_words, (word, chunk.text)
            covered.update(chunk.text.split())
        assert covered == source_words  # nothing dropped
        assert [c.index for c in chunks] == list(range(len(chunks)))


def test_consecutive_chunks_overlap_by_whole_words():
    chunker = Chunker(ChunkingConfig(max_tokens=40, overlap_tokens=10))
    text = " ".join(f"word{i}" for i in range(300))
    chunks = chunker.chunk_text(text)
    assert len(chunks) > 5
    for previous, current in zip(chunks, chunks[1:], strict=False):
        tail, head = previous.text.split(), current.text.split()
        shared = [w for w in head if w in tail]
        assert shared and head[: len(shared)] == tail[-len(shared) :]
        assert count_tokens(" ".join(shared)) <= 10


def test_chunks_prefer_paragraph_ends():
    paragraph = "The kiln line was converted to alternative fuels this year."
    text = "\n\n".join([paragraph] * 12)
    chunks = Chunker(ChunkingConfig(max_tokens=60, overlap_tokens=0)).chunk_text(text)
    assert len(chunks) > 1
    assert all(c.text.endswith("this year.") for c in chunks)


def test_sections_are_never_merged_and_keep_their_heading_path():
    units = [
        TextUnit("Short intro.", headings=("Report",), section=0),
        TextUnit("Targets text. " * 40, headings=("Report", "Targets"), section=1),
        TextUnit("Page text.", page=3),
    ]
    chunks = Chunker(ChunkingConfig(max_tokens=30, overlap_tokens=5)).chunk_units(units)
    assert chunks[0].text == "Short intro." and chunks[0].headings == ["Report"]
    targets = [c for c in chunks if c.section == 1]
    assert len(targets) > 1 and all(c.headings == ["Report", "Targets"] for c in targets)
    assert chunks[-1].page == 3 and chunks[-1].text == "Page text."


def test_a_word_longer_than_the_budget_is_cut_and_flagged():
    # Under 100 characters: BERT's tokenizer turns longer words into a single [UNK].
    blob = "Zx9Qw" * 19
    assert count_tokens(blob) > 16
    chunks = Chunker(ChunkingConfig(max_tokens=16, overlap_tokens=4)).chunk_text(
        f"Before the image. {blob} After the image."
    )
    assert any(c.split_word for c in chunks)
    assert all(count_tokens(c.text) <= 16 for c in chunks)
    assert "".join(c.text for c in chunks if c.split_word) == blob


@pytest.mark.parametrize(
    "text",
    [
        "한국어 텍스트 처리",
        "水资源管理和气候目标",
        "Überprüfung der CO₂-Äquivalente",
        "İstanbul ǅ ﬁnal",
        "naïve café façade",
        "Ελληνικά κείμενα",
        "emoji 🌍🌱 text",
        "x" * 199,
    ],
)
def test_short_texts_skip_the_tokenizer_only_when_they_surely_fit(text):
    # The bound behind the shortcut: never more word pieces than NFD characters.
    assert count_tokens(text) <= len(unicodedata.normalize("NFD", text))
    # One token per character is NOT a bound (Korean syllables give several word pieces).
    budget = len(text)
    chunks = Chunker(ChunkingConfig(max_tokens=budget, overlap_tokens=0)).chunk_text(text)
    assert all(count_tokens(c.text) <= budget for c in chunks)
    assert " ".join(c.text for c in chunks).split() == text.split()


def test_the_tokenizer_counts_without_truncation():
    # The shipped tokenizer.json truncates at 128 tokens; counting must not.
    text = " ".join(["sustainability"] * 300)
    assert count_tokens(text) == len(load_tokenizer().encode(text, add_special_tokens=False).ids)
    assert count_tokens(text) >= 300


def test_normalisation_nfc_controls_and_whitespace():
    assert normalize_text("Cafe\u0301\x00 \t au\u00a0lait\u200b ") == "Café au lait"
    assert normalize_text(None) == ""
    assert normalize_document_text("line one\nwraps here\n \n\nnext\x0cpage") == (
        "line one wraps here\n\nnext\n\npage"
    )
    assert normalize_text("ein\u00adwandfrei") == "einwandfrei"  # soft hyphen
