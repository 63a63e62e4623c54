"""The knowledge base as a graph for Neo4j: (Folder)-[:CONTAINS]->(Folder|Document),
(Record)-[:PART_OF]->(Document); from the annotations, (Record)-[:MENTIONS]->(Entity) and
(Record)-[:HAS_TOPIC]->(Topic).

Written as CSV files in the format `neo4j-admin database import full` reads (`:ID`, `:LABEL`,
`:START_ID`, `:END_ID`, `:TYPE` headers, one global id space made unique by prefixes), plus
a Cypher script that loads the same files with LOAD CSV into a running database.
"""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyarrow.parquet as pq
from upath import UPath

from nexus_platform.ingest.members import converted_sources
from nexus_platform.knowledge import shards
from nexus_platform.settings import NexusPaths, is_local
from nexus_platform.storage import atomic_output, write_text

FOLDER_HEADER = ["id:ID", "name", "path", "depth:int", ":LABEL"]
DOCUMENT_HEADER = ["id:ID", "path", "name", "file_type", "sha256", "size:long", ":LABEL"]
RECORD_HEADER = [
    "id:ID",
    "record_id",
    "text",
    "content_sha256",
    "table",
    "row:long",
    "page:long",
    "chunk:long",
    "duplicate_of",
    ":LABEL",
]
RELATIONSHIP_HEADER = [":START_ID", ":END_ID", ":TYPE"]
ENTITY_HEADER = ["id:ID", "name", "type", ":LABEL"]
TOPIC_HEADER = ["id:ID", "name", ":LABEL"]
MENTIONS_HEADER = [*RELATIONSHIP_HEADER, "count:int"]
HAS_TOPIC_HEADER = [*RELATIONSHIP_HEADER, "score:float"]
FILES = {
    "folders": "nodes_folders.csv",
    "documents": "nodes_documents.csv",
    "records": "nodes_records.csv",
    "contains": "rels_contains.csv",
    "part_of": "rels_part_of.csv",
    # Written by the embeddings' `knowledge_graph_similarity` asset (nearest neighbours).
    "similar_to": "rels_similar_to.csv",
    # Written by the annotations' `knowledge_graph_annotations` asset.
    "entities": "nodes_entities.csv",
    "topics": "nodes_topics.csv",
    "mentions": "rels_mentions.csv",
    "has_topic": "rels_has_topic.csv",
}
# Files other assets add to the export, imported when present.
OPTIONAL_NODES = ["entities", "topics"]
OPTIONAL_RELATIONSHIPS = ["similar_to", "mentions", "has_topic"]


def folder_node_id(folder_path: str) -> str:
    return f"folder:/{folder_path}"


def document_node_id(path: str) -> str:
    return f"document:{path}"


def record_node_id(record_id: str) -> str:
    return f"record:{record_id}"


def entity_node_id(entity_type: str, name: str) -> str:
    return f"entity:{entity_type}:{name}"


def topic_node_id(label: str) -> str:
    return f"topic:{label}"


@dataclass
class GraphExport:
    directory: UPath
    counts: dict[str, int] = field(default_factory=dict)

    def file(self, kind: str) -> UPath:
        return self.directory / FILES[kind]

    @property
    def import_command(self) -> str:
        return import_command(self.directory)


def import_command(directory: UPath) -> str:
    def present(kinds: list[str]) -> list[str]:
        return [k for k in kinds if (directory / FILES[k]).exists()]

    nodes = ["folders", "documents", "records", *present(OPTIONAL_NODES)]
    relationships = ["contains", "part_of", *present(OPTIONAL_RELATIONSHIPS)]
    # Chunk texts keep their paragraph breaks, hence --multiline-fields.
    return (
        "neo4j-admin database import full --overwrite-destination --multiline-fields=true "
        + "".join(f"--nodes={directory / FILES[k]} " for k in nodes)
        + "".join(f"--relationships={directory / FILES[k]} " for k in relationships)
        + "neo4j"
    )


class _RowWriter:
    def __init__(self, text: io.TextIOWrapper, header: list[str]):
        self._writer = csv.writer(text, lineterminator="\n")
        self._writer.writerow(header)
        self.rows = 0

    def write(self, row: list) -> None:
        self._writer.writerow(["" if v is None else v for v in row])
        self.rows += 1


