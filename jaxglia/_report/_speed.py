"""Learning-speed metrics computed from a sweep's saved loss curves, without a rerun.

The paper's metric is the least-squares slope of log10(epoch-mean training MSE) against the
epoch. The curves are convex in log space (fast at first, then slow), so a straight line can
fit them poorly, and which networks count as "fast" can depend on the definition. Each metric
here is a function of one window of epochs (the first K) of every curve:

- `slope`: the paper's slope over the window, decades of MSE per epoch (more negative =
  faster), with the R² of that straight-line fit;
- `half_drop`: the epoch (linearly interpolated) at which log10 MSE first falls by half of
  its whole drop over the window, from the first epoch to its lowest value (lower = faster);
- `log_area`: the area between the log10 loss curve and its first epoch's value, by the
  trapezoid rule over the window, in decade-epochs (more negative = faster);
- `exp_rate`: the rate k per epoch of a fitted exponential with a floor,
  MSE_e = F + B e^(-k e) with F, B >= 0, fitted by least squares on log10 MSE (higher =
  faster).

`METRICS` declares them; `oriented(name, values)` turns each into "lower = faster", which is
how the report's statistics read every metric. Pure NumPy and SciPy; a curve with a
non-finite or non-positive loss in its window gives NaN.
"""

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._common import _quiet


def _logs(curves: np.ndarray, window: int) -> np.ndarray:
    """log10 of the first `window` epochs; NaN rows where a loss is not finite and positive."""
    losses = np.asarray(curves, float)[:, :window]
    good = np.all(np.isfinite(losses) & (losses > 0), axis=1)
    with _quiet():
        y = np.log10(np.where(losses > 0, losses, np.nan))
    y[~good] = np.nan
    return y


