"""Ranges of values, declared once: the options (`_options.py`) and the Modules that take the
same parameters (`LIF`, `SynapticLIF`, `Connectivity`, `Tripartite`) check against the same
`Interval` objects, so the two can never disagree.

This module imports nothing from jaxglia, so every other module may import it.
"""

import dataclasses
import math
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A user's mistake in an option: names the option, the value and what is allowed."""

    def __init__(self, option: str, value: Any, allowed: str):
        self.option, self.value, self.allowed = option, value, allowed
        super().__init__(self._message())

    def _message(self) -> str:
        return f"{self.option}: got {self.value!r}; {self.allowed}"

    def named(self, option: str) -> "ConfigError":
        """The same error, the option named otherwise (as on the command line, say)."""
        return type(self)(option, self.value, self.allowed)


class RenamedOptionError(ConfigError):
    """An option given under a name it no longer has; `allowed` names the new one."""

    def _message(self) -> str:
        return f"{self.option}: {self.allowed}"


@dataclasses.dataclass(frozen=True)
class Interval:
    """The real numbers (or whole numbers, with `integer`) between `low` and `high`; a bound
    of `None` is absent, an open bound is excluded. Non-finite values are never inside."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False

    def contains(self, value: Any) -> bool:
        value = plain(value)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if self.integer and not isinstance(value, int):
            return False
        if not math.isfinite(value):
            return False
        if self.low is not None and not (value > self.low if self.low_open else value >= self.low):
            return False
        if self.high is not None:
            return value < self.high if self.high_open else value <= self.high
        return True

    def describe(self) -> str:
        """`in [0, 1]`, `> 0`, `a whole number >= 1`, ..."""
        low, high = _number(self.low), _number(self.high)
        if self.low is not None and self.high is not None:
            text = (
                f"in {'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"
            )
        elif self.low is not None:
            text = f"{'>' if self.low_open else '>='} {low}"
        elif self.high is not None:
            text = f"{'<' if self.high_open else '<='} {high}"
        else:
            text = "any finite number"
        return f"a whole number {text}" if self.integer else text

    def requirement(self) -> str:
        """What an error says: `must lie in [0, 1]`, `must be > 0`, ..."""
        text = self.describe()
        return f"must lie {text}" if text.startswith("in ") else f"must be {text}"

    def check(self, name: str, value: Any) -> None:
        """Raise `ConfigError(name, value, ...)` unless `value` lies in the interval."""
        if not self.contains(value):
            raise ConfigError(name, plain(value), self.requirement())

    def value(self, name: str, value: Any) -> Any:
        """`value` as the Python number it holds (`plain`), checked (`check`)."""
        self.check(name, value)
        value = plain(value)
        return value if self.integer else float(value)


def plain(value: Any) -> Any:
    """A NumPy or JAX scalar, or a 0-d array, as the Python number it holds (a NumPy bool as
    a bool, refused where a number is expected); anything else unchanged (a traced value
    too). So `np.int64(2)` is the whole number 2 wherever a Python number is accepted."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic) or getattr(value, "shape", None) == ():
        try:
            item = np.asarray(value).item()
        except Exception:  # noqa: BLE001 - a tracer has no value; leave it to the caller.
            return value
        if isinstance(item, bool | int | float):
            return item
    return value


def _number(x: float | None) -> str:
    if x is None:
        return ""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return f"{x:g}" if isinstance(x, float) else str(x)


# The ranges of parameters taken both by an option and by a Module.
POSITIVE = Interval(0.0, low_open=True)
NON_NEGATIVE = Interval(0.0)
COUNT = Interval(1, integer=True)
DECAY = Interval(0.0, 1.0)  # beta, alpha of LIF / SynapticLIF units
THRESHOLD = Interval(0.0, low_open=True)  # theta of LIF / SynapticLIF units
CONNECTION_PROBABILITY = Interval(0.0, 1.0, low_open=True)  # p_nn, ... of Connectivity
GAIN = Interval(0.0)  # gain_nn, ... of Connectivity
INPUT_SCALE = Interval(0.0)  # input_scale_* of Connectivity
COVERAGE_PROBABILITY = Interval(0.0, 1.0)  # Tripartite.p_third
MODULATION = Interval(-1.0)  # Tripartite.modulation: efficacies keep their sign
TRIPARTITE_DECAY = Interval(0.0, 1.0, high_open=True)  # Tripartite.decay
POOL_SIZE = Interval(1, integer=True)  # Tripartite.pool_size
WHOLE = Interval(0, integer=True)  # washout, transient, ...: counts that may be 0
TRAIN_FRACTION = Interval(0.0, 1.0, low_open=True, high_open=True)  # the chronological split
SEED = Interval(0, 2**32, high_open=True, integer=True)  # the root seed (a uint32)


def admits(interval: Interval, value: float) -> bool:
    """Whether a Module may hold `value`: inside `interval`, or +inf where the interval has
    no upper bound (an infinite threshold never fires, an infinite time constant never
    decays). Option values stay finite (`Interval.check`)."""
    return interval.contains(value) or (value == math.inf and interval.high is None)


def check_concrete(module: Any, ranges: dict[str, Interval]) -> None:
    """Check a Module's array fields against the options' ranges (`admits`), when concrete:
    under vmap or jit they are tracers, and nothing is checked."""
    try:
        arrays = {name: np.asarray(getattr(module, name)) for name in ranges}  # on the host
        extremes = {name: (float(a.min()), float(a.max())) for name, a in arrays.items()}
    except Exception:  # noqa: BLE001 - tracers cannot be converted; nothing to check then.
        return
    for name, values in extremes.items():
        for value in values:
            if not admits(ranges[name], value):
                raise ConfigError(name, value, ranges[name].requirement())
