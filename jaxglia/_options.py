"""Every option of a sweep, declared once.

`OPTIONS` is the one table: each option's name, type, default, meaning, group and allowed
values (a range or choices), and whether it changes results. Everything else is derived from
it: the fields and defaults of `SweepConfig`, the coercion of TOML/JSON keys, the per-option
checks, the fingerprint, the `jaxglia run|sweep|baselines` parsers and their `--help`, and the
README's option reference (`options_markdown`). An option added here reaches all of them.
"""

import dataclasses
import difflib
from collections.abc import Sequence
from typing import Any

from ._experiment import ASTROCYTE_MODELS as _MODELS, READOUTS as _READOUTS
from ._lif import RESET_MODES
from ._random import MAX_ROWS
from ._ranges import (
    CONNECTION_PROBABILITY,
    COUNT,
    COVERAGE_PROBABILITY,
    DECAY,
    GAIN,
    INPUT_SCALE,
    MODULATION,
    NON_NEGATIVE,
    POOL_SIZE,
    POSITIVE,
    SEED,
    THRESHOLD,
    TRAIN_FRACTION,
    TRIPARTITE_DECAY,
    WHOLE,
    ConfigError,
    Interval,
    plain,
)
from ._readout._mlp import PRECISIONS
from ._simulate import FEATURE_KINDS
from ._sparse import AUTO_RATIO, DENSE_LIMIT, FORMS, IN_DEGREE
from ._systems import SYSTEMS


ASTROCYTE_MODELS = tuple(_MODELS)
TASKS = tuple(SYSTEMS)
READOUTS = tuple(_READOUTS)
COMMANDS = ("run", "sweep", "baselines")

# Ranges of options no Module takes.
# Random draws are hashed from a unit's index within its population in 24 bits
# (`_random.py`): larger populations would repeat weights silently.
SIZE = Interval(0, MAX_ROWS, high_open=True, integer=True)


@dataclasses.dataclass(frozen=True)
class Group:
    """A group of options: its title (in `--help` and the README) and the subcommands that
    take its options."""

    title: str
    commands: tuple[str, ...]


GROUPS: dict[str, Group] = {
    "grid": Group("grid", ("sweep",)),
    "task": Group("task", COMMANDS),
    "units": Group("units", ("run", "sweep")),
    "tripartite": Group(
        "tripartite (--astrocyte-model tripartite: astrocytes scale the neuron-to-neuron "
        "synapses they cover)",
        ("run", "sweep"),
    ),
    "li-rinzel": Group(
        "li-rinzel (--astrocyte-model li-rinzel: NEST's astrocyte_lr_1994)", ("run", "sweep")
    ),  # fmt: skip
    "wiring": Group("wiring (blocks post-pre: na = neurons <- astrocytes)", ("run", "sweep")),
    "readout": Group("readout", ("run", "sweep")),
    "execution": Group(
        "execution (not part of the fingerprint; block size, buckets and memory set the plan, "
        "which changes float rounding: a sweep records its plan when it starts and a resume "
        "reuses it)",
        ("sweep",),
    ),
    "processes": Group(
        'processes (one sweep over several processes or hosts, as README\'s "Many hosts")',
        ("sweep",),
    ),
}


@dataclasses.dataclass(frozen=True)
class Option:
    """One option. `type` is `int`, `float`, `str`, `bool` or `tuple` (a list of sizes).

    - `allowed`: an `Interval` (for a `tuple`, of each size), a tuple of choices, or `None`.
    - `changes_results`: `False` leaves the option out of the fingerprint, so changing it
      never invalidates finished work.
    - `optional`: `None` is allowed too, and means `none_means`.
    - `commands`: the subcommands that take it (default: its group's).
    """

    name: str
    type: type
    default: Any
    help: str
    group: str
    allowed: Interval | tuple[str, ...] | None = None
    changes_results: bool = True
    optional: bool = False
    none_means: str = ""
    commands: tuple[str, ...] | None = None

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    @property
    def subcommands(self) -> tuple[str, ...]:
        return GROUPS[self.group].commands if self.commands is None else self.commands

    @property
    def annotation(self) -> Any:
        base = tuple[int, ...] if self.type is tuple else self.type
        return base | None if self.optional else base


