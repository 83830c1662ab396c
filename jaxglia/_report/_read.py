"""Reading a sweep directory for the report: `read_sweep`.

A sweep's directory (it holds `sweep.json`) is read through `jaxglia.load`, the one reader
of a sweep's outputs and chunks, so the report sees exactly the Dataset users get. A
directory assembled by hand (a `results.csv`, optionally `curves.npz` and `run.json`, no
`sweep.json`) is read file by file. `baselines.csv` is read here.

Missing optional files come back as None (with why, for the curves); a file that is there but
unreadable, or inconsistent with `results.csv`, is a `ReportError`.
"""

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._schema import OUTPUTS, RESULT_COLUMNS
from .._sweep._store import read_json
from ._common import _BASELINE_METRICS, _SIZES, ReportError


_RESULTS, _CURVES, _RUN = OUTPUTS
_BASELINES = "baselines.csv"
_REWRITE = "rerun the sweep into this directory to rewrite it"
_WRITES = f"a sweep writes {', '.join(OUTPUTS[:-1])} and {OUTPUTS[-1]}"


@dataclasses.dataclass(frozen=True)
class Sweep:
    """What the report reads from one sweep directory.

    **Fields:**

    - `directory`: the sweep directory, as a `Path`.
    - `results`: `results.csv` as read, one row per network (not yet validated: that is
      `_stats._prepare`'s job).
    - `curves`: `curves.npz`'s loss curves (networks x epochs), checked against `results`
      row by row, or None; `why_no_curves` then says why (else it is "").
    - `run`: `run.json` as a dict, or None if it is missing.
    - `baselines`: `baselines.csv` as a table, or None if it is missing.
    - `baselines_info`: `baselines.json` (the baselines' provenance) as a dict, or None if
      it is missing or unreadable.
    - `fingerprint`: the sweep's fingerprint (run.json's, else sweep.json's), or None.
    """

    directory: Path
    results: pd.DataFrame
    curves: np.ndarray | None
    why_no_curves: str
    run: dict[str, Any] | None
    baselines: pd.DataFrame | None
    baselines_info: dict[str, Any] | None = None
    fingerprint: str | None = None


def read_sweep(directory: str | Path, *, require_run: bool = False) -> Sweep:
    """Read a sweep directory.

    **Arguments:**

    - `directory`: the sweep directory; it must hold `results.csv`.
    - `require_run`: what `compare` needs: `run.json` must be there too, a file that cannot
      be read is an error that names the directory, and only `results.csv` and `run.json`
      are read (`curves` and `baselines` are None).

    **Returns:** a [`Sweep`][].

    **Raises:** `ReportError` if the directory or a required file is missing, or if a file
    that is there cannot be read or disagrees with `results.csv`.
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise ReportError(f"sweep directory {directory} does not exist or is not a directory")
    if require_run:
        missing = [name for name in (_RESULTS, _RUN) if not (directory / name).is_file()]
        if missing:
            raise ReportError(
                f"{directory} is not a finished sweep: it holds no {' and no '.join(missing)} "
                f"({_WRITES} once every network is done)"
            )
        try:
            results = _read_results(directory / _RESULTS)
            run = _read_run(directory / _RUN)
        except ReportError as error:
            raise ReportError(f"{directory}: {error}") from error
        return Sweep(directory, results, None, f"{_CURVES} was not read.", run, None)
    if (directory / "sweep.json").is_file():
        results, curves, why_no_curves = _load(directory)
        run = _read_run(directory / _RUN)
        if require_run and run is None:
            raise ReportError(
                f"{directory} is not a finished sweep: it holds no {_RUN} "
                f"({_WRITES} once every network is done)"
            )
        baselines = None if require_run else _read_baselines(directory / _BASELINES)
        return Sweep(
            directory, results, curves, why_no_curves, run, baselines,
            read_json(directory / "baselines.json"), _fingerprint(directory, run),
        )  # fmt: skip
    if not (directory / _RESULTS).is_file():
        raise ReportError(
            f"{directory} holds no {_RESULTS}: not a finished sweep directory "
            f"({_WRITES} when every network is done)"
        )
    results = _read_results(directory / _RESULTS)
    curves, why_no_curves = _read_curves(directory / _CURVES, results)
    run = _read_run(directory / _RUN)
    baselines = _read_baselines(directory / _BASELINES)
    return Sweep(
        directory, results, curves, why_no_curves, run, baselines,
        read_json(directory / "baselines.json"), _fingerprint(directory, run),
    )  # fmt: skip


def _fingerprint(directory: Path, run: dict[str, Any] | None) -> str | None:
    """The sweep's fingerprint: run.json's, else sweep.json's, else None."""
    for record in (run, read_json(directory / "sweep.json")):
        if record is not None and isinstance(record.get("fingerprint"), str):
            return record["fingerprint"]
    return None


def _rebuild(path: Path, what: str) -> ReportError:
    """The error for a damaged output file of a sweep directory, and what to do about it."""
    return ReportError(
        f"{path} is {what}: rerun `jaxglia sweep` with the same options and --out "
        f"{path.parent}, which rebuilds {', '.join(OUTPUTS)} from the finished "
        f"chunks in {path.parent / 'chunks'}, then `jaxglia report` again"
    )


