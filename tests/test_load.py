import hashlib
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import jaxglia


IDENTITY = ["num_neurons", "num_astrocytes", "replicate"]
OUTPUTS = ["results.csv", "curves.npz", "run.json"]


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory):
    """A finished tiny sweep, saved in chunks of 2 networks (3 chunk files)."""
    config = jaxglia.SweepConfig(
        neurons=(0, 10), astrocytes=(0, 10), replicates=2, steps=300, epochs=3, batch_size=32,
        washout=20, chunk_size=2, block_size=2,
    )  # fmt: skip
    out = tmp_path_factory.mktemp("load") / "sweep"
    jaxglia.sweep(config, out, progress=False, log=lambda message: None)
    assert len(list((out / "chunks").glob("*.npz"))) == 3
    return out


@pytest.fixture
def copy_of(sweep_dir, tmp_path):
    def copy(name="copy"):
        return shutil.copytree(sweep_dir, tmp_path / name)

    return copy


def snapshot(directory):
    """Every file under `directory` and a hash of its bytes."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def values(ds, name):
    return ds[name].to_numpy()


def test_finished_sweep_equals_its_outputs(sweep_dir):
    before = snapshot(sweep_dir)
    ds = jaxglia.load(sweep_dir)
    assert snapshot(sweep_dir) == before
    table = pd.read_csv(sweep_dir / "results.csv")
    assert set(ds.dims) == {"network", "epoch"}
    assert ds.sizes["network"] == len(table) == 6
    assert list(ds.indexes) == ["epoch"]  # identity: plain coordinates, no MultiIndex
    for column in table.columns:
        got = values(ds, column)
        if column in ("status", "failure"):
            assert list(got) == list(table[column].fillna("")), column
        else:
            np.testing.assert_array_equal(got, table[column].to_numpy(), err_msg=column)
    assert set(ds.data_vars) == set(table.columns) - set(IDENTITY) | {"curve"}
    with np.load(sweep_dir / "curves.npz") as curves:
        np.testing.assert_array_equal(values(ds, "curve"), curves["curves"])
        np.testing.assert_array_equal(values(ds, "epoch"), curves["epoch"])
        for k in IDENTITY:
            np.testing.assert_array_equal(values(ds, k), curves[k])
    assert ds.curve.dims == ("network", "epoch") and ds.sizes["epoch"] == 3
    run = json.loads((sweep_dir / "run.json").read_text())
    assert ds.attrs["fingerprint"] == run["fingerprint"]
    assert json.loads(ds.attrs["config"]) == run["config"]
    assert ds.attrs["config_epochs"] == 3
    assert ds.attrs["config_neurons"] == "0,10"
    for key in ("task", "versions", "devices"):
        assert json.loads(ds.attrs[key]) == run[key]
    assert ds.attrs["complete"] == 1
    assert ds.attrs["networks_done"] == ds.attrs["networks_total"] == 6
    assert ds.attrs["source"] == "results.csv"


def test_partial_sweep_holds_its_finished_networks(sweep_dir, copy_of):
    full = jaxglia.load(sweep_dir)
    part_dir = copy_of()
    for name in OUTPUTS:
        (part_dir / name).unlink()
    dropped = sorted((part_dir / "chunks").glob("*.npz"))[1]
    with np.load(dropped) as data:
        lost = set(zip(*(data[k].tolist() for k in IDENTITY)))
    dropped.unlink()
    before = snapshot(part_dir)
    part = jaxglia.load(part_dir)
    assert snapshot(part_dir) == before
    assert part.attrs["complete"] == 0 and part.attrs["source"] == "chunks"
    assert part.attrs["networks_done"] == 6 - len(lost) == part.sizes["network"]
    assert part.attrs["networks_total"] == 6
    assert "versions" not in part.attrs  # no run.json yet
    assert part.attrs["fingerprint"] == full.attrs["fingerprint"]
    keep = [net not in lost for net in zip(*(values(full, k).tolist() for k in IDENTITY))]
    # The same networks, in the grid's order, with the very values the sweep wrote.
    xr.testing.assert_identical(part.drop_attrs(), full.isel(network=keep).drop_attrs())


def test_missing_results_are_rebuilt_from_complete_chunks(sweep_dir, copy_of):
    full = jaxglia.load(sweep_dir)
    directory = copy_of()
    (directory / "results.csv").unlink()
    ds = jaxglia.load(directory)
    assert ds.attrs["complete"] == 1 and ds.attrs["source"] == "chunks"
    assert ds.attrs["versions"] == full.attrs["versions"]  # run.json is still there
    xr.testing.assert_identical(ds.drop_attrs(), full.drop_attrs())


def test_damaged_results_fall_back_to_chunks(sweep_dir, copy_of):
    full = jaxglia.load(sweep_dir)
    directory = copy_of()
    (directory / "curves.npz").write_bytes(b"not a zip file")
    with pytest.warns(UserWarning, match="curves.npz"):
        ds = jaxglia.load(directory)
    xr.testing.assert_identical(ds.drop_attrs(), full.drop_attrs())
    assert (directory / "curves.npz").read_bytes() == b"not a zip file"


def _rename_keys(path, renames):
    with np.load(path) as data:
        arrays = {renames.get(k, k): data[k] for k in data.files}
    np.savez(path, **arrays)


def test_old_column_names_load(sweep_dir, copy_of):
    full = jaxglia.load(sweep_dir)
    old = {"num_neurons": "n_neurons", "num_astrocytes": "n_astrocytes"}
    directory = copy_of()
    csv = directory / "results.csv"
    header, rest = csv.read_text().split("\n", 1)
    names: dict[str, str] = {**old, "num_units": "total_units"}
    header = ",".join(names[c] if c in names else c for c in header.split(","))
    csv.write_text(header + "\n" + rest)
    _rename_keys(directory / "curves.npz", old)
    for chunk in (directory / "chunks").glob("*.npz"):
        _rename_keys(chunk, old)
    ds = jaxglia.load(directory)
    xr.testing.assert_identical(ds.drop_attrs(), full.drop_attrs())
    for name in OUTPUTS:  # and from the old chunks alone
        (directory / name).unlink()
    ds = jaxglia.load(directory)
    assert ds.attrs["source"] == "chunks"
    xr.testing.assert_identical(ds.drop_attrs(), full.drop_attrs())


def test_damaged_chunk_is_skipped_and_kept(sweep_dir, copy_of):
    directory = copy_of()
    for name in OUTPUTS:
        (directory / name).unlink()
    damaged = sorted((directory / "chunks").glob("*.npz"))[0]
    damaged.write_bytes(b"\x00" * 10)
    with pytest.warns(UserWarning, match=damaged.name):
        ds = jaxglia.load(directory)
    assert damaged.read_bytes() == b"\x00" * 10
    assert ds.attrs["networks_done"] == 4 and ds.attrs["complete"] == 0


def test_netcdf_round_trip_and_dataframe(sweep_dir, copy_of, tmp_path):
    partial = copy_of()
    for name in OUTPUTS:
        (partial / name).unlink()
    empty = copy_of("empty")  # a sweep that has finished nothing yet
    for name in OUTPUTS:
        (empty / name).unlink()
    shutil.rmtree(empty / "chunks")
    for i, directory in enumerate([sweep_dir, partial, empty]):
        ds = jaxglia.load(directory)
        path = tmp_path / f"sweep{i}.nc"
        ds.to_netcdf(path)
        with xr.open_dataset(path) as back:
            xr.testing.assert_identical(back.load(), ds)
    ds = jaxglia.load(sweep_dir)
    assert len(ds.to_dataframe()) == 6 * 3
    table = ds.drop_dims("epoch").to_dataframe().reset_index(drop=True)
    expected = pd.read_csv(sweep_dir / "results.csv")
    assert set(table.columns) == set(expected.columns)
    assert jaxglia.load(empty).sizes["network"] == 0


def test_not_a_sweep_is_a_clear_error(tmp_path, sweep_dir, copy_of):
    missing = tmp_path / "nowhere"
    with pytest.raises(jaxglia.LoadError, match="does not exist") as info:
        jaxglia.load(missing)
    assert isinstance(info.value, ValueError) and str(missing) in str(info.value)
    (tmp_path / "empty").mkdir()
    with pytest.raises(jaxglia.LoadError, match="holds no sweep.*sweep.json"):
        jaxglia.load(tmp_path / "empty")
    (tmp_path / "file").write_text("x")
    with pytest.raises(jaxglia.LoadError, match="not a directory"):
        jaxglia.load(tmp_path / "file")
    directory = copy_of()
    (directory / "sweep.json").write_text("{not json")
    with pytest.raises(jaxglia.LoadError, match="sweep.json.*damaged"):
        jaxglia.load(directory)


def test_readout_without_epochs(tmp_path):
    config = jaxglia.SweepConfig(
        neurons=(0, 10), astrocytes=(10,), replicates=1, steps=300, batch_size=32, washout=20,
        readout="ridge",
    )  # fmt: skip
    jaxglia.sweep(config, tmp_path / "ridge", progress=False, log=lambda message: None)
    ds = jaxglia.load(tmp_path / "ridge")
    assert "epoch" not in ds.dims and "curve" not in ds
    assert ds.sizes["network"] == 2 and np.isnan(values(ds, "learning_rate")).all()
    ds.to_netcdf(tmp_path / "ridge.nc")
    with xr.open_dataset(tmp_path / "ridge.nc") as back:
        xr.testing.assert_identical(back.load(), ds)
    assert len(ds.drop_dims("epoch", errors="ignore").to_dataframe()) == 2


def test_experiment_sweep_loads_finished_and_partial(tmp_path):
    # A sweep of an Experiment made in Python has no config: its grid comes from sweep.json.
    experiment = jaxglia.Experiment(
        steps=300, washout=20, readout=jaxglia.MLPReadout(hidden=8, epochs=3, batch_size=32)
    )
    grid = jaxglia.Grid((0, 6), (6,), 2)
    out = tmp_path / "exp"
    result = jaxglia.sweep(experiment, out, grid=grid, chunk_size=1, block_size=1,
                           progress=False, log=lambda message: None)  # fmt: skip
    full = jaxglia.load(out)
    assert full.attrs["complete"] == 1 and full.attrs["config"] == "{}"
    assert json.loads(full.attrs["experiment"])["readout"]["epochs"] == 3
    np.testing.assert_array_equal(full["curve"].to_numpy(), result.curves)
    for name in OUTPUTS:
        (out / name).unlink()
    first = sorted((out / "chunks").glob("*.npz"))[0]
    first.unlink()
    partial = jaxglia.load(out)
    assert partial.attrs["complete"] == 0 and partial.attrs["networks_done"] == 3
    kept = full.isel(network=slice(1, None))
    np.testing.assert_array_equal(partial["curve"].to_numpy(), kept["curve"].to_numpy())
    np.testing.assert_array_equal(partial["test_nrmse"].to_numpy(), kept["test_nrmse"].to_numpy())
