"""User configuration files (YAML), read one way: UTF-8, no key given twice, validated by a
pydantic model in which an unknown key is an error, every mistake reported as a
`ConfigFileError` that names the file, the field and the problem.

A format is a `ConfigModel` (or a frozen dataclass decorated with `with_config(FORBID_EXTRA)`,
when the rest of the code wants a plain dataclass):

    class TopicsFile(ConfigModel):
        topics: dict[str, Names]

    topics = load_yaml_file(path, TopicsFile, error=TopicsError)  # TopicsError(ConfigFileError)

A file that does not validate leaves out only what it defines: code that must go on without it
uses `or_default`, and `nexus_platform.configuration` lists every file's state for the UI and
the command line.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Strict,
    StringConstraints,
    TypeAdapter,
    ValidationError,
)

log = logging.getLogger(__name__)

M = TypeVar("M")
T = TypeVar("T")

# Pseudo-fields for problems with the file as a whole.
FILE, YAML, ROOT = "<file>", "<yaml>", "<root>"

FORBID_EXTRA = ConfigDict(extra="forbid")


class ConfigModel(BaseModel):
    """A section of a configuration file: unknown keys are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# YAML reads `yes` as true and a quoted "0.5" as text: a number must be written as a number.
Number = Annotated[float, Strict()]
Integer = Annotated[int, Strict()]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def _snake_case(name: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ValueError(f"{name!r} must be snake_case: a-z, 0-9 and _ (it becomes asset keys)")
    return name


# A name that becomes part of asset keys and group names.
AssetName = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_snake_case)]


def _one_or_many(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


# Column names and the like: `text` is short for `[text]`.
Names = Annotated[tuple[NonEmpty, ...], BeforeValidator(_one_or_many)]


class ConfigFileError(ValueError):
    """A configuration file that cannot be used; `field` is a dotted path such as
    `tables[0].thresholds.numeric_drift` (or `<file>`, `<yaml>`, `<root>`)."""

    def __init__(
        self, file: str | Path, field: str, message: str, more: Sequence[tuple[str, str]] = ()
    ):
        self.file = str(file)
        self.field = field
        self.message = message
        self.problems: tuple[tuple[str, str], ...] = ((field, message), *more)
        super().__init__(f"{self.file}: " + "; ".join(_describe(f, m) for f, m in self.problems))


def _describe(field: str, message: str) -> str:
    return message if field in (FILE, YAML, ROOT) else f"field '{field}': {message}"


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML keeps the last of two equal keys; in a configuration file that hides a mistake."""


def _mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen: set = set()
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":  # `<<: *defaults` is not a key
            continue
        key = loader.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:  # an unhashable key: PyYAML's own error names it
            continue
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"key {key!r} is given twice", key_node.start_mark
            )
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


def read_yaml(path: Any, error: type[ConfigFileError] = ConfigFileError) -> Any:
    """The parsed YAML of a file (a `Path` or `UPath`); an empty file is an empty mapping."""
    path = path if hasattr(path, "read_bytes") else Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise error(path, FILE, "not found") from None
    except OSError as exc:
        raise error(path, FILE, f"cannot be read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise error(
            path,
            FILE,
            f"not UTF-8 text: byte 0x{raw[exc.start]:02x} at line {line}, column {column} "
            "(save the file as UTF-8)",
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise error(path, YAML, f"not valid YAML{_yaml_problem(exc)}") from None
    except RecursionError:
        raise error(path, YAML, "not valid YAML: nested too deeply") from None
    return {} if data is None else data


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    if mark is None:
        return ": " + " ".join(str(exc).split())
    problem = ", ".join(p for p in (getattr(exc, "context", None), exc.problem) if p)  # type: ignore[attr-defined]
    return f" at line {mark.line + 1}, column {mark.column + 1}: {problem}"


def validate(
    data: Any, model: type[M], file: str | Path, error: type[ConfigFileError] = ConfigFileError
) -> M:
    """`data` as an instance of `model` (a pydantic model or a dataclass), or `error` listing
    every problem with its field path."""
    try:
        return TypeAdapter(model).validate_python(data)
    except ValidationError as exc:
        problems = [(_field_path(e["loc"]), _message(model, e)) for e in exc.errors()]
        (field, message), *more = problems
        raise error(file, field, message, more) from None


def load_yaml_file(path: Any, model: type[M], error: type[ConfigFileError] = ConfigFileError) -> M:
    """Read, parse and validate one configuration file."""
    return validate(read_yaml(path, error), model, str(path), error)


def or_default(load: Callable[[], T], default: T) -> T:
    """`load()`, or `default` when its file does not validate, so that a bad file leaves out
    only what it defines. The error is logged here; the platform_configuration asset and
    `nexus status` show it to the user."""
    try:
        return load()
    except ConfigFileError as exc:
        log.error("configuration left out: %s", exc)
        return default


def _field_path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or ROOT


def _message(model: Any, error: Any) -> str:
    kind, value = error["type"], error.get("input")
    if kind in ("extra_forbidden", "unexpected_keyword_argument"):
        return _unknown_field(model, error["loc"])
    if kind in ("missing", "missing_argument"):
        return "required"
    if kind in ("model_type", "dataclass_type", "dict_type", "model_attributes_type"):
        return f"expected a mapping, got {_shown(value)}"
    if kind in ("value_error", "assertion_error"):
        return str(error["ctx"]["error"])
    text = error["msg"]
    return f"{text[:1].lower()}{text[1:]}, got {_shown(value)}"


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'}"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unknown_field(model: Any, loc: tuple) -> str:
    known = _fields_at(model, loc[:-1])
    if not known:
        return "unknown field"
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    if close:
        return f"unknown field; did you mean '{close[0]}'?"
    return f"unknown field; known: {', '.join(known)}"


def _fields_at(model: Any, loc: tuple) -> list[str]:
    """The field names of the section at `loc` (for a hint on a misspelt key), or []."""
    try:
        section = model
        for part in loc:
            section = _unwrap(section)  # a list's or tuple's items, for an index
            if isinstance(part, int):
                continue
            if typing.get_origin(section) is dict:
                section = typing.get_args(section)[1]
            else:
                section = _field_types(section)[part]
        return list(_field_types(_unwrap(section)))
    except (KeyError, IndexError, TypeError, NameError):
        return []


def _field_types(section: Any) -> dict[str, Any]:
    if isinstance(section, type) and issubclass(section, BaseModel):
        return {name: f.annotation for name, f in section.model_fields.items()}
    if dataclasses.is_dataclass(section):
        return typing.get_type_hints(section)
    raise TypeError(section)


def _unwrap(annotation: Any) -> Any:
    """`X` from `Annotated[X, ...]`, `X | None`, `list[X]` and `tuple[X, ...]`."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
            continue
        args = [a for a in typing.get_args(annotation) if a not in (type(None), Ellipsis)]
        if origin in (typing.Union, types.UnionType, tuple, list) and len(args) == 1:
            annotation = args[0]
        else:
            return annotation
