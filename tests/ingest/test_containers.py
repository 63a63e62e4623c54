"""Archives and e-mails: each member converts as a file of its own, keyed
`<container>/<inner path>`, inside the container's one ledger entry; forged member names are
refused; a changed archive re-reads only the members whose bytes changed; the knowledge base
gives member records the member's path and folders."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage

import pyarrow.parquet as pq
from hostile_files import deflated, zip_of

from nexus_platform.ingest.convert import convert_file
from nexus_platform.ingest.ledger import Ledger, LedgerEntry

SALES = "region,amount\nNord,10\nSüd,12\n"
README = "# Hinweise\n\nDie Zahlen stammen aus dem Werk Köln.\n"


def _zip(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _members(entry: LedgerEntry) -> dict[str, dict]:
    return {m["path"]: m for m in entry.members}


def test_zip_members_convert_as_files_of_their_own(paths, put):
    put(
        "climate/bundle.zip",
        _zip({"q1/sales.csv": SALES, "notes/readme.md": README, ".DS_Store": b"\0", "q2/": b""}),
    )
    entry = convert_file(paths, "climate/bundle.zip")
    assert entry.status == "converted", entry.error
    assert entry.tables == []  # an archive has no table of its own
    members = _members(entry)
    assert set(members) == {"climate/bundle.zip/q1/sales.csv", "climate/bundle.zip/notes/readme.md"}
    sales = members["climate/bundle.zip/q1/sales.csv"]
    assert (sales["status"], sales["reader"], sales["file_type"]) == (
        "converted",
        "pyarrow.csv",
        "csv",
    )
    [table] = sales["tables"]
    assert table["path"].endswith("warehouse/climate/bundle.zip/q1/sales.csv/data.parquet")
    assert pq.read_table(table["path"]).to_pylist() == [
        {"region": "Nord", "amount": 10},
        {"region": "Süd", "amount": 12},
    ]
    assert LedgerEntry.from_json(sales).folders == ["climate", "bundle.zip", "q1"]


def test_path_traversal_members_are_refused_and_never_written(paths, put, nexus_home):
    put(
        "drop/evil.zip",
        zip_of(
            [
                ("../../escaped.csv", deflated(b"a,b\n1,2\n")),
                ("/etc/passwd.csv", deflated(b"a,b\n1,2\n")),
                ("fine/ok.csv", deflated(b"a,b\n1,2\n")),
            ]
        ),
    )
    entry = convert_file(paths, "drop/evil.zip")
    assert entry.status == "converted"
    by_status = {m["path"]: (m["status"], (m["error"] or {}).get("class")) for m in entry.members}
    assert by_status["drop/evil.zip/fine/ok.csv"] == ("converted", None)
    refused = {k: v for k, v in by_status.items() if v[0] == "quarantined"}
    assert len(refused) == 2
    assert set(refused.values()) == {("quarantined", "outside_landing")}
    assert all(".." not in key.split("/") for key in by_status)
    written = [p for p in nexus_home.rglob("*") if "escaped" in p.name or p.name == "passwd.csv"]
    assert written == []


def test_zip_bomb_is_too_large_and_a_zip_of_only_bad_members_is_quarantined(paths, put):
    from hostile_files import office_bomb

    put("drop/bomb.zip", office_bomb("zip"))
    put("drop/junk.zip", _zip({"a.exe": b"MZ", "b.csv": b""}))
    bomb = convert_file(paths, "drop/bomb.zip")
    assert (bomb.status, bomb.error["class"]) == ("quarantined", "too_large")
    junk = convert_file(paths, "drop/junk.zip")
    assert junk.status == "quarantined" and junk.error["class"] == "empty"
    assert {m["error"]["class"] for m in junk.members} == {"unsupported", "empty"}


def test_changed_archive_rereads_only_changed_members(paths, put):
    ledger = Ledger(paths)
    put("drop/data.zip", _zip({"a.csv": SALES, "b.csv": "x,y\n1,2\n", "gone.csv": "k\n1\n"}))
    first = convert_file(paths, "drop/data.zip")
    ledger.put(first)
    outputs = {m["path"]: m["tables"][0]["path"] for m in first.members}
    written = {k: _mtime(v) for k, v in outputs.items()}

    put("drop/data.zip", _zip({"a.csv": SALES, "b.csv": "x,y\n1,3\n", "new.csv": "n\n5\n"}))
    second = convert_file(paths, "drop/data.zip", previous=first)
    members = _members(second)
    assert set(members) == {"drop/data.zip/a.csv", "drop/data.zip/b.csv", "drop/data.zip/new.csv"}
    assert _mtime(outputs["drop/data.zip/a.csv"]) == written["drop/data.zip/a.csv"]
    assert any("reused" in n for n in members["drop/data.zip/a.csv"]["notes"])
    assert _mtime(outputs["drop/data.zip/b.csv"]) != written["drop/data.zip/b.csv"]
    assert pq.read_table(outputs["drop/data.zip/b.csv"]).column("y").to_pylist() == [3]
    assert not _exists(outputs["drop/data.zip/gone.csv"])  # a removed member's output goes


def _mtime(path: str) -> int:
    from pathlib import Path

    return Path(path).stat().st_mtime_ns


def _exists(path: str) -> bool:
    from pathlib import Path

    return Path(path).exists()


def _mail(attachments: dict[str, bytes]) -> bytes:
    message = EmailMessage()
    message["From"] = "Einkauf <einkauf@example.org>"
    message["To"] = "nachhaltigkeit@example.org"
    message["Subject"] = "Lieferantenliste 2024"
    message["Date"] = "Mon, 06 Nov 2023 10:00:00 +0100"
    message["Message-ID"] = "<liste-2024@example.org>"
    message.set_content("Hallo,\nanbei die Liste der Lieferanten mit ihren Emissionen.\nGrüße")
    for name, data in attachments.items():
        maintype, subtype = ("text", "csv") if name.endswith(".csv") else ("application", "zip")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def test_email_headers_body_and_attachments(paths, put):
    put(
        "inbox/offer.eml",
        _mail({"suppliers.csv": b"name,co2\nAcme,10\n", "more.zip": _zip({"x/y.csv": "a\n1\n"})}),
    )
    entry = convert_file(paths, "inbox/offer.eml")
    assert entry.status == "converted", entry.error
    [message] = pq.read_table(entry.tables[0].path).to_pylist()
    assert message["sender"] == "Einkauf <einkauf@example.org>"
    assert message["subject"] == "Lieferantenliste 2024"
    assert message["attachments"] == ["suppliers.csv", "more.zip"]
    assert "Liste der Lieferanten" in message["text"]
    members = _members(entry)
    assert members["inbox/offer.eml/suppliers.csv"]["status"] == "converted"
    # An archive attached to an e-mail: its members are members too, under its path.
    assert members["inbox/offer.eml/more.zip/x/y.csv"]["status"] == "converted"
    assert LedgerEntry.from_json(members["inbox/offer.eml/more.zip/x/y.csv"]).folders == [
        "inbox",
        "offer.eml",
        "more.zip",
        "x",
    ]


def test_bad_emails(paths, put):
    put("inbox/blank.eml", b"\n\n")
    put("inbox/fake.msg", b"not an outlook message at all")
    assert convert_file(paths, "inbox/blank.eml").error["class"] == "empty"
    assert convert_file(paths, "inbox/fake.msg").error["class"] == "corrupt"


def test_knowledge_records_carry_the_member_path_and_folders(paths, put):
    from nexus_platform.knowledge.build import build_knowledgebase

    put("climate/bundle.zip", _zip({"notes/readme.md": README}))
    Ledger(paths).put(convert_file(paths, "climate/bundle.zip"))
    build_knowledgebase(paths)
    records = pq.read_table(paths.knowledgebase.path + "/knowledgebase.parquet").to_pylist()
    sources = {
        (r["source"]["path"], tuple(r["source"]["folders"]), r["source"]["file_type"])
        for r in records
    }
    assert sources == {
        ("climate/bundle.zip/notes/readme.md", ("climate", "bundle.zip", "notes"), "md")
    }
    assert any("Werk Köln" in r["text"] for r in records)


def test_status_names_the_reader_and_the_members(paths, put, nexus_home):
    from nexus_platform.refresh import status_lines

    put("climate/bundle.zip", _zip({"q1/sales.csv": SALES}))
    Ledger(paths).put(convert_file(paths, "climate/bundle.zip"))
    [line] = status_lines(paths)
    assert line["status"] == "converted"
    assert line["reader"].startswith("zipfile")
    assert line["members"][0]["path"] == "climate/bundle.zip/q1/sales.csv"
    assert line["members"][0]["reader"] == "pyarrow.csv"
