"""ML tasks defined by small YAML specs: datasets, training, evaluation, robustness, registry.

Pure domain code (no Dagster). Heavy libraries (torch, transformers, sklearn, nltk, dvc) are
imported inside the functions that use them so that loading the task specs stays cheap.
"""
