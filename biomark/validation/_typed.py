"""Plain data <-> frozen dataclasses, and JSON Schema, driven by the dataclasses' type hints.

The machinery behind :mod:`biomark.validation.schema`. Supported hints: ``int``, ``float``, ``str``,
``bool``, ``None``, ``Any``, ``numpy.ndarray`` (a list of numbers), ``list[X]``, ``tuple[X, ...]``,
``dict[str, X]``, unions of these, and dataclasses. Two pieces of field metadata shape the layout:

* ``{"omit": True}`` (with default ``None``): the key is left out of the plain data when the value is
  ``None`` (a section that was not requested, e.g. ``binary`` in a survival run);
* ``{"flatten": True}``: the fields of an embedded dataclass (a :mod:`biomark.stats` result, kept as
  it is) are written at the level of the enclosing one;
* ``{"key": "name"}``: the key used in the plain data when it differs from the field name.

A float is a ``number`` in JSON, ``null`` where it is not a number (nan) and, in the embedded
:mod:`biomark.stats` results, the string ``"inf"`` or ``"-inf"`` (e.g. pROC's outermost thresholds).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Union

import numpy as np


class SchemaError(ValueError):
    """Plain data that does not follow the typed layout (the message names the path)."""


class Embeds:
    """Mixin: attributes of the flattened (embedded) results read through the section that holds them.

    ``section.roc.auc`` is ``section.roc.result.auc``, as ``roc.auc`` is a key of the JSON.
    """

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.metadata.get("flatten"):
                inner = object.__getattribute__(self, f.name)
                if hasattr(inner, name):
                    return getattr(inner, name)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


def _key(f: dataclasses.Field) -> str:
    return f.metadata.get("key", f.name)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@functools.cache
def _keys(cls: type) -> tuple[frozenset[str], frozenset[str]]:
    """(all keys, required keys) of ``cls`` in the plain layout, flattened fields included."""
    every: set[str] = set()
    required: set[str] = set()
    for f in dataclasses.fields(cls):
        if f.metadata.get("flatten"):
            a, r = _keys(_hints(cls)[f.name])
            every |= a
            required |= r
            continue
        every.add(_key(f))
        if not f.metadata.get("omit") and f.default is dataclasses.MISSING:
            required.add(_key(f))
    return frozenset(every), frozenset(required)


def _union_args(tp: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(tp) in (Union, types.UnionType):
        return typing.get_args(tp)
    return None


_SCALARS = (float, int, str, bool, type(None))


@functools.cache
def _plain_item(tp: Any) -> bool:
    """True when :func:`from_plain` returns any value of type ``tp`` unchanged: a scalar or a union of scalars."""
    if tp is Any or tp in _SCALARS:
        return True
    args = _union_args(tp)
    return args is not None and all(a in _SCALARS for a in args)


def to_plain(obj: Any) -> Any:
    """A typed value as plain, JSON-ready data (dataclasses -> dicts in field order)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            v = getattr(obj, f.name)
            if f.metadata.get("flatten"):
                out.update(to_plain(v))
            elif not (f.metadata.get("omit") and v is None):
                out[_key(f)] = to_plain(v)
        return out
    if isinstance(obj, dict):
        return {k: to_plain(v) for k, v in obj.items()}
    if isinstance(obj, np.ndarray):
        obj = obj.tolist()
        if not isinstance(obj, list):
            return obj
    if isinstance(obj, list | tuple):
        if all(type(v) is float or type(v) is int for v in obj):  # numbers: nothing to convert
            return list(obj)
        return [to_plain(v) for v in obj]
    return obj


def fits(cls: type, value: Any) -> bool:
    """Whether ``value`` (plain) has exactly the keys of dataclass ``cls``: all required, none unknown."""
    if not isinstance(value, dict):
        return False
    every, required = _keys(cls)
    return required <= value.keys() <= every


def _best(classes: list[type], value: Any, strict: bool) -> type | None:
    """The dataclass of a union that ``value`` is: the exact fit, or (lenient) the one sharing most keys."""
    for a in classes:
        if fits(a, value):
            return a
    if strict or not isinstance(value, dict) or not classes:
        return None
    overlap = [len(value.keys() & _keys(a)[0]) for a in classes]
    return classes[overlap.index(max(overlap))] if max(overlap) > 0 or not value else None


