"""A policy as JSON-safe data and back (R-COMPLAINT-87: each version is stored).

`policy_to_dict` gives only str / int / bool / None / list / dict values (durations as decimal
strings, enums as their values, sets as sorted lists) so the result can go into a JSON column;
`policy_from_dict(policy_to_dict(p)) == p` for every policy.

Loading follows the dataclass type hints, so a field added later loads from an older stored
version with its default; unknown keys are ignored. Structural problems (wrong type, unknown
enum value, missing required field) raise PolicyError naming the path; value problems (a
negative duration, an unknown level code) are left to `validate_policy`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import cache
from typing import Any, Final

from . import model
from .model import Policy, PolicyError

FORMAT: Final = 1  # the dict layout version, stored as "format"


def _dump(value: object) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, frozenset):
        return sorted((_dump(item) for item in value), key=str)
    if isinstance(value, tuple | list):
        return [_dump(item) for item in value]
    if isinstance(value, Mapping):
        return {str(_dump(key)): _dump(item) for key, item in value.items()}
    raise TypeError(f"cannot serialise {type(value).__name__}")  # pragma: no cover


def policy_to_dict(policy: Policy) -> dict[str, Any]:
    """The policy as JSON-safe data (with `"format": 1`)."""
    data: dict[str, Any] = _dump(policy)
    data["format"] = FORMAT
    return data


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls, vars(model))


def _fail(path: str, message: str) -> PolicyError:
    return PolicyError(f"{path or '方案'}：{message}")


def _load(tp: Any, data: Any, path: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is typing.Union or origin is types.UnionType:
        if data is None and type(None) in args:
            return None
        (inner,) = (arg for arg in args if arg is not type(None))
        return _load(inner, data, path)
    if tp is Any:
        return data
    if tp is Decimal:
        if isinstance(data, bool) or not isinstance(data, str | int):
            raise _fail(path, "应为数字字符串")
        try:
            return Decimal(str(data))
        except InvalidOperation:
            raise _fail(path, f"“{data}”不是数字") from None
    if tp is bool:
        if not isinstance(data, bool):
            raise _fail(path, "应为是/否")
        return data
    if tp is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise _fail(path, "应为整数")
        return data
    if tp is str:
        if not isinstance(data, str):
            raise _fail(path, "应为文字")
        return data
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError:
            raise _fail(path, f"未知的取值“{data}”") from None
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _load_dataclass(tp, data, path)
    if origin is tuple:
        if not isinstance(data, list):
            raise _fail(path, "应为列表")
        return tuple(_load(args[0], item, f"{path}[{i}]") for i, item in enumerate(data))
    if origin is frozenset:
        if not isinstance(data, list):
            raise _fail(path, "应为列表")
        return frozenset(_load(args[0], item, f"{path}[{i}]") for i, item in enumerate(data))
    if origin is Mapping or origin is dict:
        if not isinstance(data, dict):
            raise _fail(path, "应为键值表")
        key_type, value_type = args
        return {
            _load(key_type, key, f"{path}.{key}"): _load(value_type, item, f"{path}.{key}")
            for key, item in data.items()
        }
    raise TypeError(f"unsupported type {tp!r}")  # pragma: no cover


def _load_dataclass(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise _fail(path, "应为键值表")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        where = f"{path}.{f.name}" if path else f.name
        if f.name in data:
            kwargs[f.name] = _load(hints[f.name], data[f.name], where)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise _fail(where, "缺少此项")
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as exc:
        raise _fail(path, str(exc)) from exc


def policy_from_dict(data: Mapping[str, Any]) -> Policy:
    """The policy stored by `policy_to_dict`; PolicyError for a malformed dict."""
    if not isinstance(data, Mapping):
        raise PolicyError("投诉处理方案数据应为键值表")
    stored_format = data.get("format", FORMAT)
    if stored_format != FORMAT:
        raise PolicyError(f"不支持的投诉处理方案数据格式“{stored_format}”")
    policy = _load_dataclass(Policy, dict(data), "")
    if not isinstance(policy, Policy):  # pragma: no cover - narrows the type for mypy
        raise TypeError("not a policy")
    return policy
