"""Every asset key that more than one module names, defined once.

Assets refer to each other across domains (the knowledge base reads the tables, a task reads
its source file, annotations read the embeddings); one constant per key keeps a rename from
silently cutting an edge of the graph.
"""

from __future__ import annotations

import dagster as dg

PARQUET_TABLES = dg.AssetKey("parquet_tables")
QUARANTINE_LEDGER = dg.AssetKey("quarantine_ledger")
INCOMING_REPORT = dg.AssetKey("incoming_data_report")
KNOWLEDGEBASE = dg.AssetKey("knowledgebase")
KNOWLEDGE_GRAPH = dg.AssetKey("knowledge_graph")
KB_EMBEDDINGS = dg.AssetKey("kb_embeddings")
VECTOR_INDEX = dg.AssetKey("vector_index")
LEXICAL_INDEX = dg.AssetKey("lexical_index")
SEARCH_QUALITY = dg.AssetKey("search_quality")
ANNOTATIONS = dg.AssetKey("annotations")
PLATFORM_CONFIGURATION = dg.AssetKey("platform_configuration")
