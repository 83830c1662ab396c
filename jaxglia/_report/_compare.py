"""`compare`: finished sweeps of one task side by side, typically one per astrocyte model,
each asked whether its best ratio A/N lies near 2 (the paper's claim (d)), and the writer of
`compare.md`.
"""

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._options import EXECUTION_FIELDS
from ._claims import _RULES, _ratio_verdict
from ._common import _LR_UNIT, _SPEC_BOOT, ReportError, _brief, _fmt
from ._figures import _draw_comparison
from ._read import read_sweep
from ._stats import _no_learning_rate, _nrmse, _prepare, _ratio


COMPARE_FILES = ("models.png", "compare.md")
"""The files that `compare` writes."""


def _load_sweep(directory: str | Path) -> tuple[Path, pd.DataFrame, dict[str, Any]]:
    """A finished sweep's directory, results table and run.json config; a ReportError if not."""
    sweep = read_sweep(directory, require_run=True)
    try:
        _prepare(sweep.results)
    except ReportError as error:
        raise ReportError(f"{sweep.directory}: {error}") from error
    run = sweep.run
    if run is None or not isinstance(run.get("config"), dict):
        raise ReportError(
            f"{sweep.directory}: run.json holds no config, so the sweep's task and astrocyte "
            "model are unknown"
        )
    return sweep.directory, sweep.results, run["config"]


def _labels(directories: list[Path], configs: list[dict[str, Any]]) -> list[str]:
    """Each sweep's astrocyte model; the directory name where that is missing or shared."""
    models = [str(c.get("astrocyte_model") or "") for c in configs]
    labels = [
        m if m and models.count(m) == 1 else (d.resolve().name or str(d))
        for m, d in zip(models, directories)
    ]
    # The same directory twice, or two directories of one name: number them.
    return [
        label if labels.count(label) == 1 else f"{label} ({i + 1})"
        for i, label in enumerate(labels)
    ]


def _differences(configs: list[dict[str, Any]], labels: list[str]) -> list[str]:
    """The options, other than the astrocyte model, on which the sweeps differ."""
    keys = sorted({k for c in configs for k in c} - {"astrocyte_model", *EXECUTION_FIELDS})
    differences = []
    for key in keys:
        values = [json.dumps(c.get(key), sort_keys=True, default=str) for c in configs]
        if len(set(values)) > 1:
            listing = ", ".join(
                f"{label} {_brief(c.get(key, 'unset'), 40)}" for label, c in zip(labels, configs)
            )
            differences.append(f"{key} ({listing})")
    return differences


def _sweep_specification(path: Path, *, seed: int) -> dict[str, Any]:
    """One sweep's specification curve from its saved curves, or why there is none."""
    from ._spec import specification

    try:
        sweep = read_sweep(path)
    except ReportError as error:
        return {"available": False, "reason": str(error)}
    if sweep.curves is None:
        return {"available": False, "reason": sweep.why_no_curves.rstrip(".")}
    df = _prepare(sweep.results)
    if _no_learning_rate(df, None) or not bool(np.any(df["usable"].to_numpy())):
        return {"available": False, "reason": "no network has a learning rate"}
    return specification(
        sweep.results, sweep.curves, main_window=sweep.curves.shape[1], n_boot=_SPEC_BOOT,
        seed=seed,
    )  # fmt: skip