@contextlib.contextmanager
def _csv_file(path: UPath, header: list[str]) -> Iterator[_RowWriter]:
    """A CSV written atomically: complete, or the previous version stays."""
    with atomic_output(path, "wb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        yield _RowWriter(text, header)
        text.flush()
        text.detach()  # the atomic writer closes the file itself


def _folder_chain(folders: list[str]) -> list[str]:
    return ["/".join(folders[: i + 1]) for i in range(len(folders))]


def export_graph(paths: NexusPaths, directory: UPath | None = None) -> GraphExport:
    """Write the graph CSVs and the LOAD CSV script; returns where they are and the counts."""
    directory = directory or paths.knowledgebase / "graph"
    export = GraphExport(directory)
    entries = converted_sources(paths)
    folders: dict[str, None] = {"": None}
    for entry in entries:
        folders.update(dict.fromkeys(_folder_chain(entry.folders)))

    headers = {
        "folders": FOLDER_HEADER,
        "documents": DOCUMENT_HEADER,
        "records": RECORD_HEADER,
        "contains": RELATIONSHIP_HEADER,
        "part_of": RELATIONSHIP_HEADER,
    }
    with contextlib.ExitStack() as stack:
        out = {k: stack.enter_context(_csv_file(export.file(k), h)) for k, h in headers.items()}
        _write_rows(paths, entries, folders, out)
    export.counts = {kind: writer.rows for kind, writer in out.items()}
    write_text(directory / "load.cypher", load_csv_script())
    return export


def _write_rows(paths: NexusPaths, entries: list, folders: dict, out: dict) -> None:
    for folder in sorted(folders):
        name = folder.rsplit("/", 1)[-1] if folder else "/"
        depth = folder.count("/") + 1 if folder else 0
        out["folders"].write([folder_node_id(folder), name, folder, depth, "Folder"])
        if folder:
            parent = folder.rsplit("/", 1)[0] if "/" in folder else ""
            out["contains"].write([folder_node_id(parent), folder_node_id(folder), "CONTAINS"])
    for entry in entries:
        doc_id = document_node_id(entry.path)
        name = entry.path.rsplit("/", 1)[-1]
        out["documents"].write(
            [doc_id, entry.path, name, entry.file_type, entry.sha256, entry.size, "Document"]
        )
        parent = "/".join(entry.folders)
        out["contains"].write([folder_node_id(parent), doc_id, "CONTAINS"])
    known_documents = {e.path for e in entries}
    for record in _iter_records(paths):
        source = record["source"]
        out["records"].write(
            [
                record_node_id(record["id"]),
                record["id"],
                record["text"],
                record["content_sha256"],
                source["table"],
                source["row"],
                source["page"],
                source["chunk"],
                record["duplicate_of"],
                "Record",
            ]
        )
        if source["path"] in known_documents:
            out["part_of"].write(
                [record_node_id(record["id"]), document_node_id(source["path"]), "PART_OF"]
            )


def export_annotations(paths: NexusPaths, directory: UPath | None = None) -> dict[str, int]:
    """Entity and Topic nodes with the MENTIONS / HAS_TOPIC relationships of the records
    (from the annotations table); returns the row count of each file."""
    from nexus_platform.annotation.table import read_annotations

    directory = directory or paths.knowledgebase / "graph"
    records = {r["id"] for r in _iter_records(paths, ["id"])}
    table = read_annotations(paths, ["record_id", "kind", "labels", "entities"])
    entities: dict[str, list[str]] = {}
    topics: set[str] = set()
    mentions: dict[tuple[str, str], int] = {}
    has_topic: list[list] = []
    for row in table.to_pylist():
        if row["record_id"] not in records:
            continue  # the knowledge base moved on since: no edge to a node that is gone
        start = record_node_id(row["record_id"])
        for span in row["entities"] or []:
            name = " ".join(span["text"].split())
            node = entity_node_id(span["type"], name)
            entities.setdefault(node, [name, span["type"], "Entity"])
            mentions[(start, node)] = mentions.get((start, node), 0) + 1
        if row["kind"] == "topics":
            for topic in row["labels"] or []:
                topics.add(topic["label"])
                has_topic.append(
                    [start, topic_node_id(topic["label"]), "HAS_TOPIC", f"{topic['score']:.4f}"]
                )
    rows: dict[str, tuple[list[str], list[list]]] = {
        "entities": (ENTITY_HEADER, [[node, *v] for node, v in sorted(entities.items())]),
        "topics": (TOPIC_HEADER, [[topic_node_id(t), t, "Topic"] for t in sorted(topics)]),
        "mentions": (MENTIONS_HEADER, [[a, b, "MENTIONS", n] for (a, b), n in mentions.items()]),
        "has_topic": (HAS_TOPIC_HEADER, has_topic),
    }
    counts = {}
    for kind, (header, values) in rows.items():
        with _csv_file(directory / FILES[kind], header) as out:
            for value in values:
                out.write(value)
        counts[kind] = len(values)
    return counts


def _iter_records(paths: NexusPaths, columns: list[str] | None = None) -> Iterator[dict]:
    target = shards.parquet_path(paths)
    if not target.exists():
        return
    columns = columns or ["id", "text", "content_sha256", "source", "duplicate_of"]
    source = pq.ParquetFile(target.path if is_local(target) else target.open("rb"))
    for batch in source.iter_batches(batch_size=65_536, columns=columns):
        yield from batch.to_pylist()


def read_graph_rows(export: GraphExport, kind: str) -> Iterator[dict]:
    """Rows of one exported CSV as dicts keyed by header (used to push to a live Neo4j)."""
    with export.file(kind).open("r", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


# One statement per file, shared by the LOAD CSV script and the live push ($rows batches).
MERGE_STATEMENTS = {
    "folders": "MERGE (n:Folder {id: row.`id:ID`}) "
    "SET n.name = row.name, n.path = row.path, n.depth = toInteger(row.`depth:int`)",
    "documents": "MERGE (n:Document {id: row.`id:ID`}) "
    "SET n.path = row.path, n.name = row.name, n.file_type = row.file_type, "
    "n.sha256 = row.sha256, n.size = toInteger(row.`size:long`)",
    "records": "MERGE (n:Record {id: row.`id:ID`}) "
    "SET n.record_id = row.record_id, n.text = row.text, n.content_sha256 = row.content_sha256, "
    "n.table = row.table, n.row = toInteger(row.`row:long`), n.page = toInteger(row.`page:long`), "
    "n.chunk = toInteger(row.`chunk:long`), n.duplicate_of = row.duplicate_of",
    "contains": "MATCH (a:Folder {id: row.`:START_ID`}) "
    "OPTIONAL MATCH (f:Folder {id: row.`:END_ID`}) OPTIONAL MATCH (d:Document {id: row.`:END_ID`}) "
    "WITH a, coalesce(f, d) AS b WHERE b IS NOT NULL MERGE (a)-[:CONTAINS]->(b)",
    "part_of": "MATCH (r:Record {id: row.`:START_ID`}) MATCH (d:Document {id: row.`:END_ID`}) "
    "MERGE (r)-[:PART_OF]->(d)",
    "similar_to": "MATCH (a:Record {id: row.`:START_ID`}) MATCH (b:Record {id: row.`:END_ID`}) "
    "MERGE (a)-[r:SIMILAR_TO]->(b) SET r.score = toFloat(row.`score:float`)",
    "entities": "MERGE (n:Entity {id: row.`id:ID`}) SET n.name = row.name, n.type = row.type",
    "topics": "MERGE (n:Topic {id: row.`id:ID`}) SET n.name = row.name",
    "mentions": "MATCH (r:Record {id: row.`:START_ID`}) MATCH (e:Entity {id: row.`:END_ID`}) "
    "MERGE (r)-[m:MENTIONS]->(e) SET m.count = toInteger(row.`count:int`)",
    "has_topic": "MATCH (r:Record {id: row.`:START_ID`}) MATCH (t:Topic {id: row.`:END_ID`}) "
    "MERGE (r)-[h:HAS_TOPIC]->(t) SET h.score = toFloat(row.`score:float`)",
}
CONSTRAINTS = [
    f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{label}) REQUIRE n.id IS UNIQUE"
    for label in ("Folder", "Document", "Record", "Entity", "Topic")
]
LOAD_ORDER = ["folders", "documents", "records", "contains", "part_of", "similar_to"]
LOAD_ORDER += [*OPTIONAL_NODES, "mentions", "has_topic"]


def load_csv_script() -> str:
    lines = [
        "// Loads the Nexus knowledge graph into a running Neo4j 5 database.",
        "// Copy the nodes_*.csv and rels_*.csv files of this folder into Neo4j's import",
        "// directory, then run: cypher-shell -f load.cypher",
        "// (For an empty database, `neo4j-admin database import full` with",
        "// --multiline-fields=true reads the same files faster.)",
        "",
    ]
    lines += [f"{statement};" for statement in CONSTRAINTS]
    for kind in LOAD_ORDER:
        lines += [
            "",
            f"LOAD CSV WITH HEADERS FROM 'file:///{FILES[kind]}' AS row",
            f"CALL {{ WITH row {MERGE_STATEMENTS[kind]} }} IN TRANSACTIONS OF 10000 ROWS;",
        ]
    return "\n".join(lines) + "\n"
