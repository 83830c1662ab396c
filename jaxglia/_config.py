"""The configuration of a sweep (or of one network): every option, its default, its check."""

import dataclasses
import difflib
import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from ._lif import RESET_MODES
from ._random import MAX_ROWS
from ._simulate import FEATURE_KINDS
from ._systems import SYSTEMS
from ._tasks import split_sizes


class ConfigError(ValueError):
    """A user's mistake in an option: names the option, the value and what is allowed."""

    def __init__(self, option: str, value: Any, allowed: str):
        self.option, self.value, self.allowed = option, value, allowed
        super().__init__(f"{option}: got {value!r}; {allowed}")


ASTROCYTE_MODELS = ("lif", "synaptic", "tripartite", "li-rinzel")
TASKS = tuple(SYSTEMS)
READOUTS = ("mlp", "ridge")
PRESETS = ("quick", "paper")

# Options that decide *how* a sweep runs, not *what* it computes: they are left out of the
# fingerprint, so changing them never invalidates finished work.
EXECUTION_FIELDS = ("chunk_size", "block_size", "buckets", "memory_fraction")


@dataclasses.dataclass(frozen=True)
class SweepConfig:
    """Everything that defines a sweep over a grid of (neurons, astrocytes, replicates).

    Defaults are MODEL.md's quick grid. `seed` is the root seed; network (N, A, r) draws its
    reservoir, readout initialisation and minibatch order from `(seed, N, A, r)` alone, so a
    network's result does not depend on the grid it is run in.
    """

    # The grid.
    neurons: tuple[int, ...] = (0, 25, 50, 100)
    astrocytes: tuple[int, ...] = (0, 25, 50, 100, 200)
    seeds: int = 2
    seed: int = 0
    # The task.
    task: str = "lorenz"
    steps: int = 3000
    horizon: int = 1
    washout: int = 100
    train_fraction: float = 0.8
    dt: float | None = None  # None: the task's own sampling step (see `SYSTEMS`)
    transient: int | None = None  # None: the task's own
    forecast: bool = False  # closed-loop forecast over the test split after training
    # The units.
    beta_neurons: float = 0.9
    beta_astrocytes: float = 0.99
    threshold_neurons: float = 1.0
    threshold_astrocytes: float = 1.0
    reset: str = "subtract"
    astrocyte_model: str = "lif"
    alpha_astrocytes: float = 0.9  # synaptic-current decay of the "synaptic" astrocyte model
    # The "tripartite" model's gain modulation of neuron-to-neuron synapses.
    modulation: float = 1.0
    p_third: float = 0.5
    pool_size: int = 10
    # The "li-rinzel" model (NEST's astrocyte_lr_1994): time per step, input and output maps.
    step_ms: float = 10.0
    drive_scale: float = 2.4
    sic_scale: float = 0.1
    astrocyte_every: int = 1
    # The wiring (blocks named post-pre: `na` is neurons <- astrocytes).
    p_nn: float = 0.1
    p_na: float = 0.1
    p_an: float = 0.1
    p_aa: float = 0.1
    gain_nn: float = 1.0
    gain_na: float = 1.0
    gain_an: float = 1.0
    gain_aa: float = 1.0
    input_scale_neurons: float = 1.0
    input_scale_astrocytes: float = 1.0
    # The readout.
    readout: str = "mlp"
    features: str = "membrane"
    filter_decay: float = 0.9
    hidden: int = 64
    epochs: int = 50
    batch_size: int = 128
    learning_rate: float = 1e-3
    # Execution (not part of the fingerprint).
    chunk_size: int = 0
    block_size: int = 0
    buckets: int = 0
    memory_fraction: float = 0.5

    def __post_init__(self):
        # Sizes may be given as any sequence, a range, one int or a "0:200:50" string.
        for name in ("neurons", "astrocytes"):
            value = getattr(self, name)
            if not isinstance(value, tuple):
                object.__setattr__(self, name, parse_sizes(value, name))
        validate(self)

    @property
    def grid(self) -> list[tuple[int, int, int]]:
        """Every network (N, A, replicate) of the grid, (0, 0) left out, in a fixed order."""
        return [
            (n, a, r)
            for n in sorted(set(self.neurons))
            for a in sorted(set(self.astrocytes))
            if n + a > 0
            for r in range(self.seeds)
        ]

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _plain(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def fingerprint(self) -> str:
        """A hash of every option that changes results (execution options left out)."""
        science = {k: v for k, v in self.to_dict().items() if k not in EXECUTION_FIELDS}
        return hashlib.sha256(json.dumps(science, sort_keys=True).encode()).hexdigest()[:16]

    def replace(self, **changes: Any) -> "SweepConfig":
        return dataclasses.replace(self, **changes)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, source: str = "config") -> "SweepConfig":
        """Build from a mapping (a TOML table, CLI options); unknown keys are refused."""
        names = {f.name for f in dataclasses.fields(cls)}
        clean: dict[str, Any] = {}
        for key, value in values.items():
            key_norm = key.replace("-", "_")
            if key_norm == "preset":
                continue
            if key_norm not in names:
                raise ConfigError(f"{source} key {key!r}", value, _suggest(key_norm, names))
            clean[key_norm] = value
        base = preset(values["preset"]) if "preset" in values else cls()
        return dataclasses.replace(base, **_coerce(clean))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def _suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"allowed: {', '.join(sorted(choices))}{hint}"


