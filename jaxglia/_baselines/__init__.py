"""The two strongest simple baselines for reservoir forecasting: NG-RC and an echo state network.

Both are fitted in closed form (ridge), so they are cheap, deterministic references for the
spiking reservoirs: `run_baselines` tunes them on a `Task`'s training split (every ridge
penalty by the one search of `jaxglia._ridge`, the ESN's scalings by a seeded random search)
and scores them on its test split, the valid time over several windows
(`valid_time_windows`); `ngrc_protocol` reproduces the NG-RC paper's Lorenz-63 accuracy
anchor (REFERENCES.md §3a).

- NG-RC: Gauthier, Bollt, Griffith & Barbosa, "Next generation reservoir computing",
  Nat. Commun. 12, 5564 (2021); protocol of `quantinfo/ng-rc-paper-code`,
  `LorenzConstLinQuadraticNVARtimedelayNRMSE-RK23.py`.
- ESN: Jaeger (2001); leaky-integrator form and defaults after Lukoševičius, "A practical
  guide to applying echo state networks" (2012).
"""

from ._esn import ESN as ESN, esn_forecast as esn_forecast, fit_esn as fit_esn
from ._ngrc import (
    NGRC as NGRC,
    NGRC_ALPHAS as NGRC_ALPHAS,
    fit_ngrc as fit_ngrc,
    ngrc_features as ngrc_features,
    ngrc_forecast as ngrc_forecast,
    ngrc_num_features as ngrc_num_features,
)
from ._protocol import (
    LORENZ_LYAPUNOV_TIME as LORENZ_LYAPUNOV_TIME,
    NGRC_ALPHA as NGRC_ALPHA,
    NGRC_DT as NGRC_DT,
    NGRC_TRAIN_TIME as NGRC_TRAIN_TIME,
    NGRC_WARMUP_TIMES as NGRC_WARMUP_TIMES,
    ngrc_protocol as ngrc_protocol,
)
from ._run import TASK_FIELDS as TASK_FIELDS, baselines as baselines, run_baselines as run_baselines
from ._search import (
    ESN_SEARCH_BUDGET as ESN_SEARCH_BUDGET,
    ESN_SEARCH_SPACE as ESN_SEARCH_SPACE,
    tune_esn as tune_esn,
)
from ._windows import (
    MAX_WINDOWS as MAX_WINDOWS,
    WINDOW_LYAPUNOV_TIMES as WINDOW_LYAPUNOV_TIMES,
    valid_time_windows as valid_time_windows,
)
