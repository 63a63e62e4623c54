"""Markdown tables for asset metadata (the UI renders them)."""

from __future__ import annotations


def markdown_table(header: list[str], rows: list[list[object]]) -> str:
    """A table whose cells never break the markdown: pipes escaped, line breaks flattened."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        cells = [str(c).replace("|", "\\|").replace("\n", " ") for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