def preset(name: str) -> SweepConfig:
    """The named grids of MODEL.md: `quick` (the default) and `paper` (845 networks)."""
    if name == "quick":
        return SweepConfig()
    if name == "paper":
        return SweepConfig(
            neurons=tuple(range(0, 301, 25)),
            astrocytes=tuple(range(0, 601, 50)),
            seeds=5,
            steps=10_000,
            epochs=100,
        )
    raise ConfigError("preset", name, _suggest(name, PRESETS))


def parse_sizes(text: str | Sequence[int] | int, option: str) -> tuple[int, ...]:
    """Parse `0,25,50`, `0:200:50` (stop included) or a mix `0,10:50:20` into sizes."""
    if isinstance(text, bool):
        raise ConfigError(option, text, "expected whole numbers")
    if isinstance(text, int):
        return (text,)
    if not isinstance(text, str):
        values = tuple(text)
        for v in values:
            if isinstance(v, bool) or not isinstance(v, int):
                raise ConfigError(option, list(values), "expected a list of whole numbers")
        return values
    sizes: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            raise ConfigError(
                option, text, "expected a comma list like 0,25,50 or a range 0:200:50"
            )
        if ":" in part:
            fields = part.split(":")
            if len(fields) not in (2, 3):
                raise ConfigError(option, text, "a range is start:stop or start:stop:step")
            try:
                start, stop = int(fields[0]), int(fields[1])
                step = int(fields[2]) if len(fields) == 3 else 1
            except ValueError:
                raise ConfigError(option, text, "range bounds must be whole numbers") from None
            if step <= 0:
                raise ConfigError(option, text, "a range's step must be > 0")
            if stop < start:
                raise ConfigError(
                    option, text, "a range's stop must be >= its start (stop is included)"
                )
            sizes.extend(range(start, stop + 1, step))
        else:
            try:
                sizes.append(int(part))
            except ValueError:
                raise ConfigError(option, text, "sizes must be whole numbers") from None
    return tuple(sizes)


def _type_name(annotation: Any) -> str:
    name = getattr(annotation, "__name__", None) if isinstance(annotation, type) else None
    return (name or str(annotation)).replace(" ", "")


_FIELD_TYPES = {f.name: _type_name(f.type) for f in dataclasses.fields(SweepConfig)}
_INT_FIELDS = {k for k, t in _FIELD_TYPES.items() if t in ("int", "int|None")}
_FLOAT_FIELDS = {k for k, t in _FIELD_TYPES.items() if t in ("float", "float|None")}
_BOOL_FIELDS = {k for k, t in _FIELD_TYPES.items() if t == "bool"}
_OPTIONAL_FIELDS = {k for k, t in _FIELD_TYPES.items() if t.endswith("|None")}


