"""Both baselines on exactly a `Task`'s split (`run_baselines`) and on a sweep's (`baselines`)."""

import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pandas as pd
from jaxtyping import PRNGKeyArray

from .._config import ConfigError, SweepConfig
from .._metrics import nrmse
from .._options import options_for
from .._provenance import devices, versions
from .._ridge import RIDGE_ALPHAS, extend_penalties, penalty_on_edge
from .._sweep import _store
from .._tasks import TASK_STREAM, Task, task_provenance
from ._esn import ESN, esn_forecast, fit_esn
from ._ngrc import NGRC_ALPHAS, fit_ngrc, ngrc_forecast
from ._search import ESN_SEARCH_BUDGET, fit_esn_extended, tune_esn
from ._windows import MAX_WINDOWS, WINDOW_LYAPUNOV_TIMES, summarise_windows, valid_time_windows


def _timed(fit):
    """Run `fit` twice; report the second (compiled) wall time, not the compilation."""
    jax.block_until_ready(fit())
    begin = time.perf_counter()
    model = jax.block_until_ready(fit())
    return model, time.perf_counter() - begin


def _is_next_step(task: Task) -> bool:
    inputs, targets = np.asarray(task.inputs), np.asarray(task.targets)
    return inputs.shape == targets.shape and np.allclose(targets[:-1], inputs[1:], atol=1e-6)


_NO_FORECAST = {"forecast_nrmse": math.nan, "valid_steps": math.nan, "valid_time": math.nan,
                "valid_time_sem": math.nan, "valid_time_cap": math.nan, "windows": 0,
                "windows_at_cap": 0}  # fmt: skip


def _penalty(alpha, alphas: tuple[float, ...], given: float | None) -> dict[str, Any]:
    """A fit's penalty, whether it sits on an edge of the range searched, and that range."""
    if given is not None:
        return {"alpha": float(alpha), "alpha_on_edge": False, "alpha_range": "given"}
    return {
        "alpha": float(alpha),
        "alpha_on_edge": bool(penalty_on_edge(alpha, alphas)),
        "alpha_range": f"{min(alphas):.0e}..{max(alphas):.0e}",
    }