def _comparison(
    directories: Sequence[str | Path],
    labels: Sequence[str] | None = None,
    *,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """The statistics behind `compare`, as plain values (see there)."""
    if isinstance(directories, str | Path):
        directories = [directories]
    directories = list(directories)
    if len(directories) < 2:
        raise ReportError(
            f"compare needs at least two sweep directories; got {len(directories)} "
            f"({', '.join(str(d) for d in directories) or 'none'})"
        )
    if labels is not None:
        labels = [labels] if isinstance(labels, str) else [str(label) for label in labels]
        if len(labels) != len(directories):
            raise ReportError(
                f"labels: got {len(labels)} label(s) for {len(directories)} sweep directories"
            )
        if len(set(labels)) != len(labels):
            raise ReportError(f"labels must be distinct; got {', '.join(labels)}")
    sweeps = [_load_sweep(d) for d in directories]
    paths = [path for path, _, _ in sweeps]
    configs = [config for _, _, config in sweeps]
    # The only task before the option existed was Lorenz-63.
    tasks = [str(c.get("task", "lorenz")) for c in configs]
    if len(set(tasks)) > 1:
        listing = ", ".join(f"{path} ({task})" for path, task in zip(paths, tasks))
        raise ReportError(
            f"the sweeps were run on different tasks: {listing}. Their learning rates and "
            "errors measure different problems, so comparing them is meaningless; compare "
            "sweeps of one task"
        )
    labels = list(labels) if labels is not None else _labels(paths, configs)
    frames = [_prepare(results) for _, results, _ in sweeps]
    no_lr = {
        label: _no_learning_rate(df, str(config.get("readout") or "") or None)
        for label, df, config in zip(labels, frames, configs)
    }
    metric = "test_nrmse" if any(no_lr.values()) else "learning_rate"
    lowest = (
        "smoothed learning rate is most negative"
        if metric == "learning_rate"
        else "smoothed test NRMSE is lowest"
    )
    models = []
    for label, path, df, config, (_, results, _) in zip(labels, paths, frames, configs, sweeps):
        if metric == "learning_rate":
            rows = df.loc[df["usable"]]
        else:
            rows = df.loc[df["finished"] & np.isfinite(df["test_nrmse"].to_numpy())]
        ratio = _ratio(rows, n_boot=n_boot, seed=seed, column=metric)
        verdict, evidence = _ratio_verdict(ratio, lowest)
        nrmse = _nrmse(df, "test_nrmse" in results.columns)
        models.append(
            {
                "label": label,
                "directory": str(path),
                "astrocyte_model": str(config.get("astrocyte_model", "unknown")),
                "readout": str(config.get("readout", "mlp")),
                "n_networks": len(df),
                "n_used": len(rows),
                "no_learning_rate": no_lr[label],
                "ratio": ratio,
                "verdict": verdict,
                "evidence": evidence,
                "best_nrmse": nrmse["best"][0] if nrmse["available"] else None,
            }
        )
    for model, path in zip(models, paths):
        model["specification"] = _sweep_specification(path, seed=seed)
    return {
        "task": tasks[0],
        "metric": metric,
        "without_learning_rate": [label for label, why in no_lr.items() if why],
        "models": models,
        "differences": _differences(configs, labels),
        "n_boot": n_boot,
        "seed": seed,
    }


def _compare_markdown(comparison: dict[str, Any], placeholder: str | None) -> str:
    """The text of compare.md."""
    lr = comparison["metric"] == "learning_rate"
    name = "learning rate" if lr else "test NRMSE"
    models = comparison["models"]
    lines = [
        f"# Model comparison: {name} against the astrocyte:neuron ratio",
        "",
        f"{len(models)} sweeps of the task {comparison['task']}:",
        "",
        "| model | directory | astrocyte model | readout | networks | used |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for m in models:
        lines.append(
            f"| {m['label']} | `{m['directory']}` | {m['astrocyte_model']} | {m['readout']} | "
            f"{m['n_networks']} | {m['n_used']} |"
        )
    lines.append("")
    if lr:
        lines.append(
            f"Compared on the learning rate ({_LR_UNIT}; more negative = faster learning) of "
            "the mixed networks (N > 0, A > 0) of each sweep."
        )
    else:
        lines.append(
            "**Compared on the test NRMSE (lower is better), not on the learning rate**, "
            "because not every sweep has one ("
            + "; ".join(
                f"{m['label']}: {m['no_learning_rate']}" for m in models if m["no_learning_rate"]
            )
            + "). The paper's claim is about the learning rate; below it is asked of the test "
            "NRMSE, for every model alike."
        )
    caption = (
        f"Smoothed {name} against A/N for each model (local-linear kernel smoother, 95 % "
        "bootstrap band), and each model's optimum with its 95 % bootstrap interval."
    )
    if placeholder:
        caption += f" *Not drawn: {placeholder}*"
    lines += ["", "![models.png](models.png)", "", f"*models.png*: {caption}", ""]
    lines += [
        f"| model | optimum A/N | 95 % interval | {name} there | optimum, size trend removed "
        "| best (N, A) by median test NRMSE | optimum near A:N = 2 |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for m in models:
        best = m["best_nrmse"]
        best_text = (
            f"({best['num_neurons']}, {best['num_astrocytes']}): {_fmt(best['test_nrmse'])} "
            f"(median of {best['networks']})"
            if best
            else "–"
        )
        ratio = m["ratio"]
        raw = ratio["raw"] if ratio["available"] else ratio
        if not raw["available"]:
            lines.append(
                f"| {m['label']} | – | – | – | – | {best_text} | **{m['verdict']}**: "
                f"{raw['reason']} |"
            )
            continue
        adj = ratio["size_adjusted"]
        adjusted = (
            f"{_fmt(adj['optimum'])} ({_fmt(adj['interval'][0])} to {_fmt(adj['interval'][1])})"
            if adj["available"]
            else "–"
        )
        lines.append(
            f"| {m['label']} | {_fmt(raw['optimum'])} | {_fmt(raw['interval'][0])} to "
            f"{_fmt(raw['interval'][1])} | {_fmt(raw['value'])} | {adjusted} | {best_text} | "
            f"**{m['verdict']}** |"
        )
    lines += [
        "",
        "## Is the optimum near A:N = 2?",
        "",
        f"The paper's claim (d), judged by the single-sweep report's rule: {_RULES['d']}",
        "",
    ]
    for m in models:
        lines.append(
            f"- **{m['label']}**: {m['verdict']}. {m['evidence'][0].upper()}{m['evidence'][1:]}."
        )
    phrases = {
        "supported": "holds for",
        "contradicted": "does not hold for",
        "not significant": "is not established for",
        "cannot test": "cannot be tested for",
    }
    parts = []
    for verdict, phrase in phrases.items():
        labels = [m["label"] for m in models if m["verdict"] == verdict]
        if labels:
            parts.append(f"{phrase} {', '.join(labels)}")
    lines += ["", f"In short, the optimum near A:N = 2 {'; it '.join(parts)}."]
    if comparison["differences"]:
        lines += [
            "",
            "**The sweeps also differ in** "
            + "; ".join(comparison["differences"])
            + ": a difference between models may come from these too.",
        ]
    lines += _compare_spec(models)
    lines += [
        "",
        f"Bootstrap: {comparison['n_boot']} resamples of each sweep's networks (seed "
        f"{comparison['seed']}); the kernel width is chosen per sweep by leave-one-ratio-out "
        "cross-validation.",
    ]
    return "\n".join(lines) + "\n"


def _compare_spec(models: list[dict[str, Any]]) -> list[str]:
    """The specification curves of every sweep in one table, and which verdicts hold under
    every sweep, metric and window."""
    lines = ["", "## Specification curves across the sweeps", ""]
    rows = [(m["label"], r) for m in models if m["specification"]["available"]
            for r in m["specification"]["rows"]]  # fmt: skip
    for m in models:
        if not m["specification"]["available"]:
            lines.append(
                f"- {m['label']}: no specification curve ({m['specification']['reason']})."
            )
    if not rows:
        return lines
    claims = list(rows[0][1]["verdicts"])
    lines += [
        "Every claim's verdict and the optimum A/N under each learning-speed metric and window "
        "(the single-sweep report's rules; windows 3, 5, 10 and all epochs; "
        f"{_SPEC_BOOT} bootstrap resamples per row):",
        "",
        "| sweep | metric | window | optimum A/N | 95 % interval | "
        + " | ".join(f"({k})" for k in claims)
        + " |",
        "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in claims) + " |",
    ]
    for label, r in rows:
        interval = (
            f"{_fmt(r['interval'][0])} to {_fmt(r['interval'][1])}"
            if np.isfinite(r["optimum"])
            else "–"
        )
        lines.append(
            f"| {label} | {r['metric']} | {r['window']} | {_fmt(r['optimum'])} | {interval} | "
            + " | ".join(r["verdicts"][k] for k in claims)
            + " |"
        )
    same = []
    for k in claims:
        verdicts = {r["verdicts"][k] for _, r in rows}
        if len(verdicts) == 1:
            same.append(f"({k}) {next(iter(verdicts))}")
    lines += [
        "",
        "Same verdict in every sweep under every metric and window: "
        + (", ".join(same) if same else "none")
        + ".",
    ]
    return lines


def compare(
    directories: Sequence[str | Path], *, out: str | Path, labels: Sequence[str] | None = None
) -> Path:
    """Compare finished sweeps of one task, typically one per astrocyte model.

    For each sweep, the learning rate of its mixed networks is smoothed against log10(A/N)
    as in [`report`][] (local-linear kernel smoother, bootstrap over networks), and the
    ratio where it is most negative, with its 95 % bootstrap interval, is set beside the
    others'. If any sweep has no learning rate (the ridge readout has no epochs), every
    sweep is compared on its test NRMSE instead, and `compare.md` says so.

    **Arguments:**

    - `directories`: two or more finished sweep directories (each with `results.csv` and
      `run.json`), all run on the same task (`run.json`'s `config.task`).
    - `out`: where to write `models.png` and `compare.md`; created if needed.
    - `labels`: a distinct name per directory. By default each sweep is named by its
      `config.astrocyte_model` ("lif", "synaptic", "tripartite", "li-rinzel", ...), or by
      its directory's name where that is missing or shared.

    **Returns:** the path of `compare.md`. It lists, per model, the optimum ratio and its
    interval, the smoothed value there, the best (N, A) by median test NRMSE, and whether
    the optimum lies near A:N = 2 by the criteria of claim (d) in `report`. `models.png`
    shows one smoothed curve per model with its band and its optimum (a placeholder image
    that says why, if no sweep supports a curve).

    **Raises:** `ReportError` if fewer than two directories are given, a directory is not a
    finished sweep, the sweeps were run on different tasks, or `labels` does not match.
    """
    comparison = _comparison(directories, labels)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    placeholder = _draw_comparison(comparison, target / "models.png")
    path = target / "compare.md"
    path.write_text(_compare_markdown(comparison, placeholder), encoding="utf-8")
    return path
