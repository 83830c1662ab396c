"""jaxglia: neuron + astrocyte spiking reservoirs (liquid state machines) in JAX.

Reproduces Yang et al., "Characterizing Learning in Spiking Neural Networks with
Astrocyte-Like Units" (arXiv 2503.06798): a fixed random reservoir of LIF neurons and slower
astrocyte-like units is driven by the Lorenz system, a 3-layer MLP readout is trained with
Optax, and the readout's learning rate is mapped over a grid of (neurons, astrocytes), the
whole grid batched into a few compiled programs.
"""

import importlib.metadata

from ._config import ConfigError as ConfigError, SweepConfig as SweepConfig, preset as preset
from ._connectivity import Connectivity as Connectivity
from ._lif import (
    LIF as LIF,
    AbstractPopulation as AbstractPopulation,
    LIFState as LIFState,
    SynapticLIF as SynapticLIF,
    SynapticLIFState as SynapticLIFState,
)
from ._metrics import (
    firing_rate as firing_rate,
    learning_rate_slope as learning_rate_slope,
    mse as mse,
    nrmse as nrmse,
)
from ._network import run_network as run_network
from ._readout import fit_readout as fit_readout, init_readout as init_readout
from ._report import ReportError as ReportError, analyse as analyse, report as report
from ._reservoir import (
    Reservoir as Reservoir,
    ReservoirState as ReservoirState,
    make_reservoir as make_reservoir,
    network_key as network_key,
)
from ._simulate import Recording as Recording, simulate as simulate
from ._sweep import SweepResult as SweepResult, plan_buckets as plan_buckets, sweep as sweep
from ._tasks import Task as Task, lorenz as lorenz, lorenz_task as lorenz_task


try:
    __version__ = importlib.metadata.version("jaxglia")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"