def from_plain(tp: Any, value: Any, path: str = "$", *, strict: bool = True) -> Any:
    """Plain data read as type ``tp``.

    ``strict`` (results written by biomark): a missing or unknown key raises :class:`SchemaError`.
    Otherwise (a partial or hand-made result, as the report reads it): a missing key is ``None``, an
    unknown key is ignored, a union member is the dataclass that shares most keys with the data.
    """
    if tp is Any:
        return value
    args = _union_args(tp)
    if args is not None:
        if value is None and (type(None) in args or not strict):
            return None
        classes = [a for a in args if dataclasses.is_dataclass(a)]
        best = _best(classes, value, strict)
        if best is not None:
            return from_plain(best, value, path, strict=strict)
        others = [a for a in args if a is not type(None) and not dataclasses.is_dataclass(a)]
        if others:
            return from_plain(others[0], value, path, strict=strict)
        raise SchemaError(f"{path}: fits none of {', '.join(a.__name__ for a in classes)}"
                          + (f" (keys: {', '.join(sorted(value))})" if isinstance(value, dict) else ""))
    if value is None and not strict:
        return None
    if dataclasses.is_dataclass(tp):
        return _dataclass_from_plain(tp, value, path, strict)
    origin = typing.get_origin(tp)
    if origin in (list, tuple) or tp is np.ndarray:
        if not isinstance(value, list):
            raise SchemaError(f"{path}: expected a list, got {type(value).__name__}")
        item = typing.get_args(tp)[0] if origin else Any
        if _plain_item(item):  # numbers, strings: read as they are (what from_plain returns for each)
            return tuple(value) if origin is tuple else list(value)
        items = [from_plain(item, v, f"{path}[{i}]", strict=strict) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(f"{path}: expected an object, got {type(value).__name__}")
        item = typing.get_args(tp)[1]
        return {k: from_plain(item, v, f"{path}.{k}", strict=strict) for k, v in value.items()}
    return value


def _dataclass_from_plain(cls: type, value: Any, path: str, strict: bool) -> Any:
    if not isinstance(value, dict):
        raise SchemaError(f"{path}: expected an object ({cls.__name__}), got {type(value).__name__}")
    every, required = _keys(cls)
    unknown, missing = value.keys() - every, required - value.keys()
    if strict and (unknown or missing):
        raise SchemaError(f"{path} ({cls.__name__}): " + "; ".join(
            s for s in (f"unknown keys {sorted(unknown)}" if unknown else "",
                        f"missing keys {sorted(missing)}" if missing else "") if s))
    kw: dict[str, Any] = {}
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("flatten"):
            sub = hints[f.name]
            part = {k: v for k, v in value.items() if k in _keys(sub)[0]}
            kw[f.name] = _dataclass_from_plain(sub, part, path, strict)
        elif _key(f) in value:
            kw[f.name] = from_plain(hints[f.name], value[_key(f)], f"{path}.{_key(f)}", strict=strict)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            kw[f.name] = None  # lenient: absent
    return cls(**kw)


_NUMBER = {"anyOf": [{"type": ["number", "null"]}, {"enum": ["inf", "-inf"]}]}
_SCALARS: dict[Any, dict[str, Any]] = {float: _NUMBER, int: {"type": "integer"}, str: {"type": "string"},
                                       bool: {"type": "boolean"}, type(None): {"type": "null"}, Any: {}}


def json_schema(root: type, *, schema_id: str, title: str) -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of dataclass ``root``; every dataclass becomes one entry of ``$defs``."""
    defs: dict[str, Any] = {}
    top = _schema_of(root, defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title,
            **top, "$defs": dict(sorted(defs.items()))}


def _schema_of(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if tp is np.ndarray:
        return {"type": "array", "items": _NUMBER}
    args = _union_args(tp)
    if args is not None:
        return {"anyOf": [_schema_of(a, defs) for a in args]}
    if dataclasses.is_dataclass(tp):
        name = tp.__name__
        if name not in defs:
            defs[name] = {}  # reserved first: a dataclass that refers to itself resolves to this $ref
            defs[name] = _object_schema(tp, defs)
        return {"$ref": f"#/$defs/{name}"}
    origin = typing.get_origin(tp)
    if origin in (list, tuple):
        return {"type": "array", "items": _schema_of(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema_of(typing.get_args(tp)[1], defs)}
    raise TypeError(f"no JSON Schema for type {tp!r}")


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    props: dict[str, Any] = {}
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        if f.metadata.get("flatten"):
            props.update(_object_schema(hints[f.name], defs)["properties"])
        else:
            props[_key(f)] = _schema_of(hints[f.name], defs)
    doc = (cls.__doc__ or "").strip().split("\n")[0]
    out = {"type": "object", "description": doc, "properties": dict(sorted(props.items())),
           "required": sorted(_keys(cls)[1]), "additionalProperties": False}
    return out
