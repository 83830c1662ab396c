"""A sweep's directory as one `xarray.Dataset`: finished or partial, never modified."""

import io
import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._config import ConfigError, SweepConfig
from ._schema import IDENTITY, RESULT_COLUMNS
from ._sweep import _store
from ._sweep._table import results_table


class LoadError(ValueError):
    """A directory that holds no sweep `load` can read (missing, empty, or damaged)."""


# Names of sweeps written before the columns were renamed (old name: new name).
_OLD_NAMES = {
    "n_neurons": "num_neurons",
    "n_astrocytes": "num_astrocytes",
    "total_units": "num_units",
}
# The text columns; every other column is numeric (NaN where empty).
_TEXT = ("status", "failure")
# Keys of the sweep's config that define its grid (`SweepConfig.grid`).
_GRID_KEYS = ("neurons", "astrocytes", "replicates")
# Older directories name the replicate count `seeds`.
_OLD_KEYS = {"seeds": "replicates"}


def load(directory: str | os.PathLike) -> Any:
    """Read a sweep's directory (finished or partial) into one `xarray.Dataset`.

    A finished sweep is read from `results.csv`, `curves.npz` and `run.json`, and the
    Dataset holds exactly their values, in their order. A partial sweep (no `results.csv`:
    interrupted, or still running) is rebuilt from the finished chunk files in `chunks/`,
    in the grid's order, with the code that writes `results.csv`, so a network's values are
    those the finished sweep will write. If an output is missing or damaged but every chunk
    is there, the Dataset is rebuilt from the chunks (they are the source of truth). Damaged
    chunk files are skipped with a warning naming them. Nothing in the directory is
    modified. Directories written before the columns were renamed (`n_neurons`,
    `n_astrocytes`, `total_units`) are read under the new names.

    **Arguments:**

    - `directory`: a sweep's output directory (`jaxglia.sweep(config, out=...)`,
      `jaxglia sweep --out ...`).

    **Returns:** an `xarray.Dataset` with dimensions `network` (one per finished network)
    and `epoch`, holding:

    - coordinates `num_neurons`, `num_astrocytes`, `replicate` along `network` (plain
      coordinates, not an index), and `epoch` (0, 1, ...);
    - one variable along `network` per other column of `results.csv` (`seed`, `num_units`,
      `ratio`, the metrics `learning_rate` ... `rate_astrocytes`, `status`, `failure`,
      `capacity`); numbers are NaN where the table is empty, `status` and `failure` are
      strings (`failure` is `""` for a network that did not fail);
    - `curve` (`network`, `epoch`): the per-epoch training loss. A readout without epochs
      (ridge) has no `epoch` dimension and no `curve` (netCDF-3 cannot hold an empty
      dimension);
    - attributes: `fingerprint`; `experiment` (every part's class and parameters, JSON, from
      `run.json`); `config` (the sweep's options as JSON, `{}` for a sweep of an
      `Experiment` made in Python) and each option as
      `config_<name>` (booleans as 0/1, size lists as comma lists `"0,25,50"`, options
      set to None left out); `task`, `versions`, `devices` (JSON, from `run.json`, absent
      until the sweep is finished) and `run` (all of `run.json` as JSON); `complete` (1 if
      every network of the grid is done, else 0), `networks_done`, `networks_total`;
      `source` (`"results.csv"` or `"chunks"`).

    `ds.drop_dims("epoch", errors="ignore").to_dataframe()` is the results table;
    `ds.to_netcdf(path)` writes it (with scipy, the default engine here: netCDF-3, integers
    stored as int32).

    Raises `jaxglia.LoadError` (a `ValueError`) if `directory` does not exist or holds no
    readable sweep.
    """
    try:
        import xarray as xr  # only `load` needs it: importing jaxglia stays light
    except ImportError:
        raise ImportError("jaxglia.load needs xarray: pip install xarray") from None

    out = Path(directory)
    if not out.is_dir():
        what = "is not a directory" if out.exists() else "does not exist"
        raise LoadError(
            f"{str(out)!r} {what}; expected a sweep's output directory (holding sweep.json)"
        )
    record = _sweep_record(out)
    fingerprint, config = str(record["fingerprint"]), record.get("config") or {}
    run = _run_record(out)
    grid, seed = _grid(out, record)

    outputs = None
    if (out / "results.csv").exists():
        try:
            outputs = _read_outputs(out)
        except LoadError as error:
            warnings.warn(f"{error}; rebuilding from the chunk files", stacklevel=2)
    if outputs is not None:
        source, (table, curves) = "results.csv", outputs
    else:
        source, (table, curves) = (
            "chunks",
            _from_chunks(out, fingerprint, grid, seed, config, record.get("experiment") or {}),
        )

    done = set(zip(*(table[k].tolist() for k in IDENTITY)))
    complete = source == "results.csv" or done >= set(grid)
    attrs = _attributes(fingerprint, config, run)
    attrs.update(
        complete=int(complete),
        networks_done=len(table),
        networks_total=len(grid),
        source=source,
    )
    network = {k: ("network", table[k].to_numpy()) for k in IDENTITY}
    data = {}
    for column in table.columns:
        if column in IDENTITY:
            continue
        values = table[column].to_numpy()
        if column in _TEXT:
            values = values.astype(str)
        data[column] = ("network", values)
    coords: dict[str, Any] = dict(network)
    if curves.shape[1]:
        data["curve"] = (("network", "epoch"), curves)
        coords["epoch"] = np.arange(curves.shape[1])
    ds = xr.Dataset(data, coords=coords, attrs=attrs)
    # netCDF-3 cannot hold an empty fixed dimension; an unlimited one may be empty (a
    # partial sweep with nothing done yet).
    ds.encoding["unlimited_dims"] = {"network"}
    return ds


