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
    SHORTHANDS,
    TASKS as TASKS,
    check,
    coerce,
    parse_sizes as parse_sizes,
    suggest,
)
from ._ranges import ConfigError as ConfigError, RenamedOptionError, plain
from ._systems import SYSTEMS, check_sampling
from ._tasks import System, check_length, check_split


PRESETS = ("quick", "paper")
MAX_REPLICATES = 2**31 - 1
MAX_NETWORKS = 1_000_000  # in one sweep (the paper's grid has 840)


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
            if plain(value) is not value:  # NumPy scalars and 0-d arrays: their number
                value = plain(value)
                object.__setattr__(self, option.name, value)
            # Sizes may be given as any sequence, a range, one int or a "0:200:50" string.
            if option.type is tuple and not (
                isinstance(value, tuple) and all(type(v) is int for v in value)
            ):
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
        the experiment its options build and of its networks."""
        from ._experiment import Experiment, sweep_fingerprint

        experiment = Experiment.from_config(self)  # type: ignore[arg-type]
        return sweep_fingerprint(experiment, self.grid)

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
            if name in SHORTHANDS:
                names = ", ".join(SHORTHANDS[name][1])
                raise ConfigError(f"{source} key {key!r}", value, "a command-line shorthand; "
                                  f"in a config give each of {names}")  # fmt: skip
            if name not in BY_NAME and isinstance(value, dict):
                raise ConfigError(f"{source} key {key!r}", value, "a table; options are "
                                  "top-level keys (beta_neurons = 0.9)")  # fmt: skip
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
    raise ConfigError("preset", name, suggest(str(name), PRESETS))


def validate(cfg: SweepConfig) -> None:
    """Check every option, then how they fit together; raise `ConfigError` naming the first
    bad one."""
    for option in OPTIONS:
        check(option, getattr(cfg, option.name))
    # How options fit together.
    if not any(n + a > 0 for n in cfg.neurons for a in cfg.astrocytes):  # (grid not built)
        raise ConfigError(
            "neurons/astrocytes", "(0, 0) only", "the grid needs a network with N + A > 0"
        )
    if cfg.replicates > MAX_REPLICATES:  # a replicate is a 32-bit index of the draws
        raise ConfigError("replicates", cfg.replicates, f"must be <= {MAX_REPLICATES}")
    count = len(set(cfg.neurons)) * len(set(cfg.astrocytes)) * cfg.replicates
    if count > MAX_NETWORKS:  # before the grid's list is built (it would fill the memory)
        raise ConfigError(
            "neurons/astrocytes/replicates", f"{count} networks",
            f"at most {MAX_NETWORKS:,} networks in one sweep; split the grid",
        )  # fmt: skip
    # The options set (not at their defaults) are the ones an error names first.
    changed = {o.name for o in OPTIONS if getattr(cfg, o.name) != o.default}
    batch_size = cfg.batch_size if cfg.readout == "mlp" else None  # only the MLP has batches
    check_split(
        cfg.steps, cfg.washout, cfg.train_fraction, batch_size, horizon=cfg.horizon,
        changed=changed,
    )  # fmt: skip
    system = SYSTEMS[cfg.task]
    # The system's own checks (dt of a discrete task), and the series' length.
    check_length(System(cfg.task, cfg.dt, cfg.transient), cfg.steps, cfg.horizon)
    if cfg.dt is not None and system.autonomous:
        check_sampling(cfg.task, cfg.dt)  # Mackey-Glass: dt on the delay's grid
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
