"""`report`: the figures and `report.md` for one finished sweep, and the writer of
`report.md`'s text.

`report.md` says, for each of the seed paper's claims, whether the sweep supports it and with
which numbers, and then gives the figures, the tables behind the verdicts, the test NRMSE,
the closed-loop forecast and the baselines of `baselines.csv`. It states plainly which
analyses could not be made and why. `_early_slope` is `report`'s `slope_epochs` option, and
`_baselines` picks the rows of the baselines section.
"""

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._analyse import analyse
from ._common import (
    _BASELINE_METRICS,
    _ERRORS,
    _HOW_BASELINES,
    _LR_FIGURES,
    _LR_UNIT,
    _METRIC_FIGURES,
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


def _same_split(info: dict[str, Any] | None, fingerprint: str | None) -> str:
    """Why the baselines are not on this sweep's split, or "" if baselines.json says they
    are (its `sweep_fingerprint` is the sweep's fingerprint)."""
    if info is None:
        return "baselines.csv has no readable baselines.json beside it (provenance unknown)"
    if "sweep_fingerprint" not in info:
        return "baselines.json records no sweep fingerprint (written by an older jaxglia)"
    recorded = info["sweep_fingerprint"]
    if recorded is None:
        return "baselines.json says the baselines were fitted without a sweep in the directory"
    if fingerprint is None:
        return "the sweep's own fingerprint is unknown (no run.json or sweep.json)"
    if recorded != fingerprint:
        return (
            f"baselines.json was written for sweep {recorded}, but this directory holds sweep "
            f"{fingerprint} (baselines left over from before `jaxglia sweep --overwrite`?)"
        )
    return ""


def _baselines(
    table: pd.DataFrame | None,
    stats: dict[str, Any],
    run: dict[str, Any] | None,
    info: dict[str, Any] | None = None,
    fingerprint: str | None = None,
):
    """The baselines of baselines.csv beside the sweep's best (N, A), as plain values; only
    when baselines.json records this sweep's fingerprint (else why they are left out)."""
    if table is None:
        return _unavailable(f"the sweep directory holds no baselines.csv; {_HOW_BASELINES}")
    why = _same_split(info, fingerprint)
    if why:
        return _unavailable(
            f"the baselines of baselines.csv are left out, as they may not be on this sweep's "
            f"split: {why}; {_HOW_BASELINES}"
        )
    task = _config(run).get("task")
    # The valid time in steps, as some writers add it, is a score, not a hyperparameter.
    windows = ("valid_time_sem", "valid_time_cap", "windows", "windows_at_cap")
    known = {"model", "task", "valid_steps", *_BASELINE_METRICS, *windows}
    rows = []
    for _, row in table.iterrows():
        rows.append(
            {
                "model": _text(row["model"]),
                "task": _text(row.get("task")),
                **{m: _float(row.get(m)) for m in _BASELINE_METRICS},
                **{m: _float(row.get(m)) for m in windows},
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


def _valid_time_cell(row: dict[str, Any]) -> str:
    """A baseline's valid time: the mean over test windows ± its standard error, with the
    cap (a window's length) and how many windows reached it (those are lower bounds)."""
    value = _fmt(row["valid_time"])
    if not row.get("windows") or row["windows"] != row["windows"]:  # one loop, or unknown
        return value
    count = int(row["windows"])
    cell = (
        f"{value} ± {_fmt(row['valid_time_sem'])} over {count} windows"
        if count > 1
        else (f"{value} (one window)")
    )
    at_cap = int(row["windows_at_cap"]) if row["windows_at_cap"] == row["windows_at_cap"] else 0
    if at_cap:
        cell += f" ({at_cap} at the cap, {_fmt(row['valid_time_cap'])}: lower bounds)"
    return cell


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
    """A figure and its caption (its SVG beside it), or, if it was not drawn, why not."""
    if name in placeholders:
        return [f"*{name}* is not drawn: {placeholders[name]}", ""]
    svg = name.removesuffix(".png") + ".svg"
    return [f"![{name}]({name})", "", f"*{name}* ([SVG]({svg})): {caption}", ""]


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
        metrics = " | ".join(
            _valid_time_cell(r) if m == "valid_time" else _fmt(r[m]) for m in _BASELINE_METRICS
        )
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
    lines = [
        "## The paper's claims",
        "",
        "| claim | verdict | evidence | rule |",
        "| --- | --- | --- | --- |",
    ]
    for key, c in stats["claims"].items():
        lines.append(
            f"| ({key}) {c['claim']} | **{c['verdict']}** | {c['evidence']} | {c['rule'] or '–'} |"
        )
    lines += [
        "",
        "Each claim is tested at α = "
        f"{ALPHA} by the rule beside it; corrections for multiple comparisons are made within "
        "a claim (Holm over claim (a)'s two comparisons; (b) and (c) need two tests to agree, "
        "an intersection–union test), not across the five claims, which are separate "
        "hypotheses of the paper. *Cannot test* names what the sweep lacks.",
    ]
    return lines


def _fit_section(stats: dict[str, Any], placeholders: dict[str, str]) -> list[str]:
    """How well the slope's straight line fits the loss curves."""
    fit = stats.get("metric_fit", {"available": False, "reason": "not computed"})
    lines = ["", "## How well the slope fits the curves", ""]
    if not fit["available"]:
        lines += [f"Not examined: {fit['reason']}.", ""]
        return lines + _figure_line("fit.png", "", placeholders)
    q = fit["quantiles"]
    lines += [
        f"R² of the straight line of log10 MSE against epoch (the slope over the first "
        f"{fit['window']} epochs), per network ({fit['n']} networks): median "
        f"{_fmt(q['median'])}, 10th percentile {_fmt(q['p10'])}, minimum {_fmt(q['min'])}, "
        f"maximum {_fmt(q['max'])}; {100 * fit['share_below_0.9']:.0f} % of the "
        "networks have R² < 0.9. A low R² means the curve is not a straight line in log "
        "space (typically fast at first, then slow), so the slope depends on the window; the "
        "specification curve below shows what that does to the verdicts.",
        "",
    ]
    lines += _figure_line(
        "fit.png",
        "Distribution of the slope's R² over networks (left) and the worst-fitted curves "
        "with their fitted lines (right).",
        placeholders,
    )
    return lines


def _spec_section(stats: dict[str, Any], placeholders: dict[str, str]) -> list[str]:
    """The specification curve: optimum and verdicts under every metric and window."""
    from ._speed import METRICS

    spec = stats.get("specification", {"available": False, "reason": "not computed"})
    lines = ["", "## Specification curve: does the answer depend on the metric?", ""]
    if not spec["available"]:
        lines += [f"Not computed: {spec['reason']}.", ""]
        return lines + _figure_line("spec.png", "", placeholders)
    lines += [
        "The same analyses and verdict rules, with the learning rate replaced by each "
        "learning-speed metric over the first K epochs (windows fixed in advance: 3, 5, 10 "
        "and all epochs, and the report's own), all computed from curves.npz:",
        "",
        *[
            f"- **{name}**: {label} ({unit}; {'lower' if lower else 'higher'} = faster)"
            for name, (label, unit, lower, _, _) in METRICS.items()
        ],
        "",
        "| metric | window (epochs) | networks | optimum A/N | 95 % interval | "
        + " | ".join(f"({k})" for k in stats["claims"])
        + " |",
        "| --- | --- | --- | --- | --- | " + " | ".join("---" for _ in stats["claims"]) + " |",
    ]
    for r in spec["rows"]:
        window = f"{r['window']}" + (" (all)" if r["all_epochs"] else "")
        name = f"**{r['metric']}** (main)" if r["main"] else r["metric"]
        interval = (
            f"{_fmt(r['interval'][0])} to {_fmt(r['interval'][1])}"
            if math.isfinite(r["optimum"])
            else "–"
        )
        lines.append(
            f"| {name} | {window} | {r['n']} | {_fmt(r['optimum'])} | {interval} | "
            + " | ".join(r["verdicts"].values())
            + " |"
        )
    robust = [f"({k}) {v}" for k, v in spec["robust"].items() if v]
    varies = [f"({k})" for k, v in spec["robust"].items() if not v]
    lines += [
        "",
        "Same verdict under every metric and window: "
        + (", ".join(robust) if robust else "none")
        + ". Verdict depends on the definition: "
        + (", ".join(varies) if varies else "none")
        + f". Bootstrap: {spec['n_boot']} resamples per row.",
        "",
    ]
    lines += _figure_line(
        "spec.png",
        "Optimum A/N with its 95 % bootstrap interval under each metric and window (top), "
        "and each claim's verdict (bottom).",
        placeholders,
    )
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
            if key in config and not (key == "epochs" and config.get("readout") == "ridge")
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
            extra.append(f"versions: {_brief(run['versions'], 100_000)}")
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
    current = _astrocyte_current(run)
    for population, a in stats["activity"].items():
        if population == "astrocytes" and current:
            summary.append(
                f"Mean output of astrocytes per unit per step ({current}, not spikes): "
                f"median {_fmt(a['median'])}, range {_fmt(a['min'])} to {_fmt(a['max'])}."
            )
            continue
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
            "learning-rate figures are not drawn; the test NRMSE, forecasting and baseline "
            "sections below still apply.",
            "",
        ]
        lines += _claims_table(stats)
        lines += ["", "## Figures", ""]
        for name in (*_LR_FIGURES, *_METRIC_FIGURES):
            lines += _figure_line(name, "", placeholders)
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
        "heatmap.png": "Mean learning rate in each sampled (N, A) cell (darker = faster), "
        "with the cells on the lines A:N = 1, 2, 3 joined.",
        "ratio.png": "Learning rate against A/N for mixed networks: every network (dots), the "
        "mean at each sampled ratio with its 95 % t-interval, the smoothed mean with a 95 % "
        "bootstrap band, and the optimum with its bootstrap interval.",
        "populations.png": "Neuron-only, astrocyte-only and mixed networks at matched total "
        "size (left), and the mean at each total size (right).",
        "size.png": "Learning rate against total size N + A, coloured by ratio.",
        "curves.png": "A sample of training-loss curves, coloured by ratio, each with its "
        "fitted slope (dashed).",
    }
    lines += ["", "## Figures", ""]
    for name in _LR_FIGURES:
        lines += _figure_line(name, captions[name], placeholders)
    lines += _fit_section(stats, placeholders)
    lines += _spec_section(stats, placeholders)

    # Tables.
    pops = stats["populations"]
    lines += [
        "## Tables",
        "",
        "Populations (all successful networks; tests use matched total sizes; Holm's "
        "correction over the two comparisons of mixed networks, claim (a)'s family; "
        "neuron-only vs astrocyte-only is not adjusted):",
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
    lines += ["", *_split_lines(stats["split"])]
    lasso = stats["lasso"]
    lines += [
        "",
        "The paper's LASSO (5-fold CV, standardised N, A and N + A), shown as the paper ran it. "
        "Its design is exactly collinear (N + A = N + A, VIF = ∞): the same fit is reached by "
        "many splits of the size effect between the three terms, so which terms it keeps is "
        "arbitrary and no verdict rests on it; claim (e) is judged on S and D above.",
        "",
    ]
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


def _astrocyte_current(run: dict[str, Any] | None) -> str:
    """What rate_astrocytes holds when it is not spikes (the Li–Rinzel current), else ""."""
    model = str(_config(run).get("astrocyte_model") or "")
    experiment = run.get("experiment") if isinstance(run, dict) else None
    classes = json.dumps(experiment, default=str) if isinstance(experiment, dict) else ""
    if model == "li-rinzel" or "LiRinzel" in classes:
        return "the Li–Rinzel calcium-driven current"
    return ""


def _split_lines(split: dict[str, Any]) -> list[str]:
    """Claim (e)'s identifiable design: OLS, LASSO and stability selection on S and D."""
    lines = [
        "Claim (e) on an identifiable design: S = N + A and D = A − N (N = (S − D)/2, "
        'A = (S + D)/2). "Only N + A matters" means D has no effect, i.e. N and A have equal '
        "coefficients; D's t-test is that test.",
        "",
    ]
    if not split["available"]:
        return lines + [f"Cannot fit: {split['reason']}."]
    lines += [
        "| term | OLS coefficient | SE | p | VIF | LASSO (standardised) | kept in half-samples |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for term, t in split["terms"].items():
        lines.append(
            f"| {term} | {_fmt(t['coef'])} | {_fmt(t['se'])} | {_fmt_p(t['p'])} | "
            f"{_fmt(split['vif'][term])} | {_fmt(split['lasso_coefficients'][term])} | "
            f"{100 * split['selection'][term]:.0f} % |"
        )
    lines.append(
        f"\nn = {split['n']}, R² = {_fmt(split['r2'], 2)}; LASSO α = "
        f"{_fmt(split['lasso_alpha'])} by 5-fold CV; stability selection: the LASSO at that α "
        f"on {split['n_subsamples']} random half-samples."
    )
    return lines


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
      any others read as hyperparameters) the section "Baselines on the same split" — only
      when `baselines.json` records this sweep's fingerprint as `sweep_fingerprint` (else
      the report says why it leaves them out).
    - `out`: where to write the figures and `report.md`; defaults to `directory`, or with
      `slope_epochs` K to `directory/slope-epochs-K/` (the sweep's own report stays).
      Created if needed.
    - `slope_epochs`: if given, the learning rate is recomputed from `curves.npz` as the
      slope over the first `slope_epochs` epochs only (the sweep's own column uses all
      epochs), and the report says so. Needs `curves.npz`.

    **Returns:** the path of `report.md`. The figures (`FIGURES`, each as PNG and SVG) lie
    beside it; a figure the data cannot support is not drawn (a stale one of that name is
    removed), and the report says why, as it states which analyses could not be made.
    With `curves.npz`, the report adds the fit of the slope metric and the specification
    curve (every claim's verdict under each learning-speed metric and window).

    **Raises:** `ReportError` if `out` (or the default target) is a file, lies under a file,
    is not writable or is empty (checked before any work); if the directory or its
    `results.csv` is missing or unreadable, if a sweep's `results.csv`, `curves.npz` or
    `run.json` is truncated or damaged (the message says how to rebuild them),
    if `baselines.csv` is unreadable or lacks `model` or `test_nrmse`, or if the files are
    inconsistent with each other.
    """
    target = _target(directory, out, slope_epochs)
    sweep = read_sweep(directory)
    results, curves, run = sweep.results, sweep.curves, sweep.run
    readout = _config(run).get("readout")
    if slope_epochs is not None:
        if readout == "ridge":
            raise ReportError(f"--slope-epochs: {_RIDGE}")
        results = _early_slope(results, curves, slope_epochs, sweep.why_no_curves)
    stats = analyse(
        results,
        readout=readout if isinstance(readout, str) else None,
        curves=curves,
        window=slope_epochs,
    )
    stats["slope_epochs"] = slope_epochs
    df = _prepare(results)
    baselines = _baselines(sweep.baselines, stats, run, sweep.baselines_info, sweep.fingerprint)

    target.mkdir(parents=True, exist_ok=True)
    placeholders = _draw_report(df, stats, curves, sweep.why_no_curves, target)
    path = target / "report.md"
    path.write_text(_markdown(stats, run, placeholders, baselines), encoding="utf-8")
    return path


def _target(directory: str | Path, out: str | Path | None, slope_epochs: int | None) -> Path:
    """Where the report goes, checked before any work: `out` must be a directory that can
    be created and written (not a file, not under a file, not read-only, not empty)."""
    from .._sweep._store import OutputError, check_writable

    if out is not None:
        if not str(out).strip():
            raise ReportError("--out: got an empty path; give a directory to write the report to")
        target = Path(out)
    elif slope_epochs is not None:
        target = Path(directory) / f"slope-epochs-{slope_epochs}"
    else:
        target = Path(directory)
    try:
        check_writable(target)
    except OutputError as error:
        raise ReportError(str(error)) from None
    return target