def _o(name, type, default, help, group, allowed=None, **kw) -> Option:
    return Option(name, type, default, help, group, allowed, **kw)


_BLOCKS = {"nn": "neurons <- neurons", "na": "neurons <- astrocytes",
           "an": "astrocytes <- neurons", "aa": "astrocytes <- astrocytes"}  # fmt: skip
_SIZES = (
    "a comma list 0,25,50, a range start:stop:step with the stop included (0:200:50), "
    "or a TOML list"
)

OPTIONS: tuple[Option, ...] = (
    # The grid.
    _o("neurons", tuple, (0, 25, 50, 100), f"neuron counts N: {_SIZES}", "grid", SIZE),
    _o("astrocytes", tuple, (0, 25, 50, 100, 200), f"astrocyte counts A: {_SIZES}", "grid", SIZE),
    _o("replicates", int, 2, "replicates (independent draws) per size", "grid", COUNT),
    _o("seed", int, 0, "root seed: network (N, A, r) draws its reservoir, readout "
       "initialisation and minibatch order from (seed, N, A, r) alone", "grid",
       SEED, commands=COMMANDS),
    # The task.
    _o("task", str, "lorenz", "prediction task, a system of jaxglia.SYSTEMS (lorenz-ngrc: the "
       "NG-RC protocol's Lorenz, dt 0.025; narma10: a driven task, horizon 1)", "task", TASKS),
    _o("steps", int, 3000, "input samples T", "task", COUNT),
    _o("horizon", int, 1, "predict state[t + h]", "task", COUNT),
    _o("washout", int, 100, "reservoir steps dropped before the readout (ReservoirPy's "
       "warmup; < steps)", "task", WHOLE),
    _o("train_fraction", float, 0.8, "chronological train/test split", "task",
       TRAIN_FRACTION),
    _o("dt", float, None, "sampling step", "task", POSITIVE, optional=True,
       none_means="the task's own"),
    _o("transient", int, None, "samples discarded first", "task", WHOLE, optional=True,
       none_means="the task's own"),
    _o("forecast", bool, False, "after training, run the readout closed-loop over the test "
       "split and report the valid prediction time (autonomous tasks, horizon 1)", "task",
       commands=("run", "sweep")),
    # The units.
    _o("beta_neurons", float, 0.9, "membrane decay per step of the neurons", "units", DECAY),
    _o("beta_astrocytes", float, 0.99, "membrane decay per step of the astrocytes (slow)",
       "units", DECAY),
    _o("threshold_neurons", float, 1.0, "firing threshold of the neurons", "units", THRESHOLD),
    _o("threshold_astrocytes", float, 1.0, "firing threshold of the astrocytes", "units",
       THRESHOLD),
    _o("reset", str, "subtract", "LIF reset mode", "units", RESET_MODES),
    _o("astrocyte_model", str, "lif", "model of the astrocyte-like units: lif (first order); "
       "synaptic (snnTorch Synaptic: a synaptic current with decay --alpha-astrocytes feeds "
       "the membrane); tripartite (lif, and each astrocyte scales the neuron-to-neuron "
       "synapses it covers by its slow synaptic-activity trace); li-rinzel (IP3/Ca2+/h "
       "calcium dynamics as NEST's astrocyte_lr_1994, emitting a slow inward current)",
       "units", ASTROCYTE_MODELS),
    _o("alpha_astrocytes", float, 0.9, "synaptic-current decay of the synaptic astrocyte model",
       "units", DECAY),
    # The "tripartite" model's gain modulation of neuron-to-neuron synapses.
    _o("modulation", float, 1.0, "efficacy gain kappa at full astrocyte activity (0: exactly "
       "lif)", "tripartite", MODULATION),
    _o("p_third", float, 0.5, "probability that a neuron-to-neuron synapse is covered by an "
       "astrocyte", "tripartite", COVERAGE_PROBABILITY),
    _o("pool_size", int, 10, "astrocytes in each neuron's pool", "tripartite", POOL_SIZE),
    _o("tripartite_decay", float, 0.99, "per-step decay lambda of each astrocyte's trace of "
       "the synaptic activity it covers", "tripartite", TRIPARTITE_DECAY),
    # The "li-rinzel" model: time per step, input and output maps.
    _o("step_ms", float, 10.0, "physical time of one reservoir step (ms)", "li-rinzel",
       POSITIVE),
    _o("drive_scale", float, 2.4, "IP3 rises by delta_IP3 * s * max(current, 0) per step",
       "li-rinzel", NON_NEGATIVE),
    _o("sic_scale", float, 0.1, "slow inward current (NEST pA) to reservoir current units",
       "li-rinzel", NON_NEGATIVE),
    _o("astrocyte_every", int, 1, "advance the astrocytes every k-th step (multi-rate)",
       "li-rinzel", COUNT),
    # The wiring (blocks named post-pre: `na` is neurons <- astrocytes).
    *(_o(f"p_{b}", float, 0.1, f"connection probability of block {b} ({what})", "wiring",
         CONNECTION_PROBABILITY) for b, what in _BLOCKS.items()),
    *(_o(f"gain_{b}", float, 1.0, f"weight scale g of block {b}: weights N(0, g^2 / (p n_pre))",
         "wiring", GAIN) for b in _BLOCKS),
    _o("input_scale_neurons", float, 1.0, "input weights U(-s, s) into neurons (0: no input)",
       "wiring", INPUT_SCALE),
    _o("input_scale_astrocytes", float, 1.0, "input weights U(-s, s) into astrocytes (0: "
       "neurons only)", "wiring", INPUT_SCALE),
    _o("in_degree", int, 0, "fixed in-degree K (NEST's fixed_indegree): each unit draws "
       "exactly K inputs uniformly from all N + A units, weights N(0, g^2 / (p n_pre)) with "
       "p = K / (N + A), the --p-* unused; 0: the Bernoulli blocks", "wiring", IN_DEGREE),
    _o("connectivity", str, "auto", "storage of the recurrent weights: dense (a matrix), "
       "sparse (per unit, its inputs' indices and weights) or auto (sparse when a unit has "
       f"at most 1/{AUTO_RATIO} of the units as inputs, or above {DENSE_LIMIT} units); the "
       "same synapses, results equal up to float rounding", "wiring", FORMS),
    # The readout.
    _o("readout", str, "mlp", "mlp (trained with Adam: the paper's, with a learning rate) or "
       "ridge (closed form, penalty chosen on the last 20% of the training split)", "readout",
       READOUTS),
    _o("features", str, "membrane", "readout features of the reservoir", "readout",
       tuple(FEATURE_KINDS)),
    _o("filter_decay", float, 0.9, "spike-filter decay, for features filtered", "readout",
       Interval(0.0, 1.0, high_open=True)),
    _o("readout_units", int, 0, "units the readout sees: a random subset of this many, "
       "hashed from the network's key (features are recorded for these units only); 0: "
       "all units", "readout", WHOLE),
    _o("hidden", int, 64, "MLP hidden width", "readout", COUNT),
    _o("readout_precision", str, "float32", "the MLP training's matrix products: float32 "
       "(reference) or bfloat16 operands with float32 accumulation", "readout", PRECISIONS),
    _o("epochs", int, 50, "training epochs", "readout", COUNT),
    _o("batch_size", int, 128, "minibatch size (at most the training samples)", "readout", COUNT),
    _o("step_size", float, 1e-3, "Adam's step size (the paper's learning rate is a metric of "
       "results.csv, not this)", "readout", POSITIVE),
    # Execution: how a sweep runs, left out of the fingerprint.
    _o("chunk_size", int, 0, "networks per call and per saved chunk, rounded up to whole "
       "blocks (0: one block per device); never changes a bit", "execution", WHOLE,
       changes_results=False),
    _o("block_size", int, 0, "networks vmapped together (0: by platform and memory); changes "
       "float rounding, so it is fixed when a sweep starts and a resume reuses it",
       "execution", WHOLE, changes_results=False),
    _o("buckets", int, 0, "max size buckets (0: auto); changes capacities, so float rounding: "
       "fixed when a sweep starts, a resume reuses them", "execution", WHOLE,
       changes_results=False),
    _o("memory_fraction", float, 0.5, "share of the device's memory one block may use; sets "
       "the automatic block size (fixed when a sweep starts)", "execution",
       Interval(0.0, 1.0, low_open=True), changes_results=False),
    _o("memory_limit", float, 0.0, "GiB of memory to plan for (0: the device's total); a "
       "network whose estimate exceeds it is refused before any work", "execution",
       NON_NEGATIVE, changes_results=False),
    # Processes: one sweep over several hosts (jax.distributed); see README "Many hosts".
    _o("coordinator_address", str, "", "host:port of process 0, to run one sweep over several "
       "processes (jax.distributed; empty: one process, or what SLURM or Open MPI say)",
       "processes", changes_results=False),
    _o("num_processes", int, 0, "processes of the sweep, with --coordinator-address",
       "processes", WHOLE, changes_results=False),
    _o("process_id", int, 0, "this process's index (0 writes the outputs), with "
       "--coordinator-address", "processes", WHOLE, changes_results=False),
)  # fmt: skip

BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
assert len(BY_NAME) == len(OPTIONS), "an option is declared twice"
assert all(o.group in GROUPS for o in OPTIONS)

# Options left out of the fingerprint.
EXECUTION_FIELDS = tuple(o.name for o in OPTIONS if not o.changes_results)

# Shorthands of the command line and of config files: one value for several options.
SHORTHANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "p": ("connection probability of all four blocks", tuple(f"p_{b}" for b in _BLOCKS)),
    "gain": ("weight scale g of all four blocks", tuple(f"gain_{b}" for b in _BLOCKS)),
}


@dataclasses.dataclass(frozen=True)
class Renamed:
    """An option's former name, refused with a message naming the new one."""

    new: str
    why: str

    def message(self, *, flags: bool = False) -> str:
        new = "--" + self.new.replace("_", "-") if flags else self.new
        return f"renamed to {new} ({self.why})"


RENAMED: dict[str, Renamed] = {
    "learning_rate": Renamed(
        "step_size", "Adam's step size; `learning_rate` is the paper's metric in results.csv"
    ),
    "seeds": Renamed(
        "replicates", "independent networks per size; `seed` is the root seed they are drawn from"
    ),
}


def suggest(word: str, choices) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"allowed: {', '.join(sorted(choices))}{hint}"


