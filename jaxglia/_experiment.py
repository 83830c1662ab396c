"""An experiment made of parts, and the grid of network sizes it is swept over.

`Experiment` is the one configuration object the numerics take: a task, two populations
(the neuron and astrocyte roles), their wiring, an optional coupling (the tripartite gain
modulation), a feature kind and a readout — each a Module, built-in or your own subclass of
the public abstract classes. `Experiment.from_config` builds one from a `SweepConfig` (the
serialisable front end the command line uses); strings become Modules there, and nowhere
inside the numerics.
"""

import dataclasses
import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import equinox as eqx
import jax
import jax.numpy as jnp
from jaxtyping import Array, Int

from ._connectivity import Connectivity
from ._describe import describe, fingerprint
from ._features import AbstractFeatures, as_features
from ._li_rinzel import MAX_RK4_STEP_MS, LiRinzel
from ._lif import LIF, SynapticLIF
from ._population import AbstractPopulation
from ._ranges import COUNT, SEED, TRAIN_FRACTION, WHOLE, ConfigError, plain
from ._readout import AbstractReadout, MLPReadout, RidgeReadout
from ._tasks import (
    AbstractTask,
    DivergedSeries,
    System,
    Task,
    check_split,
    make_task,
    split_sizes,
)
from ._tripartite import Tripartite


if TYPE_CHECKING:
    from ._config import SweepConfig


Network = tuple[int, int, int]


@dataclasses.dataclass(frozen=True)
class Grid:
    """The networks of a sweep: every (N, A) of `neurons` x `astrocytes` (N + A > 0), each
    `replicates` times (independent draws 0, 1, ...).

    **Arguments:**

    - `neurons`, `astrocytes`: the sizes N and A to sweep (whole numbers >= 0).
    - `replicates`: independent networks per size, >= 1 (default 1).
    """

    neurons: tuple[int, ...] = (0, 25, 50, 100)
    astrocytes: tuple[int, ...] = (0, 25, 50, 100, 200)
    replicates: int = 1

    def __post_init__(self):
        for name in ("neurons", "astrocytes"):
            sizes = plain(getattr(self, name))  # NumPy whole numbers are whole numbers
            sizes = (sizes,) if isinstance(sizes, int) else tuple(map(plain, sizes))
            if not sizes or any(
                isinstance(s, bool) or not isinstance(s, int) or s < 0 for s in sizes
            ):
                raise ConfigError(name, sizes, "expected whole numbers >= 0 (at least one)")
            object.__setattr__(self, name, sizes)
        object.__setattr__(self, "replicates", plain(self.replicates))
        replicates = self.replicates
        if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
            raise ConfigError("replicates", replicates, "expected a whole number >= 1")
        if not self.networks:
            raise ConfigError("neurons, astrocytes", (self.neurons, self.astrocytes),
                              "the grid needs a network with N + A > 0")  # fmt: skip

    @property
    def networks(self) -> list[Network]:
        """Every network (N, A, replicate), (0, 0) left out, in a fixed order."""
        return grid_networks(self.neurons, self.astrocytes, self.replicates)


def grid_networks(neurons, astrocytes, replicates: int) -> list[Network]:
    """The networks of a grid in the order every output lists them: N, then A, then the
    replicate, ascending; (0, 0) left out."""
    return [
        (n, a, r)
        for n in sorted(set(neurons))
        for a in sorted(set(astrocytes))
        if n + a > 0
        for r in range(replicates)
    ]


