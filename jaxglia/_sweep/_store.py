"""A sweep's directory: atomic chunk files, resumption, and the three outputs.

Layout of DIR:

- `sweep.json`: the config and its fingerprint, written before any work; a later run into
  DIR with another fingerprint is refused unless `overwrite`.
- `chunks/*.npz`: one file per finished chunk, written atomically (write, fsync, rename).
- `results.csv`, `curves.npz`, `run.json`: the outputs, written once every network is done.
"""

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .._schema import CHUNK_KEYS, OUTPUTS


class OutputError(ValueError):
    """The output directory cannot be used (a file, not writable, or another sweep's)."""


def atomic_write(path: Path, write) -> None:
    """Call `write(file)` on a temporary file beside `path`, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
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


def check_writable(out: Path) -> None:
    """Refuse an output path that is a file or cannot be created or written."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out: {str(out)!r} is a file; give a directory")
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(f"--out: {str(out)!r} is not writable (checked {str(probe)!r})")


def prepare(out: Path, record: dict[str, Any], fingerprint: str, overwrite: bool) -> None:
    """Create DIR, or check that it holds this same sweep (refuse another one); write
    `sweep.json`: the fingerprint and `record` (config, experiment, networks, seed)."""
    check_writable(out)
    marker = out / "sweep.json"
    if marker.exists():
        try:
            previous = json.loads(marker.read_text()).get("fingerprint")
        except (OSError, ValueError):
            previous = None
        if previous != fingerprint:
            if not overwrite:
                raise OutputError(
                    f"--out: {str(out)!r} holds a different sweep (fingerprint {previous}, "
                    f"this one {fingerprint}); give --overwrite to replace it, or another --out"
                )
            clear(out)
    elif out.exists() and any(out.iterdir()) and not overwrite:
        if any((out / name).exists() for name in OUTPUTS + ("chunks",)):
            raise OutputError(
                f"--out: {str(out)!r} holds files of an unknown sweep; give --overwrite or "
                "another --out"
            )
    elif overwrite:
        clear(out)
    out.mkdir(parents=True, exist_ok=True)
    record = {"fingerprint": fingerprint, **record}
    atomic_write_text(marker, json.dumps(record, indent=2, sort_keys=True, default=str) + "\n")


def clear(out: Path) -> None:
    """Remove a previous sweep's files from DIR (only the files a sweep writes)."""
    for name in OUTPUTS + ("sweep.json",):
        if (out / name).exists():
            (out / name).unlink()
    if (out / "chunks").exists():
        shutil.rmtree(out / "chunks")


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