def parse_sizes(text: str | Sequence[int] | int, option: str) -> tuple[int, ...]:
    """Parse `0,25,50`, `0:200:50` (stop included) or a mix `0,10:50:20` into sizes."""
    text = plain(text)  # NumPy scalars as Python numbers
    if isinstance(text, bool):
        raise ConfigError(option, text, "expected whole numbers")
    if isinstance(text, int):
        return (text,)
    if not isinstance(text, str):
        if not hasattr(text, "__iter__"):
            raise ConfigError(option, text, "expected whole numbers")
        values = tuple(plain(v) for v in text)
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
            if stop >= MAX_ROWS:  # before expanding it: 0:10**12 would fill the memory
                raise ConfigError(option, text, f"sizes must be < {MAX_ROWS}")
            sizes.extend(range(start, stop + 1, step))
        else:
            try:
                sizes.append(int(part))
            except ValueError:
                raise ConfigError(option, text, "sizes must be whole numbers") from None
    return tuple(sizes)


def coerce(option: Option, value: Any) -> Any:
    """A TOML/JSON/command-line value as the option's type (`ConfigError` if it is not)."""
    name, kind = option.name, option.type
    value = plain(value)  # NumPy scalars and 0-d arrays as Python numbers
    if value is None:
        if option.optional:
            return None
        raise ConfigError(name, value, "expected a value")
    if kind is tuple:
        return parse_sizes(value, name)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, value, "expected true or false")
        return value
    if kind is int:
        if isinstance(value, bool) or not (
            isinstance(value, int) or (isinstance(value, float) and value.is_integer())
        ):
            raise ConfigError(name, value, "expected a whole number")
        return int(value)
    if kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(name, value, "expected a number")
        return float(value)
    if not isinstance(value, str):
        raise ConfigError(name, value, "expected a string")
    return value


