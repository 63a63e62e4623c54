"""The committed sample landing folder is what `scripts/make_sample_data.py` writes, and it
holds what the platform's tests and `make run` rely on: every supported file type, the ML task
datasets the task specs point at, and the deliberately bad uploads in `_inbox/`."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
LANDING = SAMPLE / "landing"
TASKS = REPO / "tasks"
SCRIPT = REPO / "scripts" / "make_sample_data.py"
INBOX = "_inbox"

SUPPORTED = {"csv", "tsv", "xlsx", "json", "jsonl", "parquet", "pdf", "docx", "md", "txt", "html"}
# Formats whose bytes depend only on this repository's code, not on a library version.
BYTE_EXACT = {"csv", "tsv", "json", "jsonl", "md", "txt", "html", "bin"}
UNENCRYPTED_PDF = "climate/reports/rheintal_baustoffe_sustainability_report_2023.pdf"


def _files(root: Path) -> dict[str, Path]:
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("pypdf", reason="the script needs the dev extra (pypdf)")
    out = tmp_path_factory.mktemp("regen") / "landing"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)], check=True, capture_output=True
    )
    return out


def test_committed_tree_is_what_the_script_writes(regenerated: Path) -> None:
    committed, fresh = _files(LANDING), _files(regenerated)
    assert sorted(committed) == sorted(fresh), "run scripts/make_sample_data.py and commit"
    exact = [k for k in fresh if k.rsplit(".", 1)[-1] in BYTE_EXACT] + [UNENCRYPTED_PDF]
    assert len(exact) >= 12
    differing = [k for k in exact if committed[k].read_bytes() != fresh[k].read_bytes()]
    assert not differing, f"stale sample files (re-run the script): {differing}"


def test_script_is_deterministic(regenerated: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path / "again")],
        check=True,
        capture_output=True,
    )
    first, second = _files(regenerated), _files(tmp_path / "again")
    assert first.keys() == second.keys()
    # Same process environment, so even the zip- and pypdf-based files must match.
    assert [k for k in first if first[k].read_bytes() != second[k].read_bytes()] == []


def test_every_supported_type_is_present_and_the_tree_is_small() -> None:
    files = _files(LANDING)
    good = {k.rsplit(".", 1)[-1] for k in files if not k.startswith(INBOX + "/")}
    assert SUPPORTED <= good, f"missing good files for: {SUPPORTED - good}"
    assert sum(p.stat().st_size for p in files.values()) < 3 * 1024 * 1024
    # Sub-folders carry meaning: no good file sits directly in the landing root.
    assert all("/" in k for k in files)


def test_readme_lists_every_file() -> None:
    readme = (SAMPLE / "README.md").read_text(encoding="utf-8")
    missing = [k for k in _files(LANDING) if f"`{k}`" not in readme]
    assert not missing, f"sample_data/README.md does not describe {missing}"


# --- the ML task datasets, as the task specs describe them ------------------------------------


def _specs() -> list[dict]:
    specs = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(TASKS.glob("*.yaml"))]
    assert {s["kind"] for s in specs} >= {
        "text_classification",
        "token_classification",
        "language_model",
    }
    return specs


def _table(spec: dict) -> list[dict[str, str]]:
    # `source` is a path under NEXUS_HOME; sample_data/ mirrors NEXUS_HOME.
    path = SAMPLE / spec["source"]
    assert path.is_file(), f"{spec['name']}: source {spec['source']} not in sample_data/"
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.parametrize(
    "spec", [s for s in _specs() if s["kind"] == "text_classification"], ids=lambda s: s["name"]
)
def test_text_classification_datasets(spec: dict) -> None:
    rows = _table(spec)
    columns = [*spec["text_columns"], spec["label_column"], *spec.get("metadata_columns", [])]
    assert set(columns) <= set(rows[0]), f"{spec['name']}: columns {columns} not all present"
    assert len(rows) >= 200
    labels = Counter(r[spec["label_column"]] for r in rows)
    assert 3 <= len(labels) <= 6
    assert min(labels.values()) >= 20, labels
    texts = [r[spec["text_columns"][0]] for r in rows]
    assert all(t.strip() for t in texts) and len(set(texts)) == len(texts), "blank/duplicate text"
    assert 0 < spec["thresholds"]["min_macro_f1"] < 1


@pytest.mark.parametrize(
    "spec", [s for s in _specs() if s["kind"] == "token_classification"], ids=lambda s: s["name"]
)
def test_token_classification_datasets(spec: dict) -> None:
    rows = _table(spec)
    tok_col, tag_col = spec["tokens_column"], spec["tags_column"]
    assert {tok_col, tag_col} <= set(rows[0])
    assert len(rows) >= 200
    types: Counter[str] = Counter()
    for row in rows:
        tokens, tags = row[tok_col].split(" "), row[tag_col].split(" ")
        assert len(tokens) == len(tags), row
        assert all(tokens), f"empty token in {row[tok_col]!r}"
        for i, tag in enumerate(tags):
            assert tag == "O" or tag[:2] in ("B-", "I-"), tag
            if tag.startswith("I-"):  # an I- tag continues an entity of the same type
                assert i > 0 and tags[i - 1][2:] == tag[2:], row
            if tag.startswith("B-"):
                types[tag[2:]] += 1
    assert set(types) == {"ORG", "MATERIAL", "LOCATION", "REGULATION"}
    assert min(types.values()) >= 20, types


def test_language_model_spec_reads_the_knowledge_base() -> None:
    (spec,) = [s for s in _specs() if s["kind"] == "language_model"]
    assert spec["source"] == "knowledgebase"
    assert {"order", "window", "min_count"} <= set(spec["model"])
    assert spec["thresholds"]["max_perplexity"] > 1


# --- the deliberately bad uploads really are bad, in the documented way ----------------------


def test_encrypted_pdf_needs_a_password_and_owner_locked_pdf_opens() -> None:
    pdfium = pytest.importorskip("pypdfium2")
    with pytest.raises(pdfium.PdfiumError):
        pdfium.PdfDocument(LANDING / INBOX / "board_minutes_2023_q4_confidential.pdf")
    doc = pdfium.PdfDocument(LANDING / INBOX / "supplier_audit_summary_2023_owner_locked.pdf")
    text = doc[0].get_textpage().get_text_range()
    assert "procurement team audited 42 suppliers" in text
    assert (
        b"/Encrypt"
        in (LANDING / INBOX / "supplier_audit_summary_2023_owner_locked.pdf").read_bytes()
    )


def test_corrupt_empty_garbled_and_unsupported_uploads() -> None:
    inbox = LANDING / INBOX
    truncated = inbox / "material_prices_upload_truncated.xlsx"
    assert truncated.read_bytes()[:2] == b"PK" and not zipfile.is_zipfile(truncated)
    assert (inbox / "empty_supplier_list.csv").stat().st_size == 0
    garbled = (inbox / "scanned_invoice_ocr_garbled.txt").read_bytes()
    assert b"\x00" in garbled
    for encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "cp1252"):
        with pytest.raises(UnicodeDecodeError):
            garbled.decode(encoding)
    assert (inbox / "meter_logger_firmware.bin").read_bytes().startswith(b"\x7fELF")


def test_the_report_pdf_has_text_and_a_ruled_table() -> None:
    pdfium = pytest.importorskip("pypdfium2")
    pdfplumber = pytest.importorskip("pdfplumber")
    path = LANDING / UNENCRYPTED_PDF
    doc = pdfium.PdfDocument(path)
    assert len(doc) >= 4
    assert "Lörrach" in "".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    with pdfplumber.open(path) as pdf:
        tables = [t for page in pdf.pages for t in page.extract_tables()]
    assert len(tables) == 1
    assert tables[0][0] == ["Emissions (t CO2e)", "2021", "2022", "2023", "Change"]
    assert len(tables[0]) == 7


def test_legacy_encodings_decode_to_german_text() -> None:
    emissions = LANDING / "climate" / "emissions"
    werke = (emissions / "werke_emissionen_2022_2023.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        werke.decode("utf-8")
    header = werke.decode("cp1252").splitlines()[0]
    assert header.split(";")[4:6] == ["Energieträger", "CO2-Äquivalente (t)"]
    tsv = (emissions / "site_energy_2023_utf16.tsv").read_bytes()
    assert tsv[:2] == b"\xff\xfe"
    assert "Łódź warehouse\tPoland" in tsv.decode("utf-16")
