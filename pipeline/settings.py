"""Settings given as text (``NAME:key=value,...`` for ``--pruner`` and ``--sampler-option``), parsed and
type-checked against the class they configure, so a bad value is refused before anything is stored."""

from __future__ import annotations

import inspect
from typing import Any


def parse_settings(text: str, *, what: str) -> tuple[str, dict[str, Any]]:
    """``NAME:key=value,key=value`` → ``(NAME, {key: value})``: numbers become numbers, true/false booleans."""
    from pipeline.errors import UsageError

    name, _, rest = text.partition(":")
    settings: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"bad {what} setting {item!r} (write NAME:key=value,key=value)")
        settings[key.strip()] = _value(value.strip())
    return name.strip(), settings


def _value(value: str) -> Any:
    words = {"true": True, "false": False, "none": None}
    if value.lower() in words:
        return words[value.lower()]
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value


def expected_type(cls: type, parameter: str, declared: dict[str, str | None]) -> str | None:
    """What a setting must be: as ``declared`` for it, else judged by its default in ``cls``'s signature —
    ``"true or false"``, ``"an integer"``, ``"a number"`` — or None (anything)."""
    if parameter in declared:
        return declared[parameter]
    default = inspect.signature(cls).parameters[parameter].default
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "an integer"
    if isinstance(default, float):
        return "a number"
    return None


def matches(value: Any, expected: str) -> bool:
    """Whether ``value`` is what :func:`expected_type` asked for (booleans are not numbers here)."""
    if expected == "true or false":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if expected == "an integer or 'auto'":
        return value == "auto" or isinstance(value, int)
    return isinstance(value, int) if expected == "an integer" else isinstance(value, (int, float))