# ---------------------------------------------------------------------------------------
# The files of a sweep's directory.


def _json(path: Path) -> dict[str, Any]:
    try:
        value = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise LoadError(f"{str(path)!r} is damaged: {error}") from None
    if not isinstance(value, dict):
        raise LoadError(f"{str(path)!r} is damaged: expected a JSON object")
    return value


def _sweep_record(out: Path) -> dict[str, Any]:
    """The fingerprint and config: `sweep.json` (written first), else `run.json`."""
    for name in ("sweep.json", "run.json"):
        path = out / name
        if path.exists():
            value = _json(path)
            described = isinstance(value.get("config"), dict) or "networks" in value
            if described and value.get("fingerprint"):
                return value
            raise LoadError(
                f"{str(path)!r} is damaged: it lacks the networks (or config) or fingerprint"
            )
    raise LoadError(
        f"{str(out)!r} holds no sweep: expected sweep.json (and chunks/, or results.csv, "
        "curves.npz and run.json), as written by jaxglia.sweep(config, out) or "
        "`jaxglia sweep --out`"
    )


def _run_record(out: Path) -> dict[str, Any] | None:
    path = out / "run.json"
    if not path.exists():
        return None
    try:
        return _json(path)
    except LoadError as error:
        warnings.warn(f"{error}; its provenance is left out", stacklevel=3)
        return None


def _grid(out: Path, record: dict[str, Any]) -> tuple[list[tuple[int, int, int]], int]:
    """The grid's networks in order, and the root seed, from `sweep.json`: its `networks`
    and `seed` (every sweep writes them), or, for a directory of an older version, the
    config's grid options (only those are rebuilt: an option added, renamed or removed
    since does not matter).
    """
    if isinstance(record.get("networks"), list):
        try:
            networks = [(int(n), int(a), int(r)) for n, a, r in record["networks"]]
            return networks, int(record["seed"])
        except (KeyError, TypeError, ValueError) as error:
            raise LoadError(
                f"{str(out / 'sweep.json')!r} is damaged: its networks are unreadable ({error})"
            ) from None
    config = record.get("config") or {}
    config = {_OLD_KEYS.get(k, k): v for k, v in config.items()}
    try:
        grid_config = SweepConfig.from_mapping({k: config[k] for k in _GRID_KEYS})
        seed = int(config.get("seed", 0))
    except (ConfigError, KeyError, TypeError, ValueError) as error:
        raise LoadError(
            f"{str(out / 'sweep.json')!r} is damaged: its config gives no grid ({error})"
        ) from None
    return grid_config.grid, seed


def _rename(names) -> dict[str, str]:
    return {k: _OLD_NAMES[k] for k in names if k in _OLD_NAMES and _OLD_NAMES[k] not in names}


def _parse_table(text: str, path: Path) -> pd.DataFrame:
    """A results table from the text of results.csv: old names renamed, text columns
    with "" where empty, every other column numeric (NaN where empty)."""
    try:
        table = pd.read_csv(io.StringIO(text), dtype={k: str for k in _TEXT})
    except (ValueError, pd.errors.ParserError) as error:
        raise LoadError(f"{str(path)!r} is damaged: {error}") from None
    table = table.rename(columns=_rename(table.columns))
    missing = [k for k in IDENTITY if k not in table.columns]
    if missing:
        raise LoadError(f"{str(path)!r} is damaged: it lacks the columns {missing}")
    names = [*RESULT_COLUMNS, *(c for c in table.columns if c not in RESULT_COLUMNS)]
    columns: dict[str, np.ndarray] = {}
    for name in names:
        if name not in table.columns:  # a column added after this sweep was written
            columns[name] = np.full(len(table), "" if name in _TEXT else np.nan)
        elif name in _TEXT:
            columns[name] = table[name].fillna("").to_numpy(str)
        else:
            try:
                columns[name] = np.asarray(pd.to_numeric(table[name]))
            except (ValueError, TypeError):
                raise LoadError(
                    f"{str(path)!r} is damaged: column {name!r} is not numeric"
                ) from None
    for name in IDENTITY:
        if np.isnan(columns[name].astype(float)).any():
            raise LoadError(f"{str(path)!r} is damaged: column {name!r} has empty cells")
        columns[name] = columns[name].astype(np.int64)
    return pd.DataFrame(columns)


