"""Figures, statistics and a one-page verdict for a finished (N, A) size sweep.

A sweep directory holds `results.csv` (one row per network), `curves.npz` (the raw per-epoch
training losses, rows in the same order) and `run.json` (the options, a fingerprint and the
library versions). [`report`][] reads them, draws the figures of the seed paper (Yang et al.,
"Characterizing Learning in Spiking Neural Networks with Astrocyte-Like Units", arXiv 2503.06798,
2025) and writes `report.md`, which says for each of the paper's claims whether this sweep
supports it, and with which numbers. [`analyse`][] is the statistics alone, as plain Python
numbers, lists and dicts.

The learning rate is the least-squares slope of log10(epoch-mean training MSE) against the epoch
index: it is measured in decades of MSE per epoch, and *more negative means faster learning*.
Throughout, "improves" means "becomes more negative".

Every claim gets a verdict — supported, contradicted, not significant or cannot test — by a
rule stated beside it. Every analysis that the data cannot support (too few networks, no
mixed networks, a test whose smallest attainable p exceeds α, ...) says so and why rather
than raising, and a figure that cannot be drawn is left out, with the reason in report.md.

The metric is examined too: the R² of the slope's straight line per network, and a
specification curve — every verdict and the optimum ratio under four learning-speed metrics
(`learning_speed`: slope, epochs to half the log-loss drop, area under log10 loss, rate of an
exponential with a floor) over several windows, computed from the saved curves.

Beyond the learning rate, the report covers the test NRMSE of every sweep, the closed-loop
forecast when the sweep ran one (`valid_time`, `forecast_nrmse`), and the baselines of
`baselines.csv` (NG-RC, an echo-state network) when the directory holds one. With the ridge
readout there is no learning rate (it has no epochs): the report says so and reports the
errors. [`compare`][] puts several sweeps of one task side by side, typically one per
astrocyte model, and asks of each whether the best ratio lies near A:N = 2.

The modules, by concept: `_read` (reading a sweep directory), `_stats` (the statistics),
`_claims` (the verdicts and their rules, and `analyse`), `_speed` (learning-speed metrics of
loss curves), `_spec` (the specification curve), `_figures` (everything matplotlib), `_markdown`
(`report` and report.md), `_compare` (`compare` and compare.md), `_common` (shared constants
and helpers). This file only re-exports.
"""

from ._analyse import analyse as analyse
from ._common import ALPHA as ALPHA, FIGURES as FIGURES, ReportError as ReportError
from ._compare import COMPARE_FILES as COMPARE_FILES, compare as compare
from ._markdown import report as report
from ._speed import learning_speed as learning_speed