class Experiment(eqx.Module):
    """Everything that defines what one network of a sweep computes, as Modules.

    Network (N, A, replicate) draws its reservoir, readout initialisation and minibatch
    order from `(seed, N, A, replicate)` alone, so its result does not depend on the grid
    or the capacity it is computed at.

    **Arguments:**

    - `task`: an `AbstractTask` (default `System("lorenz")`), or a name of `SYSTEMS`.
    - `steps`, `horizon`, `washout`, `train_fraction`: the task's length, how many samples
      ahead to predict, the reservoir steps dropped first, and the chronological split
      (defaults 3000, 1, 100, 0.8; see `make_task`).
    - `neurons`, `astrocytes`: the two populations (default `LIF(0.9)`, `LIF(0.99)`); any
      `AbstractPopulation`.
    - `connectivity`: a `Connectivity` (default: p = 0.1, g = 1, input scale 1).
    - `coupling`: a `Tripartite` gain modulation of neuron-to-neuron synapses, or None.
    - `features`: an `AbstractFeatures` (default `Membrane()`), or its name.
    - `readout`: an `AbstractReadout` (default `MLPReadout()`).
    - `forecast`: also run the trained readout closed-loop over the test split (autonomous
      tasks, horizon 1).
    - `seed`: the root seed (an array: new seeds do not recompile).
    - `readout_units`: M > 0: the readout sees a random subset of M units (hashed from the
      network's key, so padding-invariant; the features are recorded for these units
      only); 0 (default): every unit.
    """

    task: AbstractTask
    steps: int = eqx.field(static=True)
    horizon: int = eqx.field(static=True)
    washout: int = eqx.field(static=True)
    train_fraction: float = eqx.field(static=True)
    neurons: AbstractPopulation
    astrocytes: AbstractPopulation
    connectivity: Connectivity
    coupling: Tripartite | None
    features: AbstractFeatures
    readout: AbstractReadout
    forecast: bool = eqx.field(static=True)
    seed: Int[Array, ""]
    readout_units: int = eqx.field(static=True)

    def __init__(
        self,
        task: "AbstractTask | str" = "lorenz",
        *,
        steps: int = 3000,
        horizon: int = 1,
        washout: int = 100,
        train_fraction: float = 0.8,
        neurons: AbstractPopulation | None = None,
        astrocytes: AbstractPopulation | None = None,
        connectivity: Connectivity | None = None,
        coupling: Tripartite | None = None,
        features: "AbstractFeatures | str" = "membrane",
        readout: AbstractReadout | None = None,
        forecast: bool = False,
        seed: int = 0,
        readout_units: int = 0,
    ):
        self.task = System(task) if isinstance(task, str) else task
        # Checked here, as the options are (NumPy scalars taken as the numbers they hold).
        self.steps, self.horizon = COUNT.value("steps", steps), COUNT.value("horizon", horizon)
        self.washout = WHOLE.value("washout", washout)
        self.train_fraction = TRAIN_FRACTION.value("train_fraction", train_fraction)
        self.neurons = LIF(0.9) if neurons is None else neurons
        self.astrocytes = LIF(0.99) if astrocytes is None else astrocytes
        self.connectivity = Connectivity() if connectivity is None else connectivity
        self.coupling = coupling
        self.features = as_features(features)
        self.readout = MLPReadout() if readout is None else readout
        if not isinstance(plain(forecast), bool):
            raise ConfigError("forecast", forecast, "expected true or false")
        self.forecast = plain(forecast)
        seed = plain(seed)
        if not isinstance(seed, jax.Array):  # a traced seed is not checked
            SEED.check("seed", seed)
        self.seed = jnp.asarray(seed, jnp.uint32)
        if isinstance(readout_units, bool) or not isinstance(readout_units, int):
            raise ConfigError("readout_units", readout_units, "must be a whole number >= 0")
        if readout_units < 0:
            raise ConfigError("readout_units", readout_units, "must be a whole number >= 0")
        self.readout_units = readout_units

    def __check_init__(self):
        for name, cls in (
            ("task", AbstractTask),
            ("neurons", AbstractPopulation),
            ("astrocytes", AbstractPopulation),
            ("connectivity", Connectivity),
            ("features", AbstractFeatures),
            ("readout", AbstractReadout),
        ):
            if not isinstance(getattr(self, name), cls):
                got = type(getattr(self, name)).__name__
                raise TypeError(f"`{name}` must be an {cls.__name__}; got {got}.")
        if self.coupling is not None and not isinstance(self.coupling, Tripartite):
            raise TypeError(f"`coupling` must be a Tripartite or None; got {self.coupling!r}.")
        batch_size = getattr(self.readout, "batch_size", None)  # a minibatch readout's
        check_split(self.steps, self.washout, self.train_fraction,
                    batch_size if isinstance(batch_size, int) else None,
                    horizon=self.horizon)  # fmt: skip
        if self.forecast and not (self.task.autonomous and self.horizon == 1):
            raise ValueError(
                "`forecast` needs an autonomous task and horizon 1 (the prediction is fed "
                f"back as the next input); got task {self.task.name!r}, horizon {self.horizon}."
            )

    @property
    def num_train(self) -> int:
        return split_sizes(self.steps, self.washout, self.train_fraction)[0]

    @property
    def num_test(self) -> int:
        return split_sizes(self.steps, self.washout, self.train_fraction)[1]

    def make_task(self) -> Task:
        """The task's normalised, split data (see `make_task`)."""
        return make_task(
            self.task,
            self.steps,
            horizon=self.horizon,
            washout=self.washout,
            train_fraction=self.train_fraction,
            seed=int(self.seed),
        )

    def describe(self) -> dict[str, Any]:
        """Every part's class and parameters, as recorded in `run.json` (see `_describe`)."""
        return describe(self)

    @classmethod
    def from_config(cls, cfg: "SweepConfig") -> "Experiment":
        """The experiment a `SweepConfig` describes (its grid and execution options aside)."""
        return cls(
            System(cfg.task, cfg.dt, cfg.transient),
            steps=cfg.steps,
            horizon=cfg.horizon,
            washout=cfg.washout,
            train_fraction=cfg.train_fraction,
            neurons=LIF(cfg.beta_neurons, cfg.threshold_neurons, cfg.reset),
            astrocytes=_astrocytes(cfg),
            connectivity=Connectivity(
                cfg.p_nn,
                cfg.p_na,
                cfg.p_an,
                cfg.p_aa,
                cfg.gain_nn,
                cfg.gain_na,
                cfg.gain_an,
                cfg.gain_aa,
                cfg.input_scale_neurons,
                cfg.input_scale_astrocytes,
                in_degree=cfg.in_degree,
                form=cfg.connectivity,
            ),  # fmt: skip
            coupling=_coupling(cfg),
            features=as_features(cfg.features, cfg.filter_decay),
            readout=_readout(cfg),
            forecast=cfg.forecast,
            seed=cfg.seed,
            readout_units=cfg.readout_units,
        )


