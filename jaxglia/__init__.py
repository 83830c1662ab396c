"""jaxglia: neuron + astrocyte spiking reservoirs (liquid state machines) in JAX.

Reproduces Yang et al., "Characterizing Learning in Spiking Neural Networks with
Astrocyte-Like Units" (arXiv 2503.06798): a fixed random reservoir of LIF neurons and slower
astrocyte-like units is driven by the Lorenz system, a 3-layer MLP readout is trained with
Optax, and the readout's learning rate is mapped over a grid of (neurons, astrocytes), the
whole grid batched into a few compiled programs.
"""

import importlib.metadata

from ._astrocytes import LiRinzel as LiRinzel, LiRinzelState as LiRinzelState
from ._config import ConfigError as ConfigError, SweepConfig as SweepConfig, preset as preset
from ._connectivity import Connectivity as Connectivity, Tripartite as Tripartite
from ._lif import (
    LIF as LIF,
    AbstractPopulation as AbstractPopulation,
    LIFState as LIFState,
    SynapticLIF as SynapticLIF,
    SynapticLIFState as SynapticLIFState,
)
from ._metrics import (
    firing_rate as firing_rate,
    forecast_scores as forecast_scores,
    learning_rate_slope as learning_rate_slope,
    mse as mse,
    nrmse as nrmse,
    valid_steps as valid_steps,
)
from ._network import run_network as run_network
from ._readout import fit_readout as fit_readout, init_readout as init_readout
from ._report import (
    ReportError as ReportError,
    analyse as analyse,
    compare as compare,
    report as report,
)
from ._reservoir import (
    Reservoir as Reservoir,
    ReservoirState as ReservoirState,
    make_reservoir as make_reservoir,
    network_key as network_key,
)
from ._simulate import Recording as Recording, feed_back as feed_back, simulate as simulate
from ._sweep import (
    SweepResult as SweepResult,
    baselines as baselines,
    plan_buckets as plan_buckets,
    sweep as sweep,
)
from ._systems import (
    SYSTEMS as SYSTEMS,
    double_scroll as double_scroll,
    generate as generate,
    largest_lyapunov_exponent as largest_lyapunov_exponent,
    lorenz as lorenz,
    mackey_glass as mackey_glass,
    narma10 as narma10,
    rossler as rossler,
)
from ._tasks import Task as Task, lorenz_task as lorenz_task, make_task as make_task


try:
    __version__ = importlib.metadata.version("jaxglia")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"