def check(option: Option, value: Any) -> None:
    """Check one option's value against its type and allowed values (`ConfigError`)."""
    name, allowed = option.name, option.allowed
    if value is None and option.optional:
        return
    if option.type is tuple:
        if not isinstance(value, tuple) or len(value) == 0:
            raise ConfigError(name, value, "expected at least one size")
        for size in value:
            if isinstance(size, bool) or not isinstance(size, int) or size < 0:
                raise ConfigError(name, size, "sizes must be whole numbers >= 0")
            if isinstance(allowed, Interval) and not allowed.contains(size):
                raise ConfigError(name, size, f"sizes must be {allowed.describe()}")
        return
    if option.type is bool:
        if not isinstance(value, bool):
            raise ConfigError(name, value, "expected true or false")
    elif option.type is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(name, value, "must be a whole number")
    elif option.type is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(name, value, "expected a number")
    if isinstance(allowed, Interval):
        allowed.check(name, value)
    elif allowed is not None and value not in allowed:
        raise ConfigError(name, value, suggest(str(value), allowed))


def show_default(option: Option) -> str:
    """The default as typed on the command line (or what `None` means)."""
    value = option.default
    if value is None:
        return option.none_means
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def show_allowed(option: Option) -> str:
    allowed = option.allowed
    if isinstance(allowed, Interval):
        text = allowed.describe()
        return f"each {text}" if option.type is tuple else text
    if allowed is not None:
        return ", ".join(allowed)
    return "true or false" if option.type is bool else ""


def help_text(option: Option) -> str:
    """The option's `--help` line: meaning, range, default (once)."""
    text = option.help
    if isinstance(option.allowed, Interval):
        text += f"; {show_allowed(option)}"
    return f"{text} (default: {show_default(option)})"


def options_for(command: str) -> tuple[Option, ...]:
    return tuple(o for o in OPTIONS if command in o.subcommands)


def options_markdown() -> str:
    """The README's option reference: one table per group, generated from `OPTIONS`."""
    lines: list[str] = []
    for key, group in GROUPS.items():
        rows = [o for o in OPTIONS if o.group == key]
        lines += [f"**{group.title}** — `jaxglia {'`, `'.join(group.commands)}`", ""]
        lines += ["| option | default | allowed | meaning |", "| --- | --- | --- | --- |"]
        for o in rows:
            where = f" (in `{'`, `'.join(o.commands)}`)" if o.commands is not None else ""
            cells = (f"`{o.flag}`", show_default(o), show_allowed(o), o.help + where)
            lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
        lines.append("")
    shorthands = ", ".join(
        f"`--{short}` ({what}: {', '.join(BY_NAME[n].flag for n in names)})"
        for short, (what, names) in SHORTHANDS.items()
    )
    renamed = ", ".join(f"`{old}` → `{r.new}`" for old, r in RENAMED.items())
    lines += [
        f"Command-line shorthands: {shorthands}; an option given by name wins over its "
        "shorthand. "
        f"Renamed (the old name is refused): {renamed}.",
    ]
    return "\n".join(lines) + "\n"
