"""jaxglia: neuron + astrocyte spiking reservoirs (liquid state machines) in JAX.

Reproduces Yang et al., "Characterizing Learning in Spiking Neural Networks with
Astrocyte-Like Units" (arXiv 2503.06798): a fixed random reservoir of LIF neurons and slower
astrocyte-like units is driven by the Lorenz system, a 3-layer MLP readout is trained with
Optax, and the readout's learning rate is mapped over a grid of (neurons, astrocytes), the
whole grid batched into a few compiled programs.
"""

import importlib.metadata

from ._baselines import (
    ESN as ESN,
    NGRC as NGRC,
    baselines as baselines,
    esn_forecast as esn_forecast,
    fit_esn as fit_esn,
    fit_ngrc as fit_ngrc,
    ngrc_features as ngrc_features,
    ngrc_forecast as ngrc_forecast,
    ngrc_protocol as ngrc_protocol,
    run_baselines as run_baselines,
    valid_time_windows as valid_time_windows,
)
from ._config import ConfigError as ConfigError, SweepConfig as SweepConfig, preset as preset
from ._connectivity import Connectivity as Connectivity, UnitLayout as UnitLayout
from ._experiment import Experiment as Experiment, Grid as Grid
from ._features import (
    AbstractFeatures as AbstractFeatures,
    Filtered as Filtered,
    Membrane as Membrane,
    Spikes as Spikes,
)
from ._li_rinzel import (
    LiRinzel as LiRinzel,
    LiRinzelState as LiRinzelState,
    li_rinzel_rhs as li_rinzel_rhs,
)
from ._lif import (
    LIF as LIF,
    LIFState as LIFState,
    SynapticLIF as SynapticLIF,
    SynapticLIFState as SynapticLIFState,
)
from ._load import LoadError as LoadError, load as load
from ._metrics import (
    firing_rate as firing_rate,
    forecast_scores as forecast_scores,
    learning_rate_slope as learning_rate_slope,
    mse as mse,
    nrmse as nrmse,
    valid_steps as valid_steps,
)
from ._misc import rk4_step as rk4_step
from ._pipeline import evaluate_network as evaluate_network, run_network as run_network
from ._population import AbstractPopulation as AbstractPopulation
from ._provenance import versions as versions
from ._readout import (
    AbstractReadout as AbstractReadout,
    Fit as Fit,
    Linear as Linear,
    MLPReadout as MLPReadout,
    RidgeReadout as RidgeReadout,
    fit_readout as fit_readout,
    init_readout as init_readout,
)
from ._report import (
    ReportError as ReportError,
    analyse as analyse,
    compare as compare,
    learning_speed as learning_speed,
    report as report,
)
from ._reservoir import (
    Reservoir as Reservoir,
    ReservoirState as ReservoirState,
    make_reservoir as make_reservoir,
    network_key as network_key,
)
from ._ridge import fit_ridge as fit_ridge, fit_ridge_validated as fit_ridge_validated
from ._simulate import Recording as Recording, feed_back as feed_back, simulate as simulate
from ._sparse import Synapses as Synapses
from ._sweep import (
    Execution as Execution,
    SweepResult as SweepResult,
    network_flops as network_flops,
    plan_buckets as plan_buckets,
    sweep as sweep,
)
from ._systems import (
    SYSTEMS as SYSTEMS,
    double_scroll as double_scroll,
    double_scroll_vector_field as double_scroll_vector_field,
    generate as generate,
    largest_lyapunov_exponent as largest_lyapunov_exponent,
    lorenz as lorenz,
    lorenz_vector_field as lorenz_vector_field,
    mackey_glass as mackey_glass,
    narma10 as narma10,
    rossler as rossler,
    rossler_vector_field as rossler_vector_field,
)
from ._tasks import (
    AbstractTask as AbstractTask,
    System as System,
    Task as Task,
    lorenz_task as lorenz_task,
    make_task as make_task,
)
from ._tripartite import Tripartite as Tripartite


try:
    __version__ = importlib.metadata.version("jaxglia")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0.0.0+unknown"
