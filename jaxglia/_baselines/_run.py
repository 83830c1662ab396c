"""Both baselines on exactly a `Task`'s split (`run_baselines`) and on a sweep's (`baselines`)."""

import json
import math
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pandas as pd
from jaxtyping import PRNGKeyArray

from .._config import ConfigError, SweepConfig
from .._metrics import forecast_scores, nrmse, valid_steps
from .._options import options_for
from .._provenance import devices, versions
from .._sweep import _store
from .._tasks import TASK_STREAM, Task, task_provenance
from ._esn import ESN, esn_forecast, fit_esn
from ._ngrc import fit_ngrc, ngrc_forecast


def _timed(fit):
    """Run `fit` twice; report the second (compiled) wall time, not the compilation."""
    jax.block_until_ready(fit())
    begin = time.perf_counter()
    model = jax.block_until_ready(fit())
    return model, time.perf_counter() - begin


def _is_next_step(task: Task) -> bool:
    inputs, targets = np.asarray(task.inputs), np.asarray(task.targets)
    return inputs.shape == targets.shape and np.allclose(targets[:-1], inputs[1:], atol=1e-6)


def _forecast_scores(prediction, truth, lyapunov_time_steps: float | None) -> dict:
    """Forecast scores in z-scored units (the per-variable scale of the error is 1)."""
    steps = float(valid_steps(prediction, truth, jnp.ones(truth.shape[1], truth.dtype)))
    if lyapunov_time_steps is None:
        return {"forecast_nrmse": math.nan, "valid_steps": steps, "valid_time": math.nan}
    error, valid = forecast_scores(prediction, truth, lyapunov_time_steps)
    return {"forecast_nrmse": float(error), "valid_steps": steps, "valid_time": float(valid)}


def run_baselines(
    task: Task,
    *,
    lyapunov_time_steps: float | None,
    key: PRNGKeyArray,
    forecast: bool | None = None,
    forecast_steps: int | None = None,
    ngrc_k: int = 2,
    ngrc_s: int = 1,
    ngrc_alpha: float | None = None,
    esn_size: int = 300,
    esn_spectral_radius: float = 0.9,
    esn_density: float = 0.1,
    esn_leak_rate: float = 1.0,
    esn_input_scaling: float = 0.1,
    esn_bias_scaling: float = 0.5,
    esn_alpha: float | None = None,
) -> list[dict]:
    """NG-RC and an ESN on exactly `task`'s split, for comparison with the spiking reservoirs.

    Both are fitted on the training samples after the washout (`inputs[washout : washout +
    num_train]`; NG-RC's delay taps may reach into the washout) and scored on the test
    samples (the rest).

    - `test_nrmse`: one-step teacher-forced NRMSE on the test split (`nrmse`).
    - With a forecast (autonomous task of horizon 1, so `targets[t] == inputs[t + 1]`, which
      is checked; `forecast=None` takes `task.forecastable`): a closed loop from the start of
      the test split — true inputs up to and including the first test input, then the model's
      own predictions —
      compared with `targets[washout + num_train :]` for `forecast_steps` steps (default: the
      whole test split). Inputs and targets share one z-scoring, so the error is measured in
      units of the training standard deviation (scale 1 per variable):
      `forecast_nrmse` = RMS error over the first `round(lyapunov_time_steps)` steps (the
      analogue of the NG-RC paper's normalisation by the data's variance, rather than the
      short window's own variance); `valid_steps` = steps before the error first exceeds 0.4;
      `valid_time` = `valid_steps / lyapunov_time_steps` (NaN without it). Without a forecast
      these three are NaN.
    - `fit_seconds`: wall time of one compiled fit (compilation excluded).
    - the hyperparameters used: `alpha` (chosen by validation unless given), `num_features`,
      and the model's own (`k`, `s` or `size`, `spectral_radius`, ...).

    NG-RC fits $\\Delta u$ when the task is next-step, and then (unless `ngrc_alpha` is given)
    validates its penalty by a closed-loop forecast (`fit_ngrc(validate_forecast=True)`): the
    one-step choice is the smallest penalty, unstable in closed loop. The ESN's penalty is
    validated one step ahead (as `fit_ridge_validated`); its defaults are explained in `ESN`.

    **Returns:** one dict per model, `model` = "ngrc" then "esn".
    """
    if forecast is None:
        forecast = task.forecastable
    if forecast and not _is_next_step(task):
        raise ValueError("`forecast=True` needs a next-step task (`targets[t] == inputs[t+1]`).")
    inputs, targets = task.inputs, task.targets
    begin, test_start = task.washout, task.washout + task.num_train
    num_forecast = task.num_test if forecast_steps is None else min(forecast_steps, task.num_test)
    test_targets = targets[test_start:]
    nan_scores = {"forecast_nrmse": math.nan, "valid_steps": math.nan, "valid_time": math.nan}
    results = []

    # NG-RC: delay taps may reach back into the washout, but never before sample 0.
    history = (ngrc_k - 1) * ngrc_s
    first = max(0, begin - history)
    ngrc, seconds = _timed(
        lambda: fit_ngrc(
            inputs[first:test_start],
            targets[first:test_start],
            k=ngrc_k,
            s=ngrc_s,
            alpha=ngrc_alpha,
            validate_forecast=forecast,
            predict_difference=forecast,
        )
    )

    def scored(model: str, one_step, forecaster, seconds: float, **hyper) -> dict:
        scores = nan_scores
        if forecast:
            prediction = forecaster(inputs[: test_start + 1], num_forecast)
            truth = test_targets[:num_forecast]
            scores = _forecast_scores(prediction, truth, lyapunov_time_steps)
        error = float(nrmse(one_step, test_targets))
        return {"model": model, "test_nrmse": error, **scores, "fit_seconds": seconds, **hyper}

    results.append(
        scored(
            "ngrc",
            ngrc.predict(inputs[test_start - history :]),
            lambda warmup, n: ngrc_forecast(ngrc, warmup, n),
            seconds,
            alpha=float(ngrc.alpha),
            num_features=int(ngrc.weights.shape[0]),
            k=ngrc_k,
            s=ngrc_s,
        )
    )

    esn = ESN(
        inputs.shape[1],
        targets.shape[1],
        size=esn_size,
        spectral_radius=esn_spectral_radius,
        density=esn_density,
        leak_rate=esn_leak_rate,
        input_scaling=esn_input_scaling,
        bias_scaling=esn_bias_scaling,
        key=key,
    )
    esn, seconds = _timed(
        lambda: fit_esn(
            esn, inputs[:test_start], targets[:test_start], washout=begin, alpha=esn_alpha
        )
    )
    results.append(
        scored(
            "esn",
            esn.predict(inputs)[test_start:],
            lambda warmup, n: esn_forecast(esn, warmup, n),
            seconds,
            alpha=float(esn.alpha),
            num_features=int(esn.readout.shape[0]),
            size=esn_size,
            spectral_radius=esn_spectral_radius,
            density=esn_density,
            leak_rate=esn_leak_rate,
            input_scaling=esn_input_scaling,
            bias_scaling=esn_bias_scaling,
        )
    )
    return results


