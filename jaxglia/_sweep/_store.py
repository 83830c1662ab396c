"""A sweep's directory: atomic chunk files, one writer at a time, resumption, outputs.

Layout of DIR:

- `sweep.json`: the fingerprint, the config, the networks and the execution plan, written
  before any work; a later run into DIR with another fingerprint is refused unless
  `overwrite`, and a resume reuses the recorded plan.
- `chunks/*.npz`: one file per finished chunk, written atomically (write, fsync, rename).
  They are the source of truth: every other file is derived from them and `sweep.json`.
- `results.csv`, `curves.npz`, `run.json`: the outputs, written once every network is done
  and restored by any later run if missing or damaged.
- `.lock`: held (`fcntl.flock`) by the process writing DIR, for the whole run.

Files are created with mode 0666 less the user's umask, as any file the user writes.
"""

import contextlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .._schema import CHUNK_KEYS, CURVE_KEYS, IDENTITY, OUTPUTS, SWEEP_DERIVED


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks
    fcntl = None


class OutputError(ValueError):
    """The output directory cannot be used (a file, not writable, or another sweep's)."""


def atomic_write(path: Path, write) -> None:
    """Call `write(file)` on a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # `os.open` with 0o666 (not `tempfile.mkstemp`, which makes 0600): the umask applies,
    # so the file gets the permissions of any file the user writes.
    tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write(path, lambda f: f.write(text.encode()))


def check_writable(out: str | os.PathLike, option: str = "--out") -> Path:
    """Refuse an output path that is empty, a file, under a file, or where no file can be
    created (read-only, no permission); return it as a `Path`. The nearest existing folder
    is probed by creating and removing a file there (as root, `os.access` says yes to
    everything); nothing else is created."""
    if not str(out).strip():
        raise OutputError(f"{option}: empty; give a directory")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{option}: {str(out)!r} is a file; give a directory")
    probe = out.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise OutputError(f"{option}: {str(out)!r} is under {str(probe)!r}, which is a file")
    try:
        fd, name = tempfile.mkstemp(prefix=".jaxglia-probe-", dir=probe)
        os.close(fd)
        os.unlink(name)
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise OutputError(
            f"{option}: {str(out)!r} cannot be written ({str(probe)!r}: {reason})"
        ) from None
    return out


class LockedError(OutputError):
    """Another process is writing the directory."""


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold DIR's exclusive lock for the block: a second writer is refused, naming the
    holder's process id. The lock is the kernel's (`flock`), so a killed process's lock is
    gone with it: a stale `.lock` file never blocks."""
    if fcntl is None:  # pragma: no cover
        yield
        return
    out.mkdir(parents=True, exist_ok=True)
    path = out / ".lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip() or "unknown"
            raise LockedError(
                f"--out: {str(out)!r} is being written by another jaxglia process "
                f"(pid {holder}); wait for it to finish, or give another --out"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def read_json(path: Path) -> dict[str, Any] | None:
    """A JSON object from `path`, or None if it is missing, unreadable or not an object."""
    try:
        value = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def chunk_fingerprints(out: Path) -> set[str]:
    """The fingerprints recorded in DIR's readable chunk files."""
    found = set()
    for path in (out / "chunks").glob("*.npz"):
        try:
            with np.load(path, allow_pickle=False) as data:
                found.add(str(data["fingerprint"]))
        except Exception:  # noqa: BLE001 - a damaged chunk says nothing
            continue
    return found


def recorded_fingerprint(out: Path, marker: dict[str, Any] | None) -> str | None:
    """The fingerprint of the sweep DIR holds: from its `sweep.json` (`marker`, as read),
    else (if it is missing or damaged) from `run.json` or the chunks, if they agree on one."""
    if marker is not None and isinstance(marker.get("fingerprint"), str):
        return marker["fingerprint"]
    found = chunk_fingerprints(out)
    info = read_json(out / "run.json")
    if info is not None and isinstance(info.get("fingerprint"), str):
        found.add(info["fingerprint"])
    return found.pop() if len(found) == 1 else None


def prepare(out: Path, fingerprint: str, overwrite: bool, log) -> dict[str, Any]:
    """Create DIR, or check that it holds this same sweep (refuse another one, or with
    `overwrite` remove it); return what its `sweep.json` holds (empty for a new sweep): a
    resume reuses its recorded plan.

    A missing or damaged `sweep.json` of this same sweep (its chunks or `run.json` carry
    this fingerprint) is rebuilt by `write_record`, and `log` says so. DIR has been checked
    by `check_writable`.
    """
    marker = out / "sweep.json"
    if marker.exists() or (out / "chunks").is_dir():
        held = read_json(marker)
        previous = recorded_fingerprint(out, held)
        if previous == fingerprint:
            if held is None or held.get("fingerprint") != fingerprint:
                log(f"restoring {marker} (missing or damaged) from the sweep's chunks")
                return {}
            return held
        if not overwrite:
            which = (
                f"fingerprint {previous}"
                if previous
                else "its sweep.json is damaged and its chunks name no single sweep"
            )
            raise OutputError(
                f"--out: {str(out)!r} holds a different sweep ({which}; this one "
                f"{fingerprint}); give --overwrite to replace it, or another --out"
            )
        clear(out)
    elif out.exists() and any(out.iterdir()) and not overwrite:
        if any((out / name).exists() for name in OUTPUTS):
            raise OutputError(
                f"--out: {str(out)!r} holds files of an unknown sweep; give --overwrite or "
                "another --out"
            )
    elif overwrite:
        clear(out)
    out.mkdir(parents=True, exist_ok=True)
    return {}


def sweep_record(out: Path) -> tuple[Path, dict[str, Any]] | None:
    """What DIR's sweep recorded, and where: `sweep.json` (written before any work), else
    `run.json`, the first that is readable and carries a fingerprint; None if neither."""
    for name in ("sweep.json", "run.json"):
        record = read_json(out / name)
        if record is not None and "fingerprint" in record:
            return out / name, record
    return None


def write_record(out: Path, record: dict[str, Any]) -> None:
    """Write `sweep.json` (unless it already holds exactly `record`)."""
    marker = out / "sweep.json"
    text = json.dumps(record, indent=2, sort_keys=True, default=str) + "\n"
    try:
        same = marker.read_bytes() == text.encode()
    except OSError:
        same = False
    if not same:
        atomic_write_text(marker, text)


def clear(out: Path) -> None:
    """Remove a previous sweep's files from DIR: its outputs, `sweep.json`, its chunks and
    what was derived from it (baselines, report); nothing else."""
    for name in OUTPUTS + SWEEP_DERIVED + ("sweep.json",):
        (out / name).unlink(missing_ok=True)
    if (out / "chunks").exists():
        shutil.rmtree(out / "chunks")


def write_outputs(out: Path, table, curves: np.ndarray, info: dict, only=OUTPUTS) -> None:
    """Write the outputs named in `only` (default: all three) from the results table, the
    curves and the provenance record."""
    if "results.csv" in only:
        atomic_write_text(out / "results.csv", results_csv(table))
    if "curves.npz" in only:
        arrays = curve_arrays(table, curves)
        atomic_write(out / "curves.npz", lambda f: np.savez(f, **arrays))  # pyright: ignore
    if "run.json" in only:
        atomic_write_text(out / "run.json", json.dumps(info, indent=2, default=str) + "\n")


def results_csv(table) -> str:
    """The text of results.csv: 9 significant digits hold a float32 metric exactly."""
    return table.to_csv(index=False, float_format="%.9g")


def curve_arrays(table, curves: np.ndarray) -> dict[str, np.ndarray]:
    columns = {name: table[name].to_numpy() for name in IDENTITY}
    arrays = {"curves": curves, **columns, "epoch": np.arange(curves.shape[1])}
    assert tuple(arrays) == CURVE_KEYS
    return arrays


def damaged_outputs(out: Path, table, curves: np.ndarray, fingerprint: str) -> list[str]:
    """The outputs of a finished sweep that are missing or do not hold what its chunks
    give (a deleted, truncated or edited file)."""
    bad = []
    try:
        if (out / "results.csv").read_bytes() != results_csv(table).encode():
            bad.append("results.csv")
    except OSError:
        bad.append("results.csv")
    try:
        with np.load(out / "curves.npz", allow_pickle=False) as data:
            want = curve_arrays(table, curves)
            same = set(data.files) == set(want) and all(
                np.array_equal(data[k], v, equal_nan=True) and data[k].dtype == v.dtype
                for k, v in want.items()
            )
    except Exception:  # noqa: BLE001 - unreadable in any way: damaged
        same = False
    if not same:
        bad.append("curves.npz")
    info = read_json(out / "run.json")
    if info is None or info.get("fingerprint") != fingerprint:
        bad.append("run.json")
    return bad


def chunk_path(out: Path, bucket: int, first: tuple[int, int, int]) -> Path:
    n, a, r = first
    return out / "chunks" / f"bucket{bucket:02d}-n{n}-a{a}-r{r}.npz"


def write_chunk(path: Path, rows: dict[str, np.ndarray], fingerprint: str) -> None:
    arrays = {k: np.asarray(rows[k]) for k in CHUNK_KEYS}
    arrays["fingerprint"] = np.asarray(fingerprint)
    atomic_write(path, lambda f: np.savez(f, **arrays))  # pyright: ignore[reportArgumentType]


def load_chunks(
    out: Path, fingerprint: str, epochs: int | None, warn, *, repair: bool = True
) -> dict[tuple[int, int, int], dict[str, Any]]:
    """Every network finished by earlier runs, from valid chunk files.

    A file that cannot be read, lacks a key, has inconsistent lengths or belongs to another
    sweep is reported through `warn`, deleted and recomputed: it is never read as data.
    `epochs=None` accepts curves of any width. `repair=False` (for readers such as `load`)
    only skips damaged files: nothing in `out` is deleted.
    """
    done: dict[tuple[int, int, int], dict[str, Any]] = {}
    folder = out / "chunks"
    if not folder.is_dir():
        return done
    for path in sorted(folder.glob("*.npz")):
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: np.asarray(data[_chunk_key(data, k)]) for k in CHUNK_KEYS}
                if str(data["fingerprint"]) != fingerprint:
                    raise ValueError("it belongs to another sweep")
            count = len(arrays["num_neurons"])
            if any(len(v) != count for v in arrays.values()):
                raise ValueError("its arrays have different lengths")
            curve = arrays["curve"]
            if curve.ndim != 2 or (epochs is not None and curve.shape[1] != epochs):
                raise ValueError("its loss curves have the wrong shape")
        except Exception as error:  # noqa: BLE001 - any unreadable file is recomputed.
            if not repair:
                warn(f"ignoring damaged chunk file {path} ({error})")
                continue
            warn(f"ignoring damaged chunk file {path.name} ({error}); it will be recomputed")
            path.unlink(missing_ok=True)
            continue
        for i in range(count):
            key = (
                int(arrays["num_neurons"][i]),
                int(arrays["num_astrocytes"][i]),
                int(arrays["replicate"][i]),
            )
            done[key] = {k: v[i] for k, v in arrays.items()}
    if repair:
        for stale in folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
    return done


# Chunk keys of sweeps written before the columns were renamed (new name: old name).
_OLD_CHUNK_KEYS = {"num_neurons": "n_neurons", "num_astrocytes": "n_astrocytes"}


def _chunk_key(data, key: str) -> str:
    """`key`, or its old name in a chunk written before the rename."""
    old = _OLD_CHUNK_KEYS.get(key)
    return old if old is not None and key not in data and old in data else key
