"""Describing the parts of an experiment as plain data: for `run.json` and the fingerprint.

`describe(module)` gives a Module's class and the value of every field, recursively. What
it covers, exactly:

- the class, by module and qualified name;
- every dataclass field: numbers, strings, tuples and None as they are; arrays by dtype,
  shape and values (up to 64 entries), larger arrays by a SHA-256 of their bytes; nested
  Modules likewise; a function by its module and qualified name;
- for a class defined outside jaxglia (your own population, task, readout or feature
  kind), a SHA-256 of its source code (`inspect.getsource`), so editing its methods gives
  a new fingerprint and a resumed sweep never mixes two versions of the model. A class
  whose source cannot be read (defined in an interactive session) is described by name
  and fields only.

Not covered: code a part calls outside its class (a helper function it imports), and
jaxglia's own code (its version is in `run.json`'s `versions`).
"""

import dataclasses
import functools
import hashlib
import inspect
import json
from typing import Any

import numpy as np


MAX_INLINE = 64


def describe(value: Any) -> Any:
    """A JSON-serialisable description of `value` (see the module docstring)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [describe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): describe(v) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        out: dict[str, Any] = {"class": f"{cls.__module__}.{cls.__qualname__}"}
        source = _source_hash(cls)
        if source is not None:
            out["source_sha256"] = source
        for field in dataclasses.fields(value):
            out[field.name] = describe(getattr(value, field.name, None))
        return out
    if hasattr(value, "shape") and hasattr(value, "dtype"):
        array = np.asarray(value)
        if array.dtype.kind == "V" or str(array.dtype).startswith("key"):
            return {"array": str(value)}
        if array.size <= MAX_INLINE:
            return {"dtype": str(array.dtype), "shape": list(array.shape),
                    "values": array.tolist()}  # fmt: skip
        digest = hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()
        return {"dtype": str(array.dtype), "shape": list(array.shape), "sha256": digest}
    if callable(value):
        name = getattr(value, "__qualname__", type(value).__qualname__)
        return {"function": f"{getattr(value, '__module__', '?')}.{name}"}
    return repr(value)


@functools.cache
def _source_hash(cls: type) -> str | None:
    if cls.__module__.split(".")[0] == "jaxglia":
        return None
    try:
        source = inspect.getsource(cls)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(source.encode()).hexdigest()


def fingerprint(description: Any) -> str:
    """A 16-hex-digit hash of a description."""
    text = json.dumps(description, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
