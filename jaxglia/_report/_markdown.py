"""`report`: the figures and `report.md` for one finished sweep, and the writer of
`report.md`'s text.

`report.md` says, for each of the seed paper's claims, whether the sweep supports it and with
which numbers, and then gives the figures, the tables behind the verdicts, the test NRMSE,
the closed-loop forecast and the baselines of `baselines.csv`. It states plainly which
analyses could not be made and why. `_early_slope` is `report`'s `slope_epochs` option, and
`_baselines` picks the rows of the baselines section.
"""

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._claims import analyse
from ._common import (
    _BASELINE_METRICS,
    _ERRORS,
    _HOW_BASELINES,
    _LR_FIGURES,
    _LR_UNIT,
    _NO_LR,
    _RIDGE,
    _VT_UNIT,
    ALPHA,
    ReportError,
    _brief,
    _config,
    _float,
    _fmt,
    _fmt_p,
    _text,
    _unavailable,
)
from ._figures import _draw_report
from ._read import read_sweep
from ._stats import _prepare


def _baselines(table: pd.DataFrame | None, stats: dict[str, Any], run: dict[str, Any] | None):
    """The baselines of baselines.csv beside the sweep's best (N, A), as plain values."""
    if table is None:
        return _unavailable(f"the sweep directory holds no baselines.csv; {_HOW_BASELINES}")
    task = _config(run).get("task")
    # The valid time in steps, as some writers add it, is a score, not a hyperparameter.
    known = {"model", "task", "valid_steps", *_BASELINE_METRICS}
    rows = []
    for _, row in table.iterrows():
        rows.append(
            {
                "model": _text(row["model"]),
                "task": _text(row.get("task")),
                **{m: _float(row.get(m)) for m in _BASELINE_METRICS},
                "hyperparameters": ", ".join(
                    f"{k}={_text(v)}" for k, v in row.items() if k not in known and _text(v)
                ),
            }
        )
    reservoir = []
    for key, selection in (("nrmse", "test NRMSE"), ("forecast", "valid time")):
        analysis = stats[key]
        if analysis["available"] and (key == "nrmse" or analysis["metric"] == "valid_time"):
            reservoir.append(
                {
                    "selection": selection,
                    "criterion": f"the {'lowest' if key == 'nrmse' else 'longest'} median "
                    f"{selection}",
                    "n_pairs": analysis["n_pairs"],
                    **analysis["best"][0],
                }
            )
    return {
        "available": True,
        "rows": rows,
        "reservoir": reservoir,
        "task": task,
        "other_tasks": sorted({r["task"] for r in rows if task and r["task"] not in ("", task)}),
    }


def _ols_rows(name: str, fit: dict[str, Any]) -> list[str]:
    """Markdown table rows for one OLS fit, or one row that says why it is missing."""
    if not fit["available"]:
        return [f"| {name} | – | – | – | – | – | cannot fit: {fit['reason']} |"]
    rows = []
    for term, t in fit["terms"].items():
        vif = _fmt(fit["vif"][term]) if "vif" in fit else "–"
        rows.append(
            f"| {name} | {term} | {_fmt(t['coef'])} | {_fmt(t['se'])} | {_fmt_p(t['p'])} | "
            f"{vif} | n = {fit['n']}, R² = {_fmt(fit['r2'], 2)} |"
        )
    return rows


def _best_table(best: list[dict[str, Any]], order: tuple[str, ...]) -> list[str]:
    """Markdown rows for the best (N, A), the ranking metric first; empty columns left out."""
    order = order[:1] + tuple(c for c in order[1:] if any(math.isfinite(b[c]) for b in best))
    names = {
        "test_nrmse": "test NRMSE",
        "forecast_nrmse": "forecast NRMSE",
        "valid_time": f"valid time ({_VT_UNIT})",
    }
    lines = [
        "| rank | N | A | A:N | networks | " + " | ".join(f"{names[c]}" for c in order) + " |",
        "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in order) + " |",
    ]
    for rank, b in enumerate(best, 1):
        n, a = b["num_neurons"], b["num_astrocytes"]
        ratio = _fmt(a / n) if n else "∞"
        values = " | ".join(_fmt(b[c]) for c in order)
        lines.append(f"| {rank} | {n} | {a} | {ratio} | {b['networks']} | {values} |")
    return lines