def slope_fit(curves: np.ndarray, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope of log10 loss against epoch over the first `window` epochs, and
    the R² of that line (NaN where the curve is flat, which a line fits trivially)."""
    y = _logs(curves, window)
    x = np.arange(y.shape[1], dtype=float)
    x = x - x.mean()
    centred = y - y.mean(axis=1, keepdims=True)
    slope = (centred @ x) / (x @ x)
    residual = centred - slope[:, None] * x[None, :]
    total = np.sum(centred**2, axis=1)
    with _quiet():
        r2 = np.where(total > 0, 1.0 - np.sum(residual**2, axis=1) / total, np.nan)
    return slope, r2


def half_drop(curves: np.ndarray, window: int) -> np.ndarray:
    """Epochs until log10 loss first falls halfway from its first value to its lowest value
    within the window, interpolated linearly between epochs; NaN if it never falls."""
    y = _logs(curves, window)
    out = np.full(len(y), np.nan)
    for i, row in enumerate(y):
        if not np.all(np.isfinite(row)):
            continue
        drop = row[0] - row.min()
        if not drop > 0:
            continue
        target = row[0] - drop / 2
        e = int(np.argmax(row <= target))  # the first epoch at or below the target; e >= 1
        out[i] = (e - 1) + (row[e - 1] - target) / (row[e - 1] - row[e])
    return out


def log_area(curves: np.ndarray, window: int) -> np.ndarray:
    """Trapezoid-rule area between log10 loss and its first epoch's value over the window,
    in decade-epochs (more negative = faster)."""
    y = _logs(curves, window)
    relative = y - y[:, :1]
    return np.sum((relative[:, 1:] + relative[:, :-1]) / 2, axis=1)


def exp_rate(curves: np.ndarray, window: int) -> np.ndarray:
    """Rate k (per epoch) of MSE_e = F + B exp(-k e), F, B >= 0, fitted to log10 MSE.

    A grid search over k (where, for each k, F and B follow from a weighted linear least
    squares fit) gives the start of a bounded nonlinear least-squares refinement on
    log10 MSE (`scipy.optimize.least_squares`, parameters log F, log B and log k).
    """
    from scipy.optimize import least_squares

    y = _logs(curves, window)
    e = np.arange(y.shape[1], dtype=float)
    ks = np.geomspace(1e-4, 20.0, 160)
    basis = np.exp(-ks[:, None] * e[None, :])  # (k, epochs)
    out = np.full(len(y), np.nan)
    if y.shape[1] < 4:
        return out
    # For every curve and k at once: weighted (relative-error) linear least squares for F, B
    # through the 2 x 2 normal equations, clipped to F, B >= 0.
    with _quiet():
        loss = 10.0**y  # (curves, epochs)
        w = 1.0 / loss
        s11 = np.sum(w * w, axis=1)[:, None]
        s12 = (w * w) @ basis.T
        s22 = (w * w) @ (basis * basis).T
        t1 = np.sum(w * w * loss, axis=1)[:, None]
        t2 = (w * w * loss) @ basis.T
        det = s11 * s22 - s12 * s12
        floor = np.clip((s22 * t1 - s12 * t2) / det, 0.0, None)
        amplitude = np.clip((s11 * t2 - s12 * t1) / det, 1e-300, None)
        model = floor[:, :, None] + amplitude[:, :, None] * basis[None, :, :]
        error = np.nansum((np.log10(model) - y[:, None, :]) ** 2, axis=2)
        error[~np.isfinite(error)] = np.inf
    for i, row in enumerate(y):
        if not np.all(np.isfinite(row)) or not np.isfinite(error[i]).any():
            continue
        j = int(np.argmin(error[i]))
        low = 10.0 ** row.min()
        # From the grid's best, and from a floor at half the lowest loss; the better fit wins.
        starts = [
            [floor[i, j], amplitude[i, j], ks[j]],
            [low / 2, max(10.0 ** row[0] - low / 2, low), ks[j]],
        ]

        def residual(p: np.ndarray, row: np.ndarray = row) -> np.ndarray:
            return np.log10(p[0] + p[1] * np.exp(-p[2] * e)) - row

        def jacobian(p: np.ndarray, row: np.ndarray = row) -> np.ndarray:
            decay = np.exp(-p[2] * e)
            scale = 1.0 / (math.log(10.0) * (p[0] + p[1] * decay))
            return np.column_stack([scale, scale * decay, -scale * p[1] * e * decay])

        fits = []
        with _quiet():
            for start in starts:
                fits.append(
                    least_squares(
                        residual,
                        np.clip(start, [0.0, 1e-300, 1e-6], None),
                        jac=jacobian,  # pyright: ignore[reportArgumentType]
                        bounds=([0.0, 0.0, 0.0], [np.inf, np.inf, np.inf]),
                        x_scale="jac",
                        ftol=1e-12,
                        xtol=1e-12,
                        gtol=1e-12,
                        max_nfev=500,
                    )
                )
        out[i] = float(min(fits, key=lambda f: f.cost).x[2])
    return out


# name -> (label, unit, lower is faster, function, smallest window it needs)
METRICS: dict[str, tuple[str, str, bool, Callable[[np.ndarray, int], np.ndarray], int]] = {
    "slope": (
        "slope of log10 MSE",
        "Δlog10 MSE per epoch",
        True,
        lambda c, w: slope_fit(c, w)[0],
        2,
    ),
    "half_drop": ("epochs to half the log-loss drop", "epochs", True, half_drop, 2),
    "log_area": ("area under log10 MSE (from epoch 0)", "decade-epochs", True, log_area, 2),
    "exp_rate": ("rate of an exponential with floor", "per epoch", False, exp_rate, 6),
}
"""The learning-speed metrics: label, unit, whether lower is faster, function of (curves,
window), and the fewest epochs the metric needs."""


def oriented(name: str, values: np.ndarray) -> np.ndarray:
    """A metric's values turned into "lower = faster" (the exponential rate is negated)."""
    return np.asarray(values, float) if METRICS[name][2] else -np.asarray(values, float)


def windows(epochs: int, extra: int | None = None) -> list[int]:
    """The windows of the specification curve: the first 3, 5 and 10 epochs and all of
    them (those that fit in the sweep's epochs), plus `extra` (the report's --slope-epochs)."""
    chosen = {w for w in (3, 5, 10) if w < epochs} | {epochs}
    if extra is not None and 2 <= extra <= epochs:
        chosen.add(extra)
    return sorted(chosen)


def fit_quality(curves: np.ndarray, usable: np.ndarray, window: int) -> dict[str, Any]:
    """How well the straight line of the slope metric fits each usable network's curve."""
    _, r2 = slope_fit(curves, window)
    values = r2[usable & np.isfinite(r2)]
    if not len(values):
        return {"available": False, "reason": "no usable network has a loss curve to fit"}
    order = np.flatnonzero(usable & np.isfinite(r2))
    worst = order[np.argsort(r2[order], kind="stable")[:6]]
    q = np.percentile(values, [0, 10, 25, 50, 75, 90, 100])
    return {
        "available": True,
        "window": window,
        "n": len(values),
        "quantiles": dict(zip(("min", "p10", "p25", "median", "p75", "p90", "max"), map(float, q))),
        "share_below_0.9": float(np.mean(values < 0.9)),
        "r2": [float(v) for v in r2],
        "worst_rows": [int(i) for i in worst],
    }


def learning_speed(curves: Any, metric: str = "slope", window: int | None = None) -> np.ndarray:
    """One learning-speed metric of each loss curve, computed from saved curves.

    **Arguments:**

    - `curves`: loss curves, networks x epochs (as in a sweep's `curves.npz`), or one curve.
    - `metric`: "slope" (least-squares slope of log10 loss per epoch; more negative =
      faster), "half_drop" (epochs until log10 loss has fallen by half of its drop from the
      first epoch to its lowest; lower = faster), "log_area" (trapezoid area between log10
      loss and its first value, in decade-epochs; more negative = faster) or "exp_rate" (the
      rate k per epoch of a fitted MSE = F + B exp(-k epoch), F, B >= 0; higher = faster).
    - `window`: use only the first `window` epochs (default: all).

    **Returns:** one value per curve (NaN where a loss in the window is not finite and
    positive, or the metric is undefined, e.g. a curve that never falls).

    **Raises:** `ReportError` for an unknown metric or a window outside 2 to the epochs.
    """
    from ._common import ReportError

    if metric not in METRICS:
        raise ReportError(f"metric: got {metric!r}; must be one of {', '.join(METRICS)}")
    array = np.asarray(curves, dtype=float)
    single = array.ndim == 1
    array = np.atleast_2d(array)
    epochs = array.shape[1]
    window = epochs if window is None else window
    fewest = METRICS[metric][4]
    if isinstance(window, bool) or not isinstance(window, int) or not fewest <= window <= epochs:
        raise ReportError(
            f"window: got {window!r}; must be a whole number from {fewest} to the curves' "
            f"{epochs} epochs"
        )
    values = METRICS[metric][3](array, window)
    return values[0] if single else values