def _check_outputs(directory: Path) -> None:
    """Refuse, in one line, a sweep directory whose written outputs are truncated or damaged
    (results.csv, curves.npz or run.json), rather than reporting on its chunks silently."""
    for name in OUTPUTS:
        path = directory / name
        if not path.is_file():
            continue
        if path.stat().st_size == 0:
            raise _rebuild(path, "empty")
        try:
            if name == _CURVES:
                with np.load(path, allow_pickle=False) as data:
                    for key in data.files:
                        np.asarray(data[key])
            elif name == _RUN:
                if not isinstance(json.loads(path.read_text()), dict):
                    raise ValueError("not a JSON object")
            else:
                pd.read_csv(path)
        except Exception as error:  # noqa: BLE001 - any unreadable file is damaged.
            raise _rebuild(path, f"damaged ({type(error).__name__}: {error})") from None
    results, curves = directory / _RESULTS, directory / _CURVES
    if results.is_file() and curves.is_file():
        rows = len(pd.read_csv(results))
        with np.load(curves, allow_pickle=False) as data:
            shape = np.shape(data["curves"]) if "curves" in data.files else None
        if shape is None or len(shape) != 2 or shape[0] != rows:
            raise _rebuild(
                results,
                f"inconsistent with {_CURVES} ({rows} rows against curves of shape {shape}: "
                "one of them is truncated)",
            )


def _load(directory: Path) -> tuple[pd.DataFrame, np.ndarray | None, str]:
    """A sweep's results table and loss curves through `jaxglia.load`; only a finished sweep
    (every network done) is reported on."""
    import warnings

    from .._load import LoadError, load

    _check_outputs(directory)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            dataset = load(directory)
    except LoadError as error:
        raise ReportError(str(error)) from error
    damaged = [str(w.message) for w in caught if "damaged" in str(w.message)]
    if damaged and not dataset.attrs["complete"]:
        raise ReportError(
            f"{directory} is not a finished sweep and {len(damaged)} of its chunk files are "
            f"damaged or from another jaxglia version (first: {damaged[0]}); rerun `jaxglia "
            f"sweep` with the same options and --out {directory} to recompute them"
        )
    if not dataset.attrs["complete"]:
        done, total = dataset.attrs["networks_done"], dataset.attrs["networks_total"]
        raise ReportError(
            f"{directory} is not a finished sweep: {done} of {total} networks are done "
            "(run the same sweep again to finish it)"
        )
    table = dataset.drop_dims("epoch", errors="ignore").to_dataframe().reset_index(drop=True)
    table = table[[c for c in RESULT_COLUMNS if c in table.columns]]
    if "curve" not in dataset:
        return table, None, "the readout has no epochs (no loss curves)."
    return table, dataset["curve"].to_numpy().astype(float), ""


def _read_results(path: Path) -> pd.DataFrame:
    """results.csv as a table; a ReportError if it cannot be parsed."""
    try:
        table = pd.read_csv(path, keep_default_na=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ReportError(f"cannot read {path}: {error}; {_REWRITE}") from error
    return table


def _read_curves(path: Path, results: pd.DataFrame) -> tuple[np.ndarray | None, str]:
    """The loss curves if present and consistent with results.csv, else None and why."""
    if not path.is_file():
        return None, "curves.npz is missing from the sweep directory."
    try:
        with np.load(path) as data:
            curves = np.asarray(data["curves"], dtype=float)
            keys = {k: np.asarray(data[k]) for k in _SIZES if k in data}
    except Exception as error:  # noqa: BLE001 - any unreadable file is damaged.
        raise ReportError(f"cannot read {path}: {error}; {_REWRITE}") from None
    if curves.ndim != 2 or curves.shape[0] != len(results):
        raise ReportError(
            f"curves.npz holds curves of shape {curves.shape}, but results.csv has "
            f"{len(results)} rows: the two files come from different sweeps"
        )
    for key, values in keys.items():
        if key in results.columns and not np.array_equal(values, results[key].to_numpy()):
            raise ReportError(f"curves.npz and results.csv disagree on {key} row by row")
    if curves.shape[1] == 0:
        return None, "curves.npz holds no epochs."
    return curves, ""


def _read_run(path: Path) -> dict[str, Any] | None:
    """run.json as a dict, or None if it is missing."""
    if not path.is_file():
        return None
    try:
        run = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ReportError(f"{path} is not valid JSON ({error}); {_REWRITE}") from error
    if not isinstance(run, dict):
        raise ReportError(f"{path} must hold a JSON object; {_REWRITE}")
    return run


def _read_baselines(path: Path) -> pd.DataFrame | None:
    """baselines.csv as a table, or None if it is missing; a ReportError if it is unusable."""
    if not path.is_file():
        return None
    try:
        table = pd.read_csv(path, keep_default_na=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise ReportError(f"cannot read {path.name}: {error}") from error
    missing = [c for c in ("model", "test_nrmse") if c not in table.columns]
    if missing or table.empty:
        raise ReportError(
            f"{path.name} must hold one row per baseline with columns model, task, "
            f"{', '.join(_BASELINE_METRICS)} (and any hyperparameters); "
            + (f"it lacks {', '.join(missing)}" if missing else "it has no rows")
        )
    return table