def run_baselines(
    task: Task,
    *,
    lyapunov_time_steps: float | None,
    key: PRNGKeyArray,
    forecast: bool | None = None,
    ngrc_k: int = 2,
    ngrc_s: int = 1,
    ngrc_alpha: float | None = None,
    esn_size: int = 300,
    esn_spectral_radius: float | None = None,
    esn_density: float = 0.1,
    esn_leak_rate: float | None = None,
    esn_input_scaling: float | None = None,
    esn_bias_scaling: float = 0.5,
    esn_alpha: float | None = None,
    esn_search_budget: int = ESN_SEARCH_BUDGET,
    search_seed: int = 0,
    window_lyapunov_times: float = WINDOW_LYAPUNOV_TIMES,
    max_windows: int = MAX_WINDOWS,
    float64: bool = True,
) -> list[dict[str, Any]]:
    """NG-RC and an ESN on exactly `task`'s split, each tuned on its training split.

    Both are fitted on the training samples after the washout (`inputs[washout : washout +
    num_train]`; NG-RC's delay taps may reach into the washout) and scored on the test
    samples (the rest). With `float64` (default) they run in float64 (`jax.enable_x64`,
    inside this call only): their features' condition numbers reach 1e8 and the validated
    penalties 1e-10.

    Tuning, all on the training split (the chronologically last 20 % validates):

    - every ridge penalty is chosen from `RIDGE_ALPHAS` (1e-14 ... 1e6); `alpha_on_edge`
      says whether the choice sits on an edge of that range;
    - NG-RC (k, s as given: the paper's 2, 1) fits $\\Delta u$ when the task is next-step,
      and then (unless `ngrc_alpha` is given) validates its penalty by closed-loop
      forecasts (`fit_ngrc(validate_forecast=True)`), else one step ahead;
    - the ESN's spectral radius, leak rate and input scaling (those left None) are chosen
      by `esn_search_budget` seeded random draws plus the ESN's defaults
      (`jaxglia._baselines._search.tune_esn`, seed `search_seed`), scored by closed-loop
      valid steps on the validation part for a forecasting task, else by one-step NRMSE;
      the chosen ESN is refitted on the whole training split. Budget 0: no search.

    Scores:

    - `test_nrmse`: one-step teacher-forced NRMSE on the test split (`nrmse`).
    - With a forecast (autonomous task of horizon 1, `targets[t] == inputs[t + 1]`, which is
      checked; `forecast=None` takes `task.forecastable`): `valid_time_windows` over the test
      split, windows of `window_lyapunov_times` (at most `max_windows` of them), in units
      of the training standard deviation (inputs and targets share one z-scoring):
      `valid_time` = mean over windows (Lyapunov times), `valid_time_sem` its standard error
      (NaN for one window), `valid_time_cap` the window length (no value can exceed it),
      `windows`, `windows_at_cap` (windows whose forecast never failed: lower bounds),
      `valid_steps` (mean, in samples) and `forecast_nrmse` (mean over windows of the RMS
      error over the first `round(lyapunov_time_steps)` steps). Without a forecast these are
      NaN (0 windows).
    - `fit_seconds`: wall time of one compiled fit (compilation excluded; for the ESN the
      refit with the chosen parameters, not the search).
    - the hyperparameters used: `alpha`, `alpha_on_edge`, `num_features`, and the model's own
      (`k`, `s` or `size`, `spectral_radius`, ...). The ESN row's `search` holds the
      search's record (budget, seed, space, every trial); `baselines` moves it to
      `baselines.json`.

    **Returns:** one dict per model, `model` = "ngrc" then "esn".
    """
    if float64:
        with jax.enable_x64(True):
            task = jax.tree_util.tree_map(
                lambda x: jnp.asarray(x, jnp.float64) if isinstance(x, jax.Array) else x, task
            )
            return _run(task, lyapunov_time_steps, key, forecast, locals_of(locals()))
    return _run(task, lyapunov_time_steps, key, forecast, locals_of(locals()))


def locals_of(values: dict[str, Any]) -> dict[str, Any]:
    """The model options of `run_baselines`'s arguments."""
    names = ("ngrc_k", "ngrc_s", "ngrc_alpha", "esn_size", "esn_spectral_radius",
             "esn_density", "esn_leak_rate", "esn_input_scaling", "esn_bias_scaling",
             "esn_alpha", "esn_search_budget", "search_seed", "window_lyapunov_times",
             "max_windows")  # fmt: skip
    return {name: values[name] for name in names}


