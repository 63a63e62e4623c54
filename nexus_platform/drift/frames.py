"""Shaping tables for the statistical tests: column roles, capped categories, sampling."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

OTHER = "__other__"


@dataclass
class ColumnRoles:
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # column -> why it is not tested

    @property
    def features(self) -> list[str]:
        return self.numeric + self.categorical


def _is_nested(series: pd.Series) -> bool:
    sample = series.dropna().head(50)
    return any(isinstance(v, list | tuple | dict | np.ndarray) for v in sample)


def column_roles(
    frame: pd.DataFrame, label: str | None, text: tuple[str, ...], ignore: tuple[str, ...]
) -> ColumnRoles:
    roles = ColumnRoles()
    for column in frame.columns:
        series = frame[column]
        if column == label:
            continue
        if column in ignore:
            roles.dropped[column] = "ignored by configuration"
        elif column in text:
            roles.text.append(column)
        elif pd.api.types.is_bool_dtype(series):
            roles.categorical.append(column)
        elif pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series):
            roles.numeric.append(column)
        elif _is_nested(series):
            roles.dropped[column] = "nested values (lists or structs)"
        else:
            roles.categorical.append(column)
    return roles


def normalise(frame: pd.DataFrame, roles: ColumnRoles, label: str | None) -> pd.DataFrame:
    """Numbers as float, timestamps as epoch seconds, categories and texts as strings."""
    out = {}
    for column in (c for c in roles.numeric if c in frame.columns):
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            if isinstance(series.dtype, pd.DatetimeTZDtype):
                series = series.dt.tz_convert("UTC").dt.tz_localize(None)
            series = series.astype("datetime64[ns]").astype("int64").where(series.notna()) / 1e9
        out[column] = pd.to_numeric(series, errors="coerce").astype("float64")
    for column in (c for c in roles.categorical if c in frame.columns):
        out[column] = (
            frame[column].astype("string").astype(object).where(frame[column].notna(), None)
        )
    for column in (c for c in roles.text if c in frame.columns):
        out[column] = frame[column].astype("string").fillna("").astype(str)
    if label and label in frame.columns:
        out[label] = frame[label]
    return pd.DataFrame(out, index=frame.index)


def cap_categories(
    frames: list[pd.DataFrame], columns: list[str], max_categories: int
) -> dict[str, int]:
    """Fold rare values into OTHER so columns with thousands of values stay cheap to test and
    readable in the report. The kept values are the most frequent across all frames, so the
    same value is never folded on one side and kept on the other. Returns the columns capped
    and how many distinct values they had."""
    capped = {}
    for column in columns:
        counts = pd.concat([f[column] for f in frames if column in f]).value_counts()
        if len(counts) <= max_categories:
            continue
        keep = set(counts.index[:max_categories])
        for frame in frames:
            if column in frame:
                values = frame[column]
                frame[column] = values.where(values.isna() | values.isin(keep), OTHER)
        capped[column] = int(len(counts))
    return capped


def sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    if rows <= 0 or len(frame) <= rows:
        return frame
    return frame.sample(n=rows, random_state=seed).sort_index()