def _read_outputs(out: Path) -> tuple[pd.DataFrame, np.ndarray]:
    """The finished sweep's results.csv and curves.npz, checked against each other."""
    csv, npz = out / "results.csv", out / "curves.npz"
    try:
        text = csv.read_text()
    except (OSError, UnicodeDecodeError) as error:
        raise LoadError(f"{str(csv)!r} is damaged: {error}") from None
    table = _parse_table(text, csv)
    if not npz.exists():
        raise LoadError(f"{str(npz)!r} is missing")
    try:
        with np.load(npz, allow_pickle=False) as data:
            arrays = {k: np.asarray(data[k]) for k in data.files}
    except Exception as error:  # noqa: BLE001 - any unreadable file is reported as damaged.
        raise LoadError(f"{str(npz)!r} is damaged: {error}") from None
    renames = _rename(arrays)
    arrays = {renames.get(k, k): v for k, v in arrays.items()}
    curves = arrays.get("curves")
    if curves is None or curves.ndim != 2 or len(curves) != len(table):
        raise LoadError(f"{str(npz)!r} is damaged: its curves do not match results.csv's rows")
    for k in IDENTITY:
        if k in arrays and not np.array_equal(arrays[k], table[k].to_numpy()):
            raise LoadError(f"{str(npz)!r} is damaged: its {k} do not match results.csv's")
    return table, curves


def _epochs(config: dict[str, Any], experiment: dict[str, Any]) -> int:
    """The length of the loss curves, from the readout's description (or the config)."""
    readout = experiment.get("readout") if isinstance(experiment, dict) else None
    if isinstance(readout, dict) and "epochs" in readout:
        return int(readout["epochs"])
    if isinstance(readout, dict) or config.get("readout") == "ridge":
        return 0
    return int(config.get("epochs", 0))


def _from_chunks(
    out: Path, fingerprint: str, grid, seed: int, config: dict[str, Any], experiment
) -> tuple[pd.DataFrame, np.ndarray]:
    """The finished networks of the grid, from the chunk files, in the grid's order."""
    records = _store.load_chunks(
        out, fingerprint, None, lambda m: warnings.warn(m, stacklevel=5), repair=False
    )
    networks = [net for net in grid if net in records]
    widths = {np.shape(records[net]["curve"])[-1] for net in networks}
    if len(widths) > 1:
        raise LoadError(
            f"{str(out / 'chunks')!r} is damaged: its loss curves have different lengths "
            f"{sorted(widths)}"
        )
    table, curves = results_table(networks, records, seed=seed)
    if not networks:  # nothing done yet: the width the curves will have
        curves = np.zeros((0, _epochs(config, experiment)), np.float32)
    # Through the text results.csv would hold (`_store.results_csv`): the same values,
    # parsed the same way.
    text = _store.results_csv(table)
    return _parse_table(text, out / "chunks"), curves


def _attributes(fingerprint: str, config: dict[str, Any], run: dict | None) -> dict[str, Any]:
    """netCDF-safe attributes (strings, numbers, 1-D arrays) of the sweep's provenance."""
    attrs: dict[str, Any] = {
        "fingerprint": fingerprint,
        "config": json.dumps(config, sort_keys=True),
    }
    if run is not None and "experiment" in run:
        attrs["experiment"] = json.dumps(run["experiment"], sort_keys=True, default=str)
    for key, value in sorted(config.items()):
        if isinstance(value, bool):
            attrs[f"config_{key}"] = int(value)
        elif isinstance(value, int | float | str):
            attrs[f"config_{key}"] = value
        elif isinstance(value, list) and value and all(isinstance(v, int) for v in value):
            # A comma list as on the command line: a 1-element array attribute would come
            # back from netCDF as a scalar.
            attrs[f"config_{key}"] = ",".join(str(v) for v in value)
        elif value is not None:
            attrs[f"config_{key}"] = json.dumps(value)
    if run is not None:
        for key in ("task", "versions", "devices"):
            if key in run:
                attrs[key] = json.dumps(run[key], sort_keys=True, default=str)
        attrs["run"] = json.dumps(run, sort_keys=True, default=str)
    return attrs