def _run(task: Task, lyapunov_time_steps, key, forecast, o: dict[str, Any]) -> list[dict]:
    if forecast is None:
        forecast = task.forecastable
    if forecast and not _is_next_step(task):
        raise ValueError("`forecast=True` needs a next-step task (`targets[t] == inputs[t+1]`).")
    inputs, targets = task.inputs, task.targets
    begin, test_start = task.washout, task.washout + task.num_train
    test_targets = targets[test_start:]
    scored_forecast = bool(forecast) and lyapunov_time_steps is not None

    def scores(one_step, forecaster) -> dict:
        result = {"test_nrmse": float(nrmse(one_step, test_targets))}
        if scored_forecast:
            windows = valid_time_windows(
                forecaster,
                inputs,
                targets,
                start=test_start,
                lyapunov_steps=float(lyapunov_time_steps),  # pyright: ignore[reportArgumentType]
                window_lyapunov_times=o["window_lyapunov_times"],
                max_windows=o["max_windows"],
            )
            return {**result, **summarise_windows(windows)}
        return {**result, **_NO_FORECAST}

    # NG-RC: delay taps may reach back into the washout, but never before sample 0.
    k, s = o["ngrc_k"], o["ngrc_s"]
    history = (k - 1) * s
    first = max(0, begin - history)

    def fit_ngrc_with(alphas: tuple[float, ...]):
        return fit_ngrc(
            inputs[first:test_start],
            targets[first:test_start],
            k=k,
            s=s,
            alpha=o["ngrc_alpha"],
            alphas=alphas,
            validate_forecast=forecast,
            predict_difference=forecast,
        )

    ngrc_alphas = NGRC_ALPHAS
    if o["ngrc_alpha"] is None:
        ngrc_alphas = extend_penalties(lambda a: (m := fit_ngrc_with(a), float(m.alpha)))[1]
    ngrc, seconds = _timed(lambda: fit_ngrc_with(ngrc_alphas))
    ngrc_row = {
        "model": "ngrc",
        **scores(
            ngrc.predict(inputs[test_start - history :]),
            lambda warmup, n: ngrc_forecast(ngrc, warmup, n),
        ),
        "fit_seconds": seconds,
        **_penalty(ngrc.alpha, ngrc_alphas, o["ngrc_alpha"]),
        "num_features": int(ngrc.weights.shape[0]),
        "k": k,
        "s": s,
    }

    esn_options = dict(size=o["esn_size"], density=o["esn_density"],
                       bias_scaling=o["esn_bias_scaling"])  # fmt: skip
    given = {"spectral_radius": o["esn_spectral_radius"], "leak_rate": o["esn_leak_rate"],
             "input_scaling": o["esn_input_scaling"]}  # fmt: skip
    fixed = {name: float(value) for name, value in given.items() if value is not None}
    chosen, search = tune_esn(
        inputs,
        targets,
        washout=begin,
        num_train=task.num_train,
        forecast=scored_forecast,
        key=key,
        budget=o["esn_search_budget"],
        seed=o["search_seed"],
        fixed=fixed,
        **esn_options,
    )
    esn = ESN(inputs.shape[1], targets.shape[1], key=key, **chosen, **esn_options)

    esn_alphas: tuple[float, ...] = RIDGE_ALPHAS
    if o["esn_alpha"] is None:
        esn_alphas = fit_esn_extended(esn, inputs[:test_start], targets[:test_start], begin)[1]
    esn, seconds = _timed(
        lambda: fit_esn(
            esn,
            inputs[:test_start],
            targets[:test_start],
            washout=begin,
            alpha=o["esn_alpha"],
            alphas=esn_alphas,
        )  # fmt: skip
    )
    esn_row = {
        "model": "esn",
        **scores(esn.predict(inputs)[test_start:], lambda w, n: esn_forecast(esn, w, n)),
        "fit_seconds": seconds,
        **_penalty(esn.alpha, esn_alphas, o["esn_alpha"]),
        "num_features": int(esn.readout.shape[0]),
        **esn_options,
        **chosen,
        "search": search,
    }
    return [ngrc_row, esn_row]


# The options that define a task's data and split: baselines compared with a sweep must
# share them.
TASK_FIELDS = tuple(option.name for option in options_for("baselines"))