def _coerce(values: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in values.items():
        if key in ("neurons", "astrocytes"):
            value = parse_sizes(value, key)
        elif value is None and key in _OPTIONAL_FIELDS:
            pass
        elif key in _BOOL_FIELDS:
            if not isinstance(value, bool):
                raise ConfigError(key, value, "expected true or false")
        elif key in _INT_FIELDS:
            if isinstance(value, bool) or not (
                isinstance(value, int) or (isinstance(value, float) and value.is_integer())
            ):
                raise ConfigError(key, value, "expected a whole number")
            value = int(value)
        elif key in _FLOAT_FIELDS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConfigError(key, value, "expected a number")
            value = float(value)
        out[key] = value
    return out


def _check_range(name, value, low=None, high=None, *, low_open=False, high_open=False):
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if ok and low is not None:
        ok = value > low if low_open else value >= low
    if ok and high is not None:
        ok = value < high if high_open else value <= high
    if not ok:
        lo = "" if low is None else ("(" if low_open else "[") + f"{low}"
        hi = "" if high is None else f"{high}" + (")" if high_open else "]")
        if low is not None and high is not None:
            allowed = f"must lie in {lo}, {hi}"
        elif low is not None:
            allowed = f"must be {'>' if low_open else '>='} {low}"
        else:
            allowed = f"must be {'<' if high_open else '<='} {high}"
        raise ConfigError(name, value, allowed)


def validate(cfg: SweepConfig) -> None:
    """Check every option; raise `ConfigError` naming the first bad one."""
    for name in ("neurons", "astrocytes"):
        sizes = getattr(cfg, name)
        if not isinstance(sizes, tuple) or len(sizes) == 0:
            raise ConfigError(name, sizes, "expected at least one size")
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise ConfigError(name, s, "sizes must be whole numbers >= 0")
            if s >= MAX_ROWS:
                # Random draws are hashed from a unit's index within its population in 24
                # bits (`_random.py`): larger populations would repeat weights silently.
                raise ConfigError(name, s, f"sizes must be below {MAX_ROWS}")
    for name in ("seeds", "steps", "epochs", "hidden", "batch_size", "horizon"):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(name, value, "must be a whole number >= 1")
    for name in ("seed", "washout", "transient", "chunk_size", "block_size", "buckets"):
        value = getattr(cfg, name)
        if value is None and name in _OPTIONAL_FIELDS:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(name, value, "must be a whole number >= 0")
    for name in ("pool_size", "astrocyte_every"):
        value = getattr(cfg, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(name, value, "must be a whole number >= 1")
    _check_range("step_ms", cfg.step_ms, 0.0, low_open=True)
    for name in ("drive_scale", "sic_scale"):
        _check_range(name, getattr(cfg, name), 0.0)
    if not isinstance(cfg.forecast, bool):
        raise ConfigError("forecast", cfg.forecast, "expected true or false")
    if not cfg.grid:
        raise ConfigError(
            "neurons/astrocytes", "(0, 0) only", "the grid needs a network with N + A > 0"
        )
    if cfg.seed >= 2**32:
        raise ConfigError("seed", cfg.seed, "must be < 2**32")
    if cfg.washout >= cfg.steps:
        raise ConfigError("washout", cfg.washout, f"must be smaller than steps ({cfg.steps})")
    _check_range("train_fraction", cfg.train_fraction, 0.0, 1.0, low_open=True, high_open=True)
    num_train, num_test = split_sizes(cfg.steps, cfg.washout, cfg.train_fraction)
    if num_test < 1:
        raise ConfigError("train_fraction", cfg.train_fraction, "leaves no test samples")
    if num_train < cfg.batch_size:
        raise ConfigError(
            "batch_size",
            cfg.batch_size,
            f"must not exceed the {num_train} training samples (steps - washout) * train_fraction",
        )
    if cfg.task not in TASKS:
        raise ConfigError("task", cfg.task, _suggest(str(cfg.task), TASKS))
    system = SYSTEMS[cfg.task]
    if cfg.dt is not None:
        _check_range("dt", cfg.dt, 0.0, low_open=True)
        if not system.autonomous and cfg.dt != 1.0:
            raise ConfigError("dt", cfg.dt, f"the discrete task {cfg.task!r} has dt = 1 only")
    if not system.autonomous and cfg.horizon != 1:
        raise ConfigError(
            "horizon", cfg.horizon, f"must be 1 for {cfg.task!r} (its target is its output)"
        )
    if cfg.forecast and not system.autonomous:
        raise ConfigError(
            "forecast", True, f"closed-loop forecasting needs an autonomous task, not {cfg.task!r}"
        )
    if cfg.forecast and cfg.horizon != 1:
        raise ConfigError(
            "forecast",
            True,
            "closed-loop forecasting needs horizon 1 (the prediction is the next input)",
        )
    _check_range("p_third", cfg.p_third, 0.0, 1.0)
    _check_range("modulation", cfg.modulation, -1.0)
    for name in ("beta_neurons", "beta_astrocytes", "alpha_astrocytes"):
        _check_range(name, getattr(cfg, name), 0.0, 1.0)
    for name in ("threshold_neurons", "threshold_astrocytes"):
        _check_range(name, getattr(cfg, name), 0.0, low_open=True)
    for name in ("p_nn", "p_na", "p_an", "p_aa"):
        _check_range(name, getattr(cfg, name), 0.0, 1.0, low_open=True)
    for name in ("gain_nn", "gain_na", "gain_an", "gain_aa"):
        _check_range(name, getattr(cfg, name), 0.0)
    for name in ("input_scale_neurons", "input_scale_astrocytes"):
        _check_range(name, getattr(cfg, name), 0.0)
    _check_range("filter_decay", cfg.filter_decay, 0.0, 1.0, high_open=True)
    _check_range("learning_rate", cfg.learning_rate, 0.0, low_open=True)
    _check_range("memory_fraction", cfg.memory_fraction, 0.0, 1.0, low_open=True)
    for name, allowed in (
        ("reset", RESET_MODES),
        ("features", FEATURE_KINDS),
        ("astrocyte_model", ASTROCYTE_MODELS),
        ("readout", READOUTS),
    ):
        value = getattr(cfg, name)
        if value not in allowed:
            raise ConfigError(name, value, _suggest(str(value), allowed))
