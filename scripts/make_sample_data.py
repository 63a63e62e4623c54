"""Write the committed sample landing folder (`sample_data/landing/`) from a fixed seed.

    .venv/bin/python scripts/make_sample_data.py            # rewrite sample_data/landing
    .venv/bin/python scripts/make_sample_data.py --out DIR  # write the same tree elsewhere

Every company, site and figure here is fictional; the regulations are real. Re-running the
script reproduces every file byte for byte: text formats are written with fixed line endings,
zip containers (xlsx, docx) get fixed timestamps, PDFs are written by hand (no library stamps a
creation time) and the encrypted ones use a fixed file identifier with RC4, whose output depends
only on the key. `tests/test_sample_data.py` regenerates the tree and compares it.

The folder mirrors what a team drops into the master knowledge folder: topic/sub-topic
folders, one good file of each supported type, the ML task datasets under `nlp/`, and in
`_inbox/` a handful of deliberately bad uploads the platform must quarantine (see
`sample_data/README.md`).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import io
import json
import random
import re
import shutil
import sys
import textwrap
import uuid as _uuid
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO_ROOT / "sample_data" / "landing"
SEED = 20240531
# Stamped into xlsx/docx metadata instead of "now", so the bytes do not change per run.
FIXED_TIME = dt.datetime(2024, 5, 31, 9, 0, 0)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import sample_data_corpus as corpus  # noqa: E402  (hand-written text, beside this script)
import sample_data_nlp as nlp_data  # noqa: E402

# --------------------------------------------------------------------------------------------
# small writers


def write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    write_bytes(path, buf.getvalue().encode(encoding))


def normalise_zip(data: bytes) -> bytes:
    """Rewrite an OOXML zip with fixed member timestamps and fixed core-property dates."""
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            blob = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = blob.decode("utf-8")
                for tag in ("dcterms:created", "dcterms:modified"):
                    text = re.sub(rf"(<{tag}[^>]*>)[^<]*(</{tag}>)", rf"\g<1>{stamp}\g<2>", text)
                blob = text.encode("utf-8")
            member = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, blob)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# a minimal PDF writer: Helvetica text, ruled tables, a correct xref. No timestamps.


class PdfBuilder:
    """Pages of WinAnsi text in the standard Helvetica fonts, plus lines for tables."""

    WIDTH, HEIGHT, MARGIN = 595, 842, 56

    def __init__(self, title: str, author: str):
        self.title, self.author = title, author
        self.pages: list[list[str]] = []

    @staticmethod
    def _literal(text: str) -> str:
        raw = text.encode("cp1252").decode("latin-1")
        return "(" + raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    def _text(self, ops: list[str], x: float, y: float, text: str, font: str, size: float):
        ops.append(f"BT /{font} {size} Tf {x:.1f} {y:.1f} Td {self._literal(text)} Tj ET")

    def prose_page(
        self,
        heading: str,
        paragraphs: list[str],
        *,
        subheading: str | None = None,
        footer: str = "",
    ) -> None:
        ops: list[str] = []
        y = self.HEIGHT - self.MARGIN - 10
        self._text(ops, self.MARGIN, y, heading, "F2", 16)
        y -= 24
        if subheading:
            self._text(ops, self.MARGIN, y, subheading, "F3", 10)
            y -= 22
        for para in paragraphs:
            if para.startswith("## "):
                y -= 4
                self._text(ops, self.MARGIN, y, para[3:], "F2", 12)
                y -= 18
                continue
            for line in textwrap.wrap(para, width=92):
                self._text(ops, self.MARGIN, y, line, "F1", 10)
                y -= 13.5
            y -= 7
            if y < self.MARGIN + 30:
                raise ValueError(f"page {heading!r} overflows; shorten it")
        self._footer(ops, footer)
        self.pages.append(ops)

    def table_page(
        self,
        heading: str,
        intro: str,
        header: list[str],
        rows: list[list[str]],
        col_widths: list[int],
        note: str,
        footer: str = "",
    ) -> None:
        ops: list[str] = []
        y = self.HEIGHT - self.MARGIN - 10
        self._text(ops, self.MARGIN, y, heading, "F2", 16)
        y -= 26
        for line in textwrap.wrap(intro, width=92):
            self._text(ops, self.MARGIN, y, line, "F1", 10)
            y -= 13.5
        y -= 14
        row_h = 20
        top = y
        xs = [self.MARGIN]
        for w in col_widths:
            xs.append(xs[-1] + w)
        all_rows = [header, *rows]
        bottom = top - row_h * len(all_rows)
        ops.append("0.6 w 0 0 0 RG")
        for i in range(len(all_rows) + 1):  # horizontal rules
            yy = top - i * row_h
            ops.append(f"{xs[0]} {yy} m {xs[-1]} {yy} l S")
        for x in xs:  # vertical rules
            ops.append(f"{x} {top} m {x} {bottom} l S")
        for r, row in enumerate(all_rows):
            base = top - (r + 1) * row_h + 6.5
            for c, cell in enumerate(row):
                self._text(ops, xs[c] + 5, base, cell, "F2" if r == 0 else "F1", 9.5)
        y = bottom - 22
        for line in textwrap.wrap(note, width=100):
            self._text(ops, self.MARGIN, y, line, "F3", 8.5)
            y -= 11.5
        self._footer(ops, footer)
        self.pages.append(ops)

    def _footer(self, ops: list[str], footer: str) -> None:
        number = len(self.pages) + 1
        text = f"{footer}   |   page {number}" if footer else f"page {number}"
        self._text(ops, self.MARGIN, 30, text, "F3", 8)

    def to_bytes(self) -> bytes:
        objects: list[bytes] = []
        n_pages = len(self.pages)
        page_ids = [6 + 2 * i for i in range(n_pages)]
        kids = " ".join(f"{p} 0 R" for p in page_ids)
        objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
        objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
        for font in ("Helvetica", "Helvetica-Bold", "Helvetica-Oblique"):
            objects.append(
                f"<< /Type /Font /Subtype /Type1 /BaseFont /{font} "
                f"/Encoding /WinAnsiEncoding >>".encode()
            )
        resources = "<< /Font << /F1 3 0 R /F2 4 0 R /F3 5 0 R >> >>"
        for i, ops in enumerate(self.pages):
            stream = ("\n".join(ops) + "\n").encode("latin-1")
            objects.append(
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {self.WIDTH} "
                f"{self.HEIGHT}] /Resources {resources} "
                f"/Contents {page_ids[i] + 1} 0 R >>".encode()
            )
            objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"endstream")
        info_id = len(objects) + 1
        objects.append(
            f"<< /Title {self._literal(self.title)} /Author {self._literal(self.author)}"
            f" /Producer (nexus make_sample_data.py) "
            f"/CreationDate (D:20240531090000Z) >>".encode("latin-1")
        )
        out = io.BytesIO()
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for num, body in enumerate(objects, start=1):
            offsets.append(out.tell())
            out.write(f"{num} 0 obj\n".encode() + body + b"\nendobj\n")
        xref_at = out.tell()
        out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
        for off in offsets:
            out.write(f"{off:010d} 00000 n \n".encode())
        # A fixed /ID (a hash of the content) keeps the encrypted variants reproducible.
        file_id = hashlib.md5(out.getvalue()).hexdigest()
        out.write(
            f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {info_id} 0 R "
            f"/ID [<{file_id}> <{file_id}>] >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
        )
        return out.getvalue()


def encrypt_pdf(data: bytes, user_password: str, owner_password: str) -> bytes:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    original_id = writer._ID  # noqa: SLF001  (pypdf draws a random second id; keep ours)
    writer.encrypt(user_password=user_password, owner_password=owner_password, algorithm="RC4-128")
    if original_id:
        writer._ID = ArrayObject((original_id[0], original_id[0]))  # noqa: SLF001
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------------
# climate/


def climate_emissions(out: Path) -> None:
    rng = rng_for("climate/emissions")
    folder = out / "climate" / "emissions"
    rows = []
    for company, sector, country, base in corpus.COMPANY_PROFILES:
        s1, s2, s3, revenue, staff = base
        trend = rng.uniform(-0.09, 0.01)
        for year in range(2019, 2025):
            k = (1 + trend) ** (year - 2019)
            noise = lambda: rng.uniform(0.96, 1.04)  # noqa: E731
            scope1 = round(s1 * k * noise(), 1)
            scope2_loc = round(s2 * k * noise(), 1)
            green = min(0.95, 0.1 + 0.12 * (year - 2019) * rng.uniform(0.5, 1.4))
            scope2_mkt = round(scope2_loc * (1 - green), 1)
            # Scope 3 was not reported before 2021 by most companies: a realistic null.
            scope3 = "" if year < 2021 and rng.random() < 0.6 else round(s3 * k * noise(), 1)
            rev = round(revenue * (1.03 ** (year - 2019)) * noise(), 1)
            rows.append(
                [
                    company,
                    sector,
                    country,
                    year,
                    scope1,
                    scope2_loc,
                    scope2_mkt,
                    scope3,
                    rev,
                    int(staff * noise()),
                    str(year >= 2022 or rng.random() < 0.3).lower(),
                    f"{year + 1}-03-{rng.randint(10, 31):02d}",
                ]
            )
    write_csv(
        folder / "scope_emissions_2019_2024.csv",
        [
            "company",
            "sector",
            "country",
            "year",
            "scope1_tco2e",
            "scope2_location_tco2e",
            "scope2_market_tco2e",
            "scope3_tco2e",
            "revenue_meur",
            "employees",
            "limited_assurance",
            "published_on",
        ],
        rows,
    )

    # A German plant-level export as Excel on Windows writes it: cp1252, semicolons.
    werk_rows = []
    for werk, land, stadt, traeger in corpus.GERMAN_PLANTS:
        for jahr in (2022, 2023):
            co2 = rng.randint(800, 48000)
            strom = rng.randint(2000, 90000)
            bemerkung = rng.choice(corpus.GERMAN_REMARKS)
            werk_rows.append([werk, land, stadt, jahr, traeger, co2, strom, bemerkung])
    write_csv(
        folder / "werke_emissionen_2022_2023.csv",
        [
            "Werk",
            "Bundesland",
            "Stadt",
            "Jahr",
            "Energieträger",
            "CO2-Äquivalente (t)",
            "Stromverbrauch (MWh)",
            "Bemerkung",
        ],
        werk_rows,
        delimiter=";",
        encoding="cp1252",
    )

    # Excel's "Unicode text" export: UTF-16 with BOM, tab-separated.
    tsv_rows = []
    for site, country in corpus.ENERGY_SITES:
        for month in range(1, 13):
            elec = round(rng.uniform(300, 4200), 2)
            gas = round(rng.uniform(0, 3000) * (1.6 if month in (1, 2, 11, 12) else 0.8), 2)
            share = round(rng.uniform(0.2, 1.0), 3)
            tsv_rows.append([site, country, f"2023-{month:02d}-01", elec, gas, share])
    buf = io.StringIO()
    csv.writer(buf, delimiter="\t", lineterminator="\r\n").writerows(
        [
            ["site", "country", "month", "electricity_mwh", "natural_gas_mwh", "renewable_share"],
            *tsv_rows,
        ]
    )
    write_bytes(folder / "site_energy_2023_utf16.tsv", buf.getvalue().encode("utf-16"))


def climate_targets(out: Path) -> None:
    rng = rng_for("climate/targets")
    records = []
    for i, (company, sector, country, _base) in enumerate(corpus.COMPANY_PROFILES):
        base_year = rng.choice([2018, 2019, 2020])
        targets = [
            {
                "scope": "1+2",
                "base_year": base_year,
                "target_year": 2030,
                "reduction_pct": rng.choice([42, 46.2, 50, 55, 63]),
            },
            {
                "scope": "3",
                "base_year": base_year,
                "target_year": 2030,
                "reduction_pct": rng.choice([25, 28, 30, 32.5]),
            },
        ]
        if rng.random() < 0.5:
            targets.append(
                {"scope": "1+2+3", "base_year": base_year, "target_year": 2050, "reduction_pct": 90}
            )
        records.append(
            {
                "id": f"TGT-{i + 1:03d}",
                "company": {
                    "name": company,
                    "sector": sector,
                    "headquarters": {
                        "country": country,
                        "city": corpus.HQ_CITIES[i % len(corpus.HQ_CITIES)],
                    },
                },
                "framework": rng.choice(["SBTi", "SBTi", "SBTi", "internal"]),
                "status": rng.choice(["validated", "validated", "committed", "removed"]),
                "net_zero_year": rng.choice([2040, 2045, 2050, None]),
                "targets": targets,
                "last_review": {
                    "date": f"2024-0{rng.randint(1, 5)}-{rng.randint(10, 28)}",
                    "reviewer": rng.choice(
                        ["internal audit", "external assurance", "sustainability committee"]
                    ),
                },
            }
        )
    path = out / "climate" / "targets" / "company_climate_targets.json"
    write_bytes(path, (json.dumps(records, indent=2, ensure_ascii=False) + "\n").encode())


def climate_reports(out: Path) -> None:
    folder = out / "climate" / "reports"
    write_bytes(folder / "climate_transition_policy.md", corpus.TRANSITION_POLICY_MD.encode())
    write_bytes(
        folder / "rheintal_baustoffe_sustainability_report_2023.pdf", sustainability_report_pdf()
    )


def sustainability_report_pdf() -> bytes:
    pdf = PdfBuilder("Rheintal Baustoffe AG - Sustainability Report 2023", "Rheintal Baustoffe AG")
    footer = "Rheintal Baustoffe AG - Sustainability Report 2023"
    pages = corpus.REPORT_PAGES
    pdf.prose_page(
        pages[0][0],
        pages[0][1],
        subheading="Fiscal year 1 January - 31 December 2023",
        footer=footer,
    )
    pdf.prose_page(pages[1][0], pages[1][1], footer=footer)
    pdf.table_page(
        "Greenhouse gas emissions 2021-2023",
        corpus.REPORT_TABLE_INTRO,
        corpus.REPORT_TABLE_HEADER,
        corpus.REPORT_TABLE_ROWS,
        [170, 80, 80, 80, 75],
        corpus.REPORT_TABLE_NOTE,
        footer=footer,
    )
    for heading, paragraphs in pages[2:]:
        pdf.prose_page(heading, paragraphs, footer=footer)
    return pdf.to_bytes()


# --------------------------------------------------------------------------------------------
# materials/


def materials_lca(out: Path) -> None:
    rng = rng_for("materials/lca")
    import openpyxl
    from openpyxl.styles import Font

    folder = out / "materials" / "lca"
    wb = openpyxl.Workbook()
    wb.properties.creator = "Nexus sample data"
    wb.properties.created = FIXED_TIME
    ws = wb.active
    ws.title = "materials"
    header = [
        "uuid",
        "name_de",
        "name_en",
        "category",
        "declared_unit",
        "declared_amount",
        "reference_year",
        "density_kg_m3",
        "gwp_a1_a3",
        "gwp_c3",
        "gwp_c4",
        "gwp_d",
        "published",
        "valid_until",
    ]
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    parquet_rows = []
    for name_de, name_en, category, unit, amount, density, gwp in corpus.MATERIALS:
        uuid = str(_uuid.UUID(int=rng.getrandbits(128), version=4))
        a1a3 = gwp
        c3 = round(abs(gwp) * rng.uniform(0.005, 0.06), 4) if gwp > 0 else round(-gwp * 1.02, 4)
        c4 = round(abs(gwp) * rng.uniform(0.001, 0.02), 4)
        d = round(-abs(gwp) * rng.uniform(0.02, 0.45), 4)
        published = dt.date(
            rng.choice([2020, 2021, 2022, 2023]), rng.randint(1, 12), rng.randint(1, 28)
        )
        valid_until = published.replace(year=published.year + 5)
        ws.append(
            [
                uuid,
                name_de,
                name_en,
                category,
                unit,
                amount,
                published.year,
                density,
                a1a3,
                c3,
                c4,
                d,
                published,
                valid_until,
            ]
        )
        for module, value in (("A1-A3", a1a3), ("C3", c3), ("C4", c4), ("D", d)):
            parquet_rows.append(
                (
                    uuid,
                    name_en,
                    category,
                    module,
                    "GWP-total",
                    value,
                    "kg CO2e",
                    published,
                    module != "D",
                )
            )
            penre = round(abs(value) * rng.uniform(8, 16), 3)
            parquet_rows.append(
                (uuid, name_en, category, module, "PENRT", penre, "MJ", published, module != "D")
            )
    for row in ws.iter_rows(min_row=2):
        row[12].number_format = "yyyy-mm-dd"
        row[13].number_format = "yyyy-mm-dd"
    modules = wb.create_sheet("modules")
    modules.append(["module", "stage", "description"])
    for row in corpus.EN15804_MODULES:
        modules.append(list(row))
    about = wb.create_sheet("about")
    for line in corpus.XLSX_ABOUT:
        about.append([line])
    buf = io.BytesIO()
    wb.save(buf)
    write_bytes(folder / "oekobaudat_materials_excerpt.xlsx", normalise_zip(buf.getvalue()))

    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = list(zip(*parquet_rows, strict=True))
    table = pa.table(
        {
            "material_uuid": pa.array(cols[0], pa.string()),
            "material": pa.array(cols[1], pa.string()),
            "category": pa.array(cols[2], pa.string()),
            "module": pa.array(cols[3], pa.string()),
            "indicator": pa.array(cols[4], pa.string()),
            "value": pa.array(cols[5], pa.float64()),
            "unit": pa.array(cols[6], pa.string()),
            "published": pa.array(cols[7], pa.date32()),
            "declared_in_epd": pa.array(cols[8], pa.bool_()),
        }
    )
    pbuf = io.BytesIO()
    pq.write_table(table, pbuf, compression="zstd")
    write_bytes(folder / "epd_indicators.parquet", pbuf.getvalue())


# --------------------------------------------------------------------------------------------
# governance/ and social/


def governance(out: Path) -> None:
    import docx

    folder = out / "governance"
    document = docx.Document()
    props = document.core_properties
    props.author = "ESG reporting team"
    props.title = "CSRD and EU Taxonomy implementation notes"
    props.created = props.modified = FIXED_TIME
    props.last_modified_by = "ESG reporting team"
    props.revision = 1
    for kind, *content in corpus.CSRD_DOCX:
        if kind == "h":
            document.add_heading(content[1], level=content[0])
        elif kind == "p":
            document.add_paragraph(content[0])
        elif kind == "table":
            header, rows = content
            table = document.add_table(rows=1, cols=len(header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, header, strict=True):
                cell.text = text
            for row in rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row, strict=True):
                    cell.text = text
    buf = io.BytesIO()
    document.save(buf)
    write_bytes(
        folder / "regulation" / "csrd_eu_taxonomy_notes.docx", normalise_zip(buf.getvalue())
    )
    write_bytes(folder / "regulation" / "eu_taxonomy_overview.html", corpus.TAXONOMY_HTML.encode())
    write_bytes(
        folder / "policies" / "supplier_code_of_conduct.txt", corpus.SUPPLIER_CODE_TXT.encode()
    )


def social(out: Path) -> None:
    rng = rng_for("social/reviews")
    lines = []
    start = dt.date(2023, 1, 9)
    for i in range(120):
        group, channel, text = corpus.stakeholder_statement(rng)
        company = rng.choice(corpus.COMPANIES)
        record = {
            "id": f"ST-{i + 1:04d}",
            "date": (start + dt.timedelta(days=3 * i + rng.randint(0, 2))).isoformat(),
            "company": company,
            "stakeholder": {"group": group, "channel": channel},
            "text": text.format(c=company),
            "meta": {
                "language": "en",
                "region": rng.choice(corpus.REGIONS),
                "verified": rng.random() < 0.7,
            },
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    path = out / "social" / "reviews" / "stakeholder_statements.jsonl"
    write_bytes(path, ("\n".join(lines) + "\n").encode())


# --------------------------------------------------------------------------------------------
# nlp/ : the ML task datasets


def nlp(out: Path) -> None:
    folder = out / "nlp"
    rows = nlp_data.sentiment_rows(rng_for("nlp/sentiment"))
    write_csv(
        folder / "sentiment" / "esg_sentiment.csv", ["text", "label", "company", "year"], rows
    )
    rows = nlp_data.emotion_rows(rng_for("nlp/emotion"))
    write_csv(folder / "emotion" / "stakeholder_emotion.csv", ["text", "label", "source"], rows)
    rows = nlp_data.entity_rows(rng_for("nlp/entities"))
    write_csv(folder / "entities" / "esg_entities.csv", ["tokens", "tags"], rows)


# --------------------------------------------------------------------------------------------
# _inbox/ : deliberately bad uploads (and one encrypted PDF that must still be read)


def inbox(out: Path) -> None:
    rng = rng_for("_inbox")
    import openpyxl

    folder = out / "_inbox"
    minutes = PdfBuilder("Board minutes Q4 2023 (confidential)", "Company secretary")
    minutes.prose_page("Board of Directors - minutes of 12 December 2023", corpus.BOARD_MINUTES)
    write_bytes(
        folder / "board_minutes_2023_q4_confidential.pdf",
        encrypt_pdf(minutes.to_bytes(), "Vorstand-2023!", "nexus-owner-only"),
    )

    audit = PdfBuilder("Supplier audit summary 2023", "Procurement")
    audit.prose_page("Supplier audit summary 2023", corpus.AUDIT_SUMMARY_P1)
    audit.prose_page("Findings and corrective actions", corpus.AUDIT_SUMMARY_P2)
    # Empty user password: any reader opens it; only editing needs the owner password.
    write_bytes(
        folder / "supplier_audit_summary_2023_owner_locked.pdf",
        encrypt_pdf(audit.to_bytes(), "", "procurement-owner"),
    )

    wb = openpyxl.Workbook()
    wb.properties.created = FIXED_TIME
    ws = wb.active
    ws.title = "prices"
    ws.append(["material", "eur_per_tonne", "quote_date"])
    for name_de, *_ in corpus.MATERIALS:
        ws.append([name_de, rng.randint(40, 4000), dt.date(2024, 4, rng.randint(1, 30))])
    buf = io.BytesIO()
    wb.save(buf)
    full = normalise_zip(buf.getvalue())
    # An upload cut off half way: the local headers are there, the central directory is not.
    write_bytes(folder / "material_prices_upload_truncated.xlsx", full[: len(full) // 2])

    write_bytes(folder / "empty_supplier_list.csv", b"")

    # Scanner output that is no text in any encoding: NUL bytes, C0 controls, lone UTF-16
    # surrogates and bytes undefined in cp1252 (0x81, 0x8d, 0x8f, 0x90, 0x9d).
    blob = bytearray()
    while len(blob) < 3072:
        blob += bytes([0x00, 0xD8, 0x81, 0x00, 0x8D, 0x9D, 0x1B, 0x00, 0x02, 0xDC, 0x90, 0x00])
        blob += rng.getrandbits(8 * 52).to_bytes(52, "little")
    write_bytes(folder / "scanned_invoice_ocr_garbled.txt", bytes(blob))

    # A data-logger firmware image somebody dropped in the wrong folder: no reader for it.
    firmware = b"\x7fELF\x02\x01\x01\x00" + rng.getrandbits(8 * 2040).to_bytes(2040, "little")
    write_bytes(folder / "meter_logger_firmware.bin", firmware)


# --------------------------------------------------------------------------------------------


def rng_for(key: str) -> random.Random:
    """One generator per dataset: changing one file's data leaves the others' bytes alone."""
    return random.Random(f"{SEED}:{key}")


STEPS: list[Callable[[Path], None]] = [
    climate_emissions,
    climate_targets,
    climate_reports,
    materials_lca,
    governance,
    social,
    nlp,
    inbox,
]
# Top-level folders this script owns; it refuses to clear a folder holding anything else.
OWNED = {"climate", "materials", "governance", "social", "nlp", "_inbox"}


def generate(out: Path) -> list[Path]:
    """Write the whole landing tree into `out`, replacing what an earlier run wrote there."""
    out.mkdir(parents=True, exist_ok=True)
    foreign = sorted(p.name for p in out.iterdir() if p.name not in OWNED)
    if foreign:
        raise SystemExit(f"{out} holds files this script did not write: {foreign}; left alone")
    for name in OWNED:
        shutil.rmtree(out / name, ignore_errors=True)
    for step in STEPS:
        step(out)
    return sorted(p for p in out.rglob("*") if p.is_file())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT,
        help="landing folder to (re)write (default: sample_data/landing)",
    )
    args = parser.parse_args(argv)
    files = generate(args.out)
    total = 0
    for path in files:
        size = path.stat().st_size
        total += size
        print(f"{size:>9,}  {path.relative_to(args.out)}")
    print(f"{total:>9,}  total in {len(files)} files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
