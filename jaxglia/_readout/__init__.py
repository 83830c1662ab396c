"""Readouts: the interface (`AbstractReadout`), the MLP, and ridge regression."""

from ._base import (
    AbstractReadout as AbstractReadout,
    Fit as Fit,
    apply_stats as apply_stats,
    feature_stats as feature_stats,
    predict as predict,
)
from ._mlp import (
    MLPReadout as MLPReadout,
    fit_readout as fit_readout,
    init_readout as init_readout,
)
from ._ridge import Linear as Linear, RidgeReadout as RidgeReadout