def baselines(
    cfg: SweepConfig | None = None, out: str | Path | None = None, **options: Any
) -> pd.DataFrame:
    """NG-RC and an echo state network, each tuned, on exactly the split a sweep uses.

    **Arguments:**

    - `cfg`: the sweep's configuration (only its task options and seed matter: see
      `TASK_FIELDS`). None (default): the config of the sweep in `out` (finished or not:
      its `sweep.json` is written before any work), else MODEL.md's defaults.
    - `out`: a directory to write `baselines.csv` and `baselines.json` (provenance, the ESN's
      search, the sweep's fingerprint as `sweep_fingerprint`) into, typically the sweep's own,
      where `jaxglia report` finds them. It is checked before anything is fitted: a file, a
      path under a file, an unwritable place or "" is refused (`OutputError` naming `--out`).
      If it holds a sweep whose task options differ from `cfg`'s, `ConfigError` names the
      first difference; a sweep run from an `Experiment` (no config recorded) is refused.
    - `options`: keywords of `run_baselines` (`esn_search_budget`, `esn_size`, ...; default
      its defaults), recorded in `baselines.json`.

    **Returns:** one row per baseline (`run_baselines`, seeded by `cfg.seed`): `model`,
    `task`, `test_nrmse`, and for an autonomous task of horizon 1 the multi-window
    `forecast_nrmse`, `valid_time` (mean) with `valid_time_sem`, `valid_time_cap`,
    `windows`, `windows_at_cap`; `fit_seconds`, and the hyperparameters chosen.
    """
    # Lazy: the experiment (populations, readouts) sits above the baselines in the stack.
    from .._experiment import Experiment, prepare_task

    record = None
    if out is not None:
        out = _store.check_writable(out)
        found = _store.sweep_record(out)
        record = None if found is None else found[1]
    if record is not None:
        theirs = record.get("config")
        if not isinstance(theirs, dict):
            raise _store.OutputError(
                f"--out: the sweep in {str(out)!r} was run from a jaxglia.Experiment and "
                "records no config, so its split cannot be rebuilt here; call "
                "jaxglia.run_baselines on its task instead"
            )
        if cfg is None:
            cfg = SweepConfig.from_mapping(
                {k: v for k, v in theirs.items() if k in TASK_FIELDS}, source="sweep.json"
            )
        mine = cfg.to_dict()
        for name in TASK_FIELDS:
            if name in theirs and theirs[name] != mine[name]:
                raise ConfigError(
                    name,
                    mine[name],
                    f"the sweep in {out} used {theirs[name]!r}; baselines must share its "
                    "task and split (omit the option to take the sweep's)",
                )
    cfg = SweepConfig() if cfg is None else cfg
    task = prepare_task(Experiment.from_config(cfg))
    key = jr.fold_in(jr.fold_in(jr.key(cfg.seed), TASK_STREAM), 1)
    options = {"search_seed": cfg.seed, **options}
    rows = run_baselines(task, lyapunov_time_steps=task.lyapunov_steps, key=key, **options)
    searches = {row["model"]: row.pop("search") for row in rows if "search" in row}
    table = pd.DataFrame([{"task": cfg.task, **row} for row in rows])
    first = ["model", "task", "test_nrmse", "forecast_nrmse", "valid_time", "valid_time_sem",
             "valid_time_cap", "windows", "windows_at_cap", "fit_seconds", "alpha",
             "alpha_on_edge"]  # fmt: skip
    order = [c for c in first if c in table] + [c for c in table if c not in first]
    table = table.reindex(columns=order)
    if out is not None:
        assert isinstance(out, Path)
        out.mkdir(parents=True, exist_ok=True)
        _store.atomic_write_text(
            out / "baselines.csv", table.to_csv(index=False, float_format="%.9g")
        )
        info = {
            "config": {k: v for k, v in cfg.to_dict().items() if k in TASK_FIELDS},
            "sweep_fingerprint": None if record is None else record.get("fingerprint"),
            "task": task_provenance(task),
            "penalties": {
                "range": [min(RIDGE_ALPHAS), max(RIDGE_ALPHAS)],
                "values": len(RIDGE_ALPHAS),
            },  # fmt: skip
            "forecast_windows": {
                "window_lyapunov_times": WINDOW_LYAPUNOV_TIMES,
                "max_windows": MAX_WINDOWS,
            },  # fmt: skip
            "options": options,
            "esn_search": searches.get("esn"),
            "command": sys.argv,
            "versions": versions(),
            "devices": devices(),
        }
        _store.atomic_write_text(out / "baselines.json", json.dumps(info, indent=2) + "\n")
    return table