# The options that define a task's data and split: baselines compared with a sweep must
# share them.
TASK_FIELDS = tuple(option.name for option in options_for("baselines"))


def baselines(cfg: SweepConfig, out: str | Path | None = None) -> pd.DataFrame:
    """NG-RC and an echo state network on exactly the split a sweep under `cfg` uses.

    **Arguments:**

    - `cfg`: the sweep's configuration (only its task options and seed matter: see
      `TASK_FIELDS`).
    - `out`: a directory to write `baselines.csv` and `baselines.json` (provenance) into,
      typically the sweep's own, where `jaxglia report` finds them. If it holds a sweep
      (`run.json`) whose task options differ, `ConfigError` names the first difference.

    **Returns:** one row per baseline: `model`, `task`, `test_nrmse`, and (for an
    autonomous task, horizon 1) the closed-loop `forecast_nrmse` over one Lyapunov time and
    `valid_time` in Lyapunov times, `fit_seconds`, and the hyperparameters used.
    """
    # Lazy: the experiment (populations, readouts) sits above the baselines in the stack.
    from .._experiment import Experiment, prepare_task

    if out is not None:
        out = Path(out)
        sweep_run = out / "run.json"
        if sweep_run.is_file():
            theirs = json.loads(sweep_run.read_text(encoding="utf-8")).get("config", {})
            mine = cfg.to_dict()
            for name in TASK_FIELDS:
                if name in theirs and theirs[name] != mine[name]:
                    raise ConfigError(
                        name,
                        mine[name],
                        f"the sweep in {out} used {theirs[name]!r}; baselines must share its "
                        "task and split (omit the option to take the sweep's)",
                    )
    task = prepare_task(Experiment.from_config(cfg))
    key = jr.fold_in(jr.fold_in(jr.key(cfg.seed), TASK_STREAM), 1)
    rows = run_baselines(task, lyapunov_time_steps=task.lyapunov_steps, key=key)
    table = pd.DataFrame([{"task": cfg.task, **row} for row in rows])
    first = ["model", "task", "test_nrmse", "forecast_nrmse", "valid_time", "fit_seconds"]
    order = [c for c in first if c in table] + [c for c in table if c not in first]
    table = table.reindex(columns=order)
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        _store.atomic_write_text(
            out / "baselines.csv", table.to_csv(index=False, float_format="%.9g")
        )
        info = {
            "config": {k: v for k, v in cfg.to_dict().items() if k in TASK_FIELDS},
            "task": task_provenance(task),
            "command": sys.argv,
            "versions": versions(),
            "devices": devices(),
        }
        _store.atomic_write_text(out / "baselines.json", json.dumps(info, indent=2) + "\n")
    return table
