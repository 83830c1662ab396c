"""Valid prediction time over several test windows, reported with its cap."""

import math
from collections.abc import Callable

import jax.numpy as jnp
import numpy as np
from jaxtyping import Array, ArrayLike, Float

from .._metrics import forecast_scores, valid_steps


# Each closed-loop forecast of `valid_time_windows` runs this many Lyapunov times (the
# valid-time horizon of `ngrc_protocol`), or the whole test span if shorter, and the test
# span holds as many non-overlapping windows as fit, at most `MAX_WINDOWS` (the NG-RC paper
# uses 10). A window's valid time can reach but never exceed its length: the cap, reported
# beside every mean.
WINDOW_LYAPUNOV_TIMES = 20.0
MAX_WINDOWS = 10


def valid_time_windows(
    forecast: Callable[[Array, int], Float[ArrayLike, "steps outputs"]],
    inputs: Float[ArrayLike, "time inputs"],
    targets: Float[ArrayLike, "time outputs"],
    *,
    start: int,
    lyapunov_steps: float,
    window_lyapunov_times: float = WINDOW_LYAPUNOV_TIMES,
    max_windows: int = MAX_WINDOWS,
    scale: Float[ArrayLike, " outputs"] | None = None,
) -> dict[str, np.ndarray | float | int]:
    """Closed-loop forecasts from several starts of a test span, each scored alone.

    The test span is `targets[start:]` (`targets[t]` = `inputs[t + 1]`, an autonomous task of
    horizon 1). It is cut into `K` consecutive, non-overlapping windows of `H` steps each:
    `H = min(round(window_lyapunov_times * lyapunov_steps), len(targets) - start)` and
    `K = min(max_windows, (len(targets) - start) // H)`. Window `i` starts at
    `s = start + i H`: `forecast(inputs[: s + 1], H)` is given the true inputs up to and
    including `inputs[s]` and predicts `targets[s : s + H]`.

    **Arguments:**

    - `forecast`: `(warmup_inputs, num_steps) -> predictions`, e.g. `lambda w, n:
      esn_forecast(esn, w, n)`.
    - `inputs`, `targets`: the whole series; `start`: the first test target.
    - `lyapunov_steps`: one Lyapunov time in samples.
    - `scale`: per-variable scale of the error (default ones: z-scored data).

    **Returns:** a dict: `starts`, per-window `valid_steps`, `valid_time` (Lyapunov times)
    and `forecast_nrmse` (over the first Lyapunov time), each an array of `K`; `cap`, the
    largest valid time a window can show (`H / lyapunov_steps`); `window_steps` (`H`).
    """
    inputs, targets = jnp.asarray(inputs), jnp.asarray(targets)
    span = targets.shape[0] - start
    if span < 1 or start < 0:
        raise ValueError(f"`start`={start} leaves no test targets out of {targets.shape[0]}.")
    if lyapunov_steps <= 0 or window_lyapunov_times <= 0 or max_windows < 1:
        raise ValueError(
            "`lyapunov_steps` and `window_lyapunov_times` must be > 0 and `max_windows` >= 1."
        )
    horizon = max(1, min(round(window_lyapunov_times * lyapunov_steps), span))
    count = min(max_windows, span // horizon)
    scale = jnp.ones(targets.shape[1], targets.dtype) if scale is None else jnp.asarray(scale)
    starts, steps, times, errors = [], [], [], []
    for i in range(count):
        first = start + i * horizon
        prediction = jnp.asarray(forecast(inputs[: first + 1], horizon))
        truth = targets[first : first + horizon]
        error, valid = forecast_scores(prediction, truth, lyapunov_steps, scale)
        starts.append(first)
        steps.append(float(valid_steps(prediction, truth, scale)))
        times.append(float(valid))
        errors.append(float(error))
    return {
        "starts": np.asarray(starts, np.int64),
        "valid_steps": np.asarray(steps, np.float64),
        "valid_time": np.asarray(times, np.float64),
        "forecast_nrmse": np.asarray(errors, np.float64),
        "cap": horizon / lyapunov_steps,
        "window_steps": horizon,
    }


def summarise_windows(windows: dict) -> dict[str, float]:
    """Mean and standard error over windows (SEM NaN for one window), the cap, and how many
    windows reached it (their valid time is a lower bound)."""
    times = np.asarray(windows["valid_time"])
    count = times.shape[0]
    at_cap = int(np.sum(np.asarray(windows["valid_steps"]) >= windows["window_steps"]))
    sem = float(np.std(times, ddof=1) / math.sqrt(count)) if count > 1 else math.nan
    return {
        "forecast_nrmse": float(np.mean(windows["forecast_nrmse"])),
        "valid_steps": float(np.mean(windows["valid_steps"])),
        "valid_time": float(np.mean(times)),
        "valid_time_sem": sem,
        "valid_time_cap": float(windows["cap"]),
        "windows": count,
        "windows_at_cap": at_cap,
    }
