"""The configuration of a sweep (or of one network): `SweepConfig`, made from the option
table of `_options.py` (fields, defaults, per-option checks), plus the checks that relate
several options."""

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ._options import (
    ASTROCYTE_MODELS as ASTROCYTE_MODELS,
    BY_NAME,
    EXECUTION_FIELDS as EXECUTION_FIELDS,
    OPTIONS,
    READOUTS as READOUTS,
    RENAMED,
    TASKS as TASKS,
    check,
    coerce,
    parse_sizes as parse_sizes,
    suggest,
)
from ._ranges import ConfigError as ConfigError, RenamedOptionError
from ._systems import SYSTEMS
from ._tasks import split_sizes


PRESETS = ("quick", "paper")


class _SweepConfigMethods:
    """Everything that defines a sweep over a grid of (neurons, astrocytes, replicates).

    Defaults are MODEL.md's quick grid; every field is an option of `_options.OPTIONS` (see
    the README's option reference). `seed` is the root seed; network (N, A, r) draws its
    reservoir, readout initialisation and minibatch order from `(seed, N, A, r)` alone, so a
    network's result does not depend on the grid it is run in.
    """

    def __new__(cls, *args: Any, **options: Any):
        for old in RENAMED.keys() & options.keys():  # a clearer error than a TypeError
            raise RenamedOptionError(old, options[old], RENAMED[old].message())
        return super().__new__(cls)

    def __post_init__(self):
        for option in OPTIONS:
            value = getattr(self, option.name)
            # Sizes may be given as any sequence, a range, one int or a "0:200:50" string.
            if option.type is tuple and not isinstance(value, tuple):
                object.__setattr__(self, option.name, parse_sizes(value, option.name))
            # A whole number given for a real option is that real (one fingerprint for both).
            elif option.type is float and type(value) is int:
                object.__setattr__(self, option.name, float(value))
        validate(self)  # type: ignore[arg-type]

    @property
    def grid(self) -> list[tuple[int, int, int]]:
        """Every network (N, A, replicate) of the grid, (0, 0) left out, in a fixed order."""
        from ._experiment import grid_networks

        s: Any = self
        return grid_networks(s.neurons, s.astrocytes, s.replicates)

    def to_dict(self) -> dict[str, Any]:
        """Every option by name, as `run.json` stores it (tuples as lists)."""
        return {o.name: _plain(getattr(self, o.name)) for o in OPTIONS}

    def science(self) -> dict[str, Any]:
        """Every option that changes results (execution options left out)."""
        return {k: v for k, v in self.to_dict().items() if BY_NAME[k].changes_results}

    def fingerprint(self) -> str:
        """The fingerprint of the sweep this config runs (`jaxglia.sweep`'s): a hash of
        every option that changes results, the experiment they build and its networks."""
        from ._experiment import Experiment, sweep_fingerprint

        experiment = Experiment.from_config(self)  # type: ignore[arg-type]
        return sweep_fingerprint(experiment, self.grid, self.science())

    def replace(self, **changes: Any) -> "SweepConfig":
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], *, source: str = "config") -> "SweepConfig":
        """Build from a mapping (a TOML table, a run.json config, CLI options): keys are
        option names (`-` may stand for `_`), plus `preset`; unknown and renamed keys are
        refused."""
        clean: dict[str, Any] = {}
        for key, value in values.items():
            name = key.replace("-", "_")
            if name == "preset":
                continue
            if name in RENAMED:
                raise RenamedOptionError(name, value, RENAMED[name].message())
            if name not in BY_NAME:
                raise ConfigError(f"{source} key {key!r}", value, suggest(name, BY_NAME))
            clean[name] = coerce(BY_NAME[name], value)
        base = preset(values["preset"]) if "preset" in values else SweepConfig()
        return dataclasses.replace(base, **clean)  # type: ignore[type-var]


if TYPE_CHECKING:  # the fields are made from `OPTIONS`, so a checker sees them as `Any`

    class SweepConfig(_SweepConfigMethods):
        __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

        def __init__(self, **options: Any) -> None: ...
        def __getattr__(self, name: str) -> Any: ...
else:
    SweepConfig = dataclasses.make_dataclass(
        "SweepConfig",
        [(o.name, o.annotation, dataclasses.field(default=o.default)) for o in OPTIONS],
        bases=(_SweepConfigMethods,),
        namespace={"__module__": __name__, "__doc__": _SweepConfigMethods.__doc__},
        frozen=True,
        kw_only=True,
    )


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def preset(name: str) -> SweepConfig:
    """The named grids of MODEL.md: `quick` (the default) and `paper` (840 networks: 13 x 13
    sizes x 5 replicates, (0, 0) left out)."""
    if name == "quick":
        return SweepConfig()
    if name == "paper":
        return SweepConfig(
            neurons=tuple(range(0, 301, 25)),
            astrocytes=tuple(range(0, 601, 50)),
            replicates=5,
            steps=10_000,
            epochs=100,
        )
    raise ConfigError("preset", name, suggest(name, PRESETS))


def validate(cfg: SweepConfig) -> None:
    """Check every option, then how they fit together; raise `ConfigError` naming the first
    bad one."""
    for option in OPTIONS:
        check(option, getattr(cfg, option.name))
    # How options fit together.
    if not cfg.grid:
        raise ConfigError(
            "neurons/astrocytes", "(0, 0) only", "the grid needs a network with N + A > 0"
        )
    if cfg.washout >= cfg.steps:
        raise ConfigError("washout", cfg.washout, f"must be smaller than steps ({cfg.steps})")
    num_train, num_test = split_sizes(cfg.steps, cfg.washout, cfg.train_fraction)
    if num_test < 1:
        raise ConfigError("train_fraction", cfg.train_fraction, "leaves no test samples")
    if num_train < cfg.batch_size:
        raise ConfigError(
            "batch_size",
            cfg.batch_size,
            f"must not exceed the {num_train} training samples (steps - washout) * train_fraction",
        )
    system = SYSTEMS[cfg.task]
    if cfg.dt is not None and not system.autonomous and cfg.dt != 1.0:
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
