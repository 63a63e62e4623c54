"""Hybrid search over the knowledge base: a BM25 lexical index beside the dense vectors,
fused by reciprocal rank, with filters on folders, file types and annotations; the search
service (`nexus serve`) and the measured search quality."""
