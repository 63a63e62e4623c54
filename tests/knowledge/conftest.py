"""A small, realistic converted corpus for the knowledge base tests."""

from __future__ import annotations

import pyarrow as pa
import pytest
from kb_corpus import Corpus, pages_table, sections_table, sentiment_table


@pytest.fixture
def corpus(paths) -> Corpus:
    """Tables, a Markdown policy, a PDF report, a numbers-only table and a scanned PDF."""
    c = Corpus(paths)
    c.put("nlp/sentiment/esg_sentiment.csv", {"data": sentiment_table()})
    c.put(
        "climate/reports/climate_transition_policy.md",
        {"sections": sections_table()},
        {"sections": "document"},
    )
    c.put(
        "climate/reports/2023/q4/final/sustainability_report.pdf",
        {"pages": pages_table(), "page_2_table_1": pa.table({"kpi": ["energy"], "value": [9.0]})},
        {"pages": "document"},
    )
    c.put(
        "climate/emissions/scope_emissions.csv",
        {"data": pa.table({"year": [2022, 2023], "scope": ["1", "2"], "t_co2e": [1.5, 2.5]})},
    )
    c.put(
        "_inbox/scanned_invoice.pdf",
        {"pages": pages_table([(1, ""), (2, "  ")])},
        {"pages": "document"},
    )
    return c