def _li_rinzel(cfg: "SweepConfig") -> AbstractPopulation:
    # RK4 substeps keep each integration step within the stable, accurate range.
    update_ms = cfg.step_ms * cfg.astrocyte_every
    return LiRinzel(
        step_ms=cfg.step_ms,
        drive_scale=cfg.drive_scale,
        sic_scale=cfg.sic_scale,
        every=cfg.astrocyte_every,
        substeps=max(1, math.ceil(update_ms / MAX_RK4_STEP_MS)),
    )


def _lif(cfg: "SweepConfig") -> AbstractPopulation:
    return LIF(cfg.beta_astrocytes, cfg.threshold_astrocytes, cfg.reset)


def _synaptic(cfg: "SweepConfig") -> AbstractPopulation:
    return SynapticLIF(
        cfg.alpha_astrocytes, cfg.beta_astrocytes, cfg.threshold_astrocytes, cfg.reset
    )


# The astrocyte models and readouts a config names, declared once: the options' allowed
# values are these keys. "tripartite" is the LIF population plus the coupling.
ASTROCYTE_MODELS: dict[str, Callable[["SweepConfig"], AbstractPopulation]] = {
    "lif": _lif,
    "synaptic": _synaptic,
    "tripartite": _lif,
    "li-rinzel": _li_rinzel,
}
READOUTS: dict[str, Callable[["SweepConfig"], AbstractReadout]] = {
    "mlp": lambda cfg: MLPReadout(
        cfg.hidden, cfg.epochs, cfg.batch_size, cfg.step_size, cfg.readout_precision
    ),
    "ridge": lambda cfg: RidgeReadout(),
}


def _astrocytes(cfg: "SweepConfig") -> AbstractPopulation:
    return ASTROCYTE_MODELS[cfg.astrocyte_model](cfg)


def _coupling(cfg: "SweepConfig") -> Tripartite | None:
    if cfg.astrocyte_model != "tripartite":
        return None
    return Tripartite(cfg.p_third, cfg.modulation, cfg.tripartite_decay, cfg.pool_size)


def _readout(cfg: "SweepConfig") -> AbstractReadout:
    return READOUTS[cfg.readout](cfg)


def grid_of(cfg: "SweepConfig") -> Grid:
    return Grid(tuple(cfg.neurons), tuple(cfg.astrocytes), cfg.replicates)


def canonical_networks(networks: Sequence[Network]) -> list[Network]:
    """A sweep's networks as a set, in one order: sorted by (N, A, replicate), duplicates
    dropped. The order a grid was given in never makes another sweep."""
    return sorted({(int(n), int(a), int(r)) for n, a, r in networks})


def sweep_fingerprint(experiment: Experiment, networks: Sequence[Network]) -> str:
    """The fingerprint of a sweep: its experiment's description (which every option that
    changes results builds) and its set of networks. Neither the order of the networks,
    duplicates, nor how the experiment was given (a `SweepConfig` with options at their
    defaults or given explicitly, or an `Experiment`) make another fingerprint."""
    description = {
        "experiment": describe(experiment),
        "networks": [list(n) for n in canonical_networks(networks)],
    }
    return fingerprint(description)


def prepare_task(experiment: Experiment) -> Task:
    """`experiment.make_task()`, a diverging driven series refused as a bad `seed`."""
    try:
        return experiment.make_task()
    except DivergedSeries:
        raise ConfigError(
            "seed",
            int(experiment.seed),
            f"the {experiment.task.name} series drawn from this seed diverges; choose another",
        ) from None