def _figure_line(name: str, caption: str, placeholders: dict[str, str]) -> list[str]:
    """A figure and its caption, or why it is only a placeholder."""
    if name in placeholders:
        caption = "a placeholder image, for the reason stated above."
    return [f"![{name}]({name})", "", f"*{name}*: {caption}", ""]


def _markdown_errors(
    stats: dict[str, Any], baselines: dict[str, Any], placeholders: dict[str, str]
) -> list[str]:
    """The sections on test NRMSE, forecasting and baselines."""
    lines = ["", "## Test NRMSE", ""]
    nrmse = stats["nrmse"]
    if nrmse["available"]:
        lines += [
            "Normalised root-mean-square error of the readout's prediction on the test split "
            f"(lower is better): {nrmse['n']} networks, median {_fmt(nrmse['median'])}, range "
            f"{_fmt(nrmse['range'][0])} to {_fmt(nrmse['range'][1])}.",
            "",
            nrmse["statement"],
            "",
        ]
    else:
        lines += [f"No test NRMSE to report: {nrmse['reason']}.", ""]
    lines += _figure_line(
        "nrmse.png",
        "Mean test NRMSE over (N, A) (left), and against A/N for mixed networks with the "
        "single populations' medians (right).",
        placeholders,
    )
    if nrmse["available"]:
        lines += [
            f"Best (N, A) by median test NRMSE over replicates (of {nrmse['n_pairs']}):",
            "",
            *_best_table(nrmse["best"], ("test_nrmse", "forecast_nrmse", "valid_time")),
        ]

    lines += ["", "## Forecasting", ""]
    forecast = stats["forecast"]
    if not forecast["available"]:
        reason = forecast["reason"]
        lines += [reason[0].upper() + reason[1:] + ".", ""]
    else:
        lines += [
            "Closed-loop forecast from the start of the test split, the readout's output fed "
            "back as its input. Valid time: steps until the normalised error first exceeds "
            f"0.4, in {_VT_UNIT} (higher is better); forecast NRMSE: over the first Lyapunov "
            f"time (lower is better). {forecast['n']} networks have a forecast "
            f"(median {'valid time' if forecast['metric'] == 'valid_time' else 'forecast NRMSE'}"
            f" {_fmt(forecast['median'])}, range {_fmt(forecast['range'][0])} to "
            f"{_fmt(forecast['range'][1])})"
            + (
                f"; {forecast['n_not_run']} finished network(s) have none"
                if forecast["n_not_run"]
                else ""
            )
            + ".",
            "",
            forecast["statement"],
            "",
        ]
        if forecast["metric"] != "valid_time":
            lines += ["results.csv holds no valid time: networks are ranked by forecast NRMSE.", ""]
    shown = "forecast NRMSE" if forecast.get("metric") == "forecast_nrmse" else "valid time"
    lines += _figure_line(
        "forecast.png",
        f"Mean {shown} over (N, A) (left), and against A/N for mixed networks with the single "
        "populations' medians (right).",
        placeholders,
    )
    if forecast["available"]:
        order = ("valid_time", "forecast_nrmse", "test_nrmse")
        if forecast["metric"] != "valid_time":
            order = ("forecast_nrmse", "valid_time", "test_nrmse")
        what = "valid time" if forecast["metric"] == "valid_time" else "forecast NRMSE"
        lines += [
            f"Best (N, A) by median {what} over replicates (of {forecast['n_pairs']}):",
            "",
            *_best_table(forecast["best"], order),
        ]
        if forecast["metric"] == "valid_time" and forecast["n_at_max"] > 1:
            lines += [
                "",
                f"{forecast['n_at_max']} networks share the longest valid time, "
                f"{_fmt(forecast['range'][1])}: if that is the whole forecast, their error "
                "never exceeded 0.4 and the valid time is only a lower bound.",
            ]

    lines += ["", "## Baselines on the same split", ""]
    if not baselines["available"]:
        reason = baselines["reason"]
        lines.append(reason[0].upper() + reason[1:] + ".")
        return lines
    lines += [
        f"| model | task | test NRMSE | forecast NRMSE | valid time ({_VT_UNIT}) | fit time (s) "
        "| hyperparameters |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in baselines["rows"]:
        metrics = " | ".join(_fmt(r[m]) for m in _BASELINE_METRICS)
        lines.append(
            f"| {r['model']} | {r['task'] or '–'} | {metrics} | {r['hyperparameters'] or '–'} |"
        )
    task = baselines["task"] or "–"
    for r in baselines["reservoir"]:
        metrics = " | ".join(_fmt(r[m]) for m in _ERRORS)
        lines.append(
            f"| spiking reservoir, best by {r['selection']}: N = {r['num_neurons']}, "
            f"A = {r['num_astrocytes']} | {task} | {metrics} | – | median of {r['networks']} "
            "replicate(s) |"
        )
    if baselines["reservoir"]:
        chosen = " and ".join(r["criterion"] for r in baselines["reservoir"])
        lines += [
            "",
            f"The spiking-reservoir rows are the grid points (N, A) of this sweep with {chosen} "
            "over their replicates; they are picked among "
            f"{baselines['reservoir'][0]['n_pairs']} grid points by their score on the test "
            "split, which flatters them a little. results.csv records no per-network fit time.",
        ]
    else:
        lines += ["", "The sweep has no network with a finite test NRMSE to set beside them."]
    if baselines["other_tasks"]:
        lines += [
            "",
            f"**Warning**: baselines.csv holds rows for task {', '.join(baselines['other_tasks'])}"
            f", but the sweep ran task {baselines['task']}: those rows are not on the same split.",
        ]
    return lines


def _claims_table(stats: dict[str, Any]) -> list[str]:
    lines = ["## The paper's claims", "", "| claim | verdict | evidence |", "| --- | --- | --- |"]
    for key, c in stats["claims"].items():
        lines.append(f"| ({key}) {c['claim']} | **{c['verdict']}** | {c['evidence']} |")
    return lines


def _markdown(
    stats: dict[str, Any],
    run: dict[str, Any] | None,
    placeholders: dict[str, str],
    baselines: dict[str, Any],
) -> str:
    """The text of report.md."""
    lines = ["# Sweep report: learning rate over neuron and astrocyte counts", ""]

    # What was run, and what came of it.
    summary: list[str] = []
    if run is None:
        summary.append("run.json is missing: the sweep's options and versions are unknown.")
    else:
        config = run.get("config", {}) if isinstance(run.get("config"), dict) else {}
        parts = [
            f"{label} {_brief(config[key])}"
            for key, label in (
                ("neurons", "N ∈"),
                ("astrocytes", "A ∈"),
                ("replicates", "replicates"),
                ("steps", "T ="),
                ("epochs", "epochs ="),
                ("task", "task"),
                ("astrocyte_model", "astrocyte model"),
                ("readout", "readout"),
            )
            if key in config
        ]
        experiment = run.get("experiment") if isinstance(run.get("experiment"), dict) else {}
        if not parts and experiment:
            # A sweep of an Experiment made in Python: name its parts' classes.
            parts = [
                f"{key} {value['class'].rsplit('.', 1)[-1]}"
                for key, value in experiment.items()
                if isinstance(value, dict) and "class" in value
            ]
        summary.append("Sweep: " + ("; ".join(parts) or "options not recorded") + ".")
        extra = []
        if "fingerprint" in run:
            extra.append(f"Fingerprint `{_brief(run['fingerprint'], 24)}`")
        if "versions" in run:
            extra.append(f"versions: {_brief(run['versions'], 1000)}")
        if extra:
            summary.append(" ".join(e + ";" for e in extra[:-1]) + " " + extra[-1] + ".")
    failures = stats["failures"]
    no_lr = stats.get("no_learning_rate", "")
    if no_lr:
        summary.append(
            f"Networks: {stats['n_networks']}, of which {failures['n_failed']} failed "
            f"(status ≠ ok); {_NO_LR}: {no_lr}."
        )
    else:
        summary.append(
            f"Networks: {stats['n_networks']}, of which {stats['n_usable']} finished with a "
            f"finite learning rate and {failures['n_failed']} failed (status ≠ ok)."
        )
    by_reason: dict[str, list[str]] = {}
    for pair in failures["by_pair"]:
        for reason in pair["reasons"]:
            by_reason.setdefault(reason, []).append(
                f"({pair['num_neurons']}, {pair['num_astrocytes']}) ×{pair['count']}"
            )
    for reason, pairs in by_reason.items():
        more = f", and {len(pairs) - 20} more" if len(pairs) > 20 else ""
        summary.append(f"Failed, {reason}: (N, A) = {', '.join(pairs[:20])}{more}.")
    if failures["n_ok_without_learning_rate"] and not no_lr:
        summary.append(
            f"{failures['n_ok_without_learning_rate']} network(s) have status ok but no finite "
            "learning rate; they are left out."
        )
    for population, a in stats["activity"].items():
        summary.append(
            f"Firing rate of {population} (spikes per unit per step): median {_fmt(a['median'])}, "
            f"range {_fmt(a['min'])} to {_fmt(a['max'])}; {a['n_silent']} silent and "
            f"{a['n_saturated']} saturated network(s)."
        )
    lines += [f"- {item}" for item in summary]
    if no_lr:
        lines += [
            "",
            f"**{_NO_LR[0].upper() + _NO_LR[1:]}** to this sweep: {no_lr}. The paper's claims "
            "are about the learning rate, so each is marked *does not apply*, and the "
            "learning-rate figures are placeholders; the test NRMSE, forecasting and baseline "
            "sections below still apply.",
            "",
        ]
        lines += _claims_table(stats)
        lines += ["", "## Figures", ""]
        for name in _LR_FIGURES:
            lines += [f"![{name}]({name})", "", f"*{name}*: placeholder ({_NO_LR}).", ""]
        lines += _markdown_errors(stats, baselines, placeholders)
        return "\n".join(lines) + "\n"
    lines += [
        "",
        f"Learning rate = least-squares slope of log10(epoch-mean training MSE) against epoch "
        f"({_LR_UNIT}); more negative = faster learning. Tests at α = {ALPHA}."
        + (
            f" **Here the slope is taken over the first {stats['slope_epochs']} epochs only**"
            " (recomputed from curves.npz; the sweep's results.csv uses all epochs)."
            if stats.get("slope_epochs")
            else ""
        ),
        "",
    ]
    lines += _claims_table(stats)

    # Figures.
    captions = {
        "heatmap.png": "Mean learning rate over (N, A), with the lines A:N = 1, 2, 3.",
        "ratio.png": "Learning rate against A/N for mixed networks: density (2-D KDE), "
        "smoothed mean with a 95 % bootstrap band, and the optimum with its bootstrap interval.",
        "populations.png": "Neuron-only, astrocyte-only and mixed networks at matched total "
        "size (left), and the mean at each total size (right).",
        "size.png": "Learning rate against total size N + A, coloured by ratio.",
        "curves.png": "A sample of training-loss curves, coloured by ratio.",
    }
    lines += ["", "## Figures", ""]
    for name in _LR_FIGURES:
        caption = captions[name]
        if name in placeholders:
            caption += f" *Not drawn: {placeholders[name]}*"
        lines += [f"![{name}]({name})", "", f"*{name}*: {caption}", ""]

    # Tables.
    pops = stats["populations"]
    lines += [
        "## Tables",
        "",
        "Populations (all successful networks; tests use matched total sizes):",
        "",
        "| group | n | median | mean | SD |",
        "| --- | --- | --- | --- | --- |",
    ]
    for g, s in pops["groups"].items():
        lines.append(
            f"| {g} | {s['n']} | {_fmt(s['median'])} | {_fmt(s['mean'])} | {_fmt(s['sd'])} |"
        )
    lines += [
        "",
        "| comparison | n | median difference | Cliff's δ | Mann–Whitney U | p | p (Holm) "
        "| matching |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for key, c in pops["comparisons"].items():
        if c["available"]:
            lines.append(
                f"| {key} | {c['n_first']} vs {c['n_second']} | {_fmt(c['median_difference'])} "
                f"| {_fmt(c['cliffs_delta'], 2)} | {_fmt(c['u'])} | {_fmt_p(c['p'])} | "
                f"{_fmt_p(c['p_holm'])} | {c['matching']} |"
            )
        else:
            lines.append(f"| {key} | – | – | – | – | – | – | cannot test: {c['reason']} |")

    ratio = stats["ratio"]
    lines += ["", "Optimum ratio A/N (argmin of the smoothed mean, bootstrap over networks):", ""]
    if ratio["available"]:
        lines += [
            "| estimate | optimum A/N | 95 % interval | contains 2 | resamples at the edge |",
            "| --- | --- | --- | --- | --- |",
        ]
        for label, key in (("raw", "raw"), ("size trend removed", "size_adjusted")):
            e = ratio[key]
            if e["available"]:
                lines.append(
                    f"| {label} | {_fmt(e['optimum'])} | {_fmt(e['interval'][0])} to "
                    f"{_fmt(e['interval'][1])} | {'yes' if e['contains_2'] else 'no'} | "
                    f"{_fmt(100 * e['boot_at_edge_fraction'], 2)} % |"
                )
            else:
                lines.append(f"| {label} | – | – | – | cannot estimate: {e['reason']} |")
        lines.append(
            f"\n{ratio['n']} mixed networks, {ratio['n_ratios']} distinct ratios; local-linear "
            f"smoother with a Gaussian kernel of width {_fmt(ratio['bandwidth'], 2)} decades of "
            f"A/N (leave-one-ratio-out cross-validation); {ratio['n_boot']} resamples "
            f"(seed {ratio['seed']})."
        )
    else:
        lines.append(f"Cannot estimate: {ratio['reason']}.")

    lines += [
        "",
        "Regressions of the learning rate (OLS; coefficients per unit, or per decade of A/N):",
        "",
        "| model | term | coefficient | SE | p | VIF | fit |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, fit in stats["regression"].items():
        lines += _ols_rows(name, fit)
    lines += _ols_rows("A/(N + A)", stats["fraction"])
    lines += _ols_rows("N + A, A/(N + A)", stats["size_fraction"])
    full = stats["regression"]["N, A, N + A"]
    if full.get("note"):
        lines += ["", f"Note on the N, A, N + A model: {full['note']}"]
    quadratic = stats["regression"]["log10(A/N), squared"]
    if quadratic["available"]:
        vertex = quadratic["vertex_ratio"]
        lines.append(
            "\nQuadratic in log10(A/N) (mixed networks): "
            + (
                f"best ratio at its vertex A/N = {_fmt(vertex)}."
                if math.isfinite(vertex)
                else "the parabola opens downward, so it has no best ratio."
            )
        )
    lasso = stats["lasso"]
    lines += ["", "LASSO (5-fold CV, standardised N, A and N + A):", ""]
    if lasso["available"]:
        lines += [
            "| term | standardised coefficient | kept |",
            "| --- | --- | --- |",
        ]
        for term, coef in lasso["coefficients"].items():
            kept = "yes" if term in lasso["survivors"] else "no"
            lines.append(f"| {term} | {_fmt(coef)} | {kept} |")
        lines.append(f"\nα = {_fmt(lasso['alpha'])}, n = {lasso['n']}.")
    else:
        lines.append(f"Cannot fit: {lasso['reason']}.")
    lines += _markdown_errors(stats, baselines, placeholders)
    return "\n".join(lines) + "\n"


def _early_slope(
    results: pd.DataFrame, curves: np.ndarray | None, epochs: int, why_no_curves: str
) -> pd.DataFrame:
    """`results` with `learning_rate` recomputed over the first `epochs` epochs of the curves."""
    if curves is None:
        raise ReportError(f"--slope-epochs needs curves.npz: {why_no_curves}")
    if (
        isinstance(epochs, bool)
        or not isinstance(epochs, int)
        or not 2 <= epochs <= curves.shape[1]
    ):
        raise ReportError(
            f"--slope-epochs: got {epochs!r}; must be a whole number from 2 to the sweep's "
            f"{curves.shape[1]} epochs"
        )
    from .._metrics import learning_rate_slope

    results = results.copy()
    slopes = np.asarray(learning_rate_slope(np.asarray(curves[:, :epochs], np.float64)))
    ok = (
        (results["status"] == "ok").to_numpy()
        if "status" in results
        else np.ones(len(results), bool)
    )
    results["learning_rate"] = np.where(ok, slopes, np.nan)
    return results


def report(
    directory: str | Path, *, out: str | Path | None = None, slope_epochs: int | None = None
) -> Path:
    """Write the figures and `report.md` for a finished sweep, and return the report's path.

    **Arguments:**

    - `directory`: the sweep directory, holding `results.csv` (required), `curves.npz`,
      `run.json` and `baselines.csv` (the report notes their absence and still gets
      written). With `run.json`'s `config.readout` "ridge" the learning-rate analyses are
      marked as not applying; `results.csv`'s optional `test_nrmse`, `forecast_nrmse` and
      `valid_time` feed the sections on test error and forecasting, and `baselines.csv`
      (columns `model`, `task`, `test_nrmse`, `forecast_nrmse`, `valid_time`, `fit_seconds`,
      any others read as hyperparameters) the section "Baselines on the same split".
    - `out`: where to write the figures and `report.md`; defaults to `directory`, or with
      `slope_epochs` K to `directory/slope-epochs-K/` (the sweep's own report stays).
      Created if needed.
    - `slope_epochs`: if given, the learning rate is recomputed from `curves.npz` as the
      slope over the first `slope_epochs` epochs only (the sweep's own column uses all
      epochs), and the report says so. Needs `curves.npz`.

    **Returns:** the path of `report.md`. The figures (`FIGURES`) lie beside it, each of them
    always: a figure the data cannot support is a small image that says why, and the report
    states plainly which analyses could not be made and why.

    **Raises:** `ReportError` if the directory or its `results.csv` is missing or unreadable,
    if `baselines.csv` is unreadable or lacks `model` or `test_nrmse`, or if the files are
    inconsistent with each other.
    """
    sweep = read_sweep(directory)
    results, curves, run = sweep.results, sweep.curves, sweep.run
    readout = _config(run).get("readout")
    if slope_epochs is not None:
        if readout == "ridge":
            raise ReportError(f"--slope-epochs: {_RIDGE}")
        results = _early_slope(results, curves, slope_epochs, sweep.why_no_curves)
    stats = analyse(results, readout=readout if isinstance(readout, str) else None)
    stats["slope_epochs"] = slope_epochs
    df = _prepare(results)
    baselines = _baselines(sweep.baselines, stats, run)

    if out is not None:
        target = Path(out)
    elif slope_epochs is not None:
        target = sweep.directory / f"slope-epochs-{slope_epochs}"
    else:
        target = sweep.directory
    target.mkdir(parents=True, exist_ok=True)
    placeholders = _draw_report(df, stats, curves, sweep.why_no_curves, target)
    path = target / "report.md"
    path.write_text(_markdown(stats, run, placeholders, baselines), encoding="utf-8")
    return path
