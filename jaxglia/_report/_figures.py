"""Everything the report draws with matplotlib: the figures of `report` and of `compare`.

They are built on matplotlib's object API with an explicit Agg canvas, not with pyplot:
nothing enters pyplot's global figure registry (so nothing is left open), and the caller's
backend (say, a notebook's) is not changed. A figure the data cannot support raises
`_Unavailable`: it is not written (a stale file of its name is removed) and the caller says
why in the text. Every figure is saved as PNG and SVG (text kept as text); every "better"
colour scale is darker-is-better; legends sit outside the data.
`_draw_report` and `_draw_comparison` draw every figure of one report or comparison.
"""

import math
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._common import (
    _GROUPS,
    _LR_FIGURES,
    _LR_LABEL,
    _METRIC_FIGURES,
    _NEEDS_MIXED,
    _NO_LR,
    _VT_UNIT,
    _fmt,
    _fmt_p,
    _quiet,
)
from ._stats import _bandwidth, _smoother


_DPI = 150
_STYLE = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "savefig.dpi": _DPI,
    # SVG text stays text (editable, searchable), not outlines.
    "svg.fonttype": "none",
}
_GROUP_LABELS = {
    "neuron-only": "neuron-only\n(A = 0)",
    "astrocyte-only": "astrocyte-only\n(N = 0)",
    "mixed": "mixed\n(N > 0, A > 0)",
}
_GROUP_COLOURS = {"neuron-only": "tab:blue", "astrocyte-only": "tab:orange", "mixed": "tab:green"}


class _Unavailable(Exception):
    """A figure that the data cannot support; its message goes on the placeholder."""


def _figure(size: tuple[float, float], ncols: int = 1):
    """A figure with one row of `ncols` axes on an Agg canvas, outside pyplot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, axes


def _save(fig, path: Path) -> None:
    """Write a figure to `path` (PNG) and beside it as SVG, and free its contents."""
    fig.savefig(path, dpi=_DPI)
    # The layout is settled by the first save; the SVG reuses it (half the drawing time).
    fig.set_layout_engine("none")
    fig.savefig(path.with_suffix(".svg"))
    fig.clear()


def _axis_note(ax, message: str) -> None:
    """A small wrapped note in the top-left corner of an axis (why a layer is missing)."""
    ax.text(0.02, 0.98, textwrap.fill(message, 70), transform=ax.transAxes, va="top", fontsize=8)


def _placeholder(path: Path, title: str, message: str) -> None:
    """A small image that says which figure is missing and why."""
    fig, (ax,) = _figure((6.4, 1.8))
    ax.set_axis_off()
    text = "\n".join(textwrap.wrap(f"{title}: not drawn. {message}", 80))
    ax.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=10)
    _save(fig, path)


def _ratio_colouring():
    """Colour by A:N through the astrocyte fraction A/(N + A), which maps 0..∞ onto 0..1."""
    from matplotlib.colors import Normalize

    ticks = {"0": 0.0, "1:2": 1 / 3, "1:1": 0.5, "2:1": 2 / 3, "4:1": 0.8, "∞": 1.0}
    return "viridis", Normalize(0.0, 1.0), ticks


def _decimals(values: np.ndarray) -> int:
    """Decimals for the cell labels: enough to tell apart values 1/20 of the colour range
    apart (so neighbouring shades never share a label), and no more."""
    finite = values[np.isfinite(values)]
    span = float(finite.max() - finite.min()) if len(finite) else 0.0
    scale = span / 20 if span > 0 else max(float(np.abs(finite).max(initial=0.0)), 1e-12) / 100
    return int(min(8, max(0, math.ceil(-math.log10(scale)))))


def _better(higher_is_better: bool) -> str:
    """The colour map of every "better" scale: darker = better, in every figure."""
    return "viridis_r" if higher_is_better else "viridis"


_RATIO_LINES = ((1, "tab:red", "-", "o"), (2, "white", "--", "s"), (3, "tab:pink", ":", "^"))


def _heatmap(
    fig,
    ax,
    df: pd.DataFrame,
    rows: pd.DataFrame,
    column: str,
    label: str,
    *,
    higher_is_better: bool = False,
) -> bool:
    """Mean of `column` in each sampled (N, A) cell of `df`'s grid, from `rows`.

    The grid is categorical: equal cells, ticks labelled with the sampled N and A. The cells
    on the lines A:N = 1, 2, 3 are joined through their centres, each line in its own style.
    Darker is better (`higher_is_better` says which way that is).

    **Returns:** whether some cell of the grid (other than the empty network) has no value.
    """
    from matplotlib.patheffects import withStroke

    ns = np.sort(df.loc[df["group"] != "empty", "num_neurons"].unique())
    as_ = np.sort(df.loc[df["group"] != "empty", "num_astrocytes"].unique())
    table = rows.pivot_table(
        index="num_astrocytes", columns="num_neurons", values=column, aggfunc="mean"
    ).reindex(index=as_, columns=ns)
    values = table.to_numpy(float)
    ax.set_facecolor("0.85")
    image = ax.imshow(
        np.ma.masked_invalid(values),
        origin="lower",
        aspect="auto",
        cmap=_better(higher_is_better),
        interpolation="nearest",
    )
    cbar = fig.colorbar(image, ax=ax)
    cbar.set_label(f"{label}\n(darker = better)")
    cbar.formatter.set_useOffset(False)  # pyright: ignore[reportAttributeAccessIssue]
    cbar.update_ticks()
    if values.size <= 200 and np.isfinite(values).any():
        decimals = _decimals(values)
        finite = values[np.isfinite(values)]
        low, high = finite.min(), finite.max()
        for i in range(len(as_)):
            for j in range(len(ns)):
                v = values[i, j]
                if np.isfinite(v):
                    # Text light on the dark (better) half of the scale, dark elsewhere.
                    share = 0.5 if high == low else (v - low) / (high - low)
                    dark = share > 0.5 if higher_is_better else share < 0.5
                    # Above the centre, clear of the ratio lines drawn through the centres.
                    ax.text(
                        j,
                        i + 0.22,
                        f"{v:.{decimals}f}",
                        ha="center",
                        va="center",
                        fontsize=5.5 if len(ns) > 8 else 6.5 if len(ns) > 5 else 7.5,
                        color="white" if dark else "black",
                    )
    for k, colour, style, marker in _RATIO_LINES:
        cells = [
            (j, int(np.flatnonzero(as_ == k * n)[0]))
            for j, n in enumerate(ns)
            if n > 0 and (as_ == k * n).any()
        ]
        if cells:
            x, y = zip(*cells)
            ax.plot(
                x,
                y,
                ls=style,
                marker=marker,
                color=colour,
                mec="black",
                mew=0.6,
                lw=1.6,
                ms=5,
                label=f"A:N = {k}:1 ({len(cells)} cells)",
                path_effects=[withStroke(linewidth=3.2, foreground="black")],
            )
    ax.set_xticks(range(len(ns)), [str(n) for n in ns])
    ax.set_yticks(range(len(as_)), [str(a) for a in as_])
    ax.set_xlabel("neurons N (sampled sizes)")
    ax.set_ylabel("astrocytes A (sampled sizes)")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, frameon=False)
    # The empty network (0, 0) is never run, so its cell being grey says nothing.
    missing = np.isnan(values) & ~((as_[:, None] == 0) & (ns[None, :] == 0))
    return bool(missing.any())


def _draw_heatmap(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Mean learning rate over the (N, A) grid, with the lines A:N = 1, 2, 3."""
    ok = df.loc[df["usable"]]
    if ok.empty:
        raise _Unavailable("No network finished with a finite learning rate.")
    fig, (ax,) = _figure((6.6, 5.8))
    label = f"mean {_LR_LABEL}\n(more negative = faster)"
    title = "Mean learning rate over the (N, A) grid"
    if _heatmap(fig, ax, df, ok, "learning_rate", label):
        title += "\n(grey: no successful network)"
    ax.set_title(title)
    _save(fig, path)


def _draw_metric(
    df: pd.DataFrame, column: str, label: str, *, higher_is_better: bool, path: Path
) -> None:
    """One error metric over the grid: its mean over (N, A) (left) and against A/N (right).

    The right panel shows the mixed networks, a local-linear smoother through them (the
    ratio analysis' smoother, its width by the same cross-validation) and the medians of the
    neuron-only and astrocyte-only networks, which have no finite ratio, as horizontal lines.
    """
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    rows = df.loc[df["finished"] & np.isfinite(df[column].to_numpy())]
    if rows.empty:
        raise _Unavailable(f"No network that finished has a finite {label}.")
    direction = "higher" if higher_is_better else "lower"
    fig, (left, right) = _figure((12.0, 5.6), ncols=2)
    title = f"Mean {label} over the (N, A) grid"
    if _heatmap(
        fig,
        left,
        df,
        rows,
        column,
        f"mean {label} ({direction} = better)",
        higher_is_better=higher_is_better,
    ):
        title += "\n(grey: no value)"
    left.set_title(title)
    mixed = rows.loc[rows["group"] == "mixed"]
    if mixed.empty:
        _axis_note(right, f"No ratio plot: it {_NEEDS_MIXED}.")
    else:
        x, y = mixed["ratio"].to_numpy(float), mixed[column].to_numpy(float)
        right.scatter(x, y, s=7, color="0.15", alpha=0.55, lw=0, label="one mixed network")
        logs = np.log10(x)
        if len(x) >= 5 and len(np.unique(logs)) >= 3:
            with _quiet():
                grid = np.linspace(logs.min(), logs.max(), 121)
                curve = _smoother(logs, y[:, None], grid, _bandwidth(logs, y))[:, 0]
            right.plot(10**grid, curve, color="tab:orange", lw=2, label="smoothed mean")
        right.set_xscale("log")
        right.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
        right.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        right.xaxis.set_minor_formatter(NullFormatter())
        right.axvline(2.0, color="0.3", ls="--", lw=1, label="A:N = 2:1")
    for group in ("neuron-only", "astrocyte-only"):
        values = rows.loc[rows["group"] == group, column]
        if len(values):
            right.axhline(
                float(values.median()),
                color=_GROUP_COLOURS[group],
                lw=1.3,
                ls=":",
                label=f"{group} median (n = {len(values)})",
            )
    right.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")
    right.ticklabel_format(axis="y", useOffset=False)
    right.set_ylabel(f"{label} ({direction} = better)")
    right.set_title(f"{label[0].upper() + label[1:]} against the astrocyte:neuron ratio")
    if right.get_legend_handles_labels()[0]:
        right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    _save(fig, path)


def _log_ratio_axis(ax) -> None:
    """A log-scaled A/N axis with plain tick labels at 1, 2, 5 x 10^k."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")


def _draw_ratio(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Learning rate against A/N: the networks as points, the mean at each sampled ratio with
    its 95 % t-interval, the smoothed mean with its bootstrap band, and the optimum."""
    from scipy.stats import t as student

    mixed = df.loc[df["usable"] & (df["group"] == "mixed")]
    if mixed.empty:
        raise _Unavailable(f"The ratio plot {_NEEDS_MIXED}.")
    ratio, lr = mixed["ratio"].to_numpy(float), mixed["learning_rate"].to_numpy(float)
    fig, (ax,) = _figure((7.2, 5.6))
    info = stats["ratio"]
    raw = info["raw"] if info["available"] else info
    if raw["available"]:
        ax.axvspan(
            *raw["interval"],
            color="tab:red",
            alpha=0.10,
            lw=0,
            zorder=0,
            label="95 % interval of the optimum",
        )
    # Networks that share a ratio are spread a little sideways (multiplicatively).
    jitter = 10 ** np.random.default_rng(0).uniform(-0.015, 0.015, len(ratio))
    ax.scatter(
        ratio * jitter, lr, s=9, color="0.55", alpha=0.7, lw=0, zorder=2, label="one network"
    )
    groups = mixed.groupby("ratio")["learning_rate"]
    summary = groups.agg(["mean", "std", "count"])
    half = np.where(
        summary["count"] > 1,
        student.ppf(0.975, np.maximum(summary["count"] - 1, 1))
        * summary["std"].fillna(0)
        / np.sqrt(summary["count"]),
        0.0,
    )
    ax.errorbar(
        summary.index,
        summary["mean"],
        yerr=half,
        fmt="o",
        color="black",
        ms=4,
        capsize=3,
        lw=1.2,
        zorder=4,
        label="mean at each ratio, 95 % t-interval",
    )
    if info["available"]:
        curve = info["curve"]
        ax.fill_between(
            curve["ratio"],
            curve["low"],
            curve["high"],
            color="tab:orange",
            alpha=0.3,
            lw=0,
            zorder=3,
            label="smoothed mean, 95 % bootstrap band",
        )
        ax.plot(curve["ratio"], curve["mean"], color="tab:orange", lw=2, zorder=5)
        if raw["available"]:
            ax.axvline(
                raw["optimum"],
                color="tab:red",
                lw=1.5,
                zorder=5,
                label=f"optimum A/N = {_fmt(raw['optimum'])}",
            )
    else:
        _axis_note(ax, f"No smoothed mean: {info['reason']}")
    ax.axvline(2.0, color="0.2", ls="--", lw=1, label="A:N = 2:1 (paper)")
    _log_ratio_axis(ax)
    ax.set_ylabel(f"{_LR_LABEL}\n(lower = faster)")
    ax.ticklabel_format(axis="y", useOffset=False)
    ax.set_title("Learning rate against the astrocyte:neuron ratio (mixed networks)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    _save(fig, path)


def _draw_populations(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Single populations against mixed networks, at matched total size."""
    ok = df.loc[df["usable"]]
    present = [g for g in _GROUPS if (ok["group"] == g).any()]
    if not present:
        raise _Unavailable("No network finished with a finite learning rate.")
    # Left: the matched comparison, i.e. total sizes that at least two groups share.
    sizes = ok.groupby("total")["group"].nunique()
    shared = sizes[sizes >= 2].index
    matched = ok.loc[ok["total"].isin(shared)] if len(shared) else ok
    fig, (left, right) = _figure((10.0, 5.2), ncols=2)
    rng = np.random.default_rng(0)
    data, labels, positions = [], [], []
    for i, g in enumerate(_GROUPS):
        values = matched.loc[matched["group"] == g, "learning_rate"].to_numpy(float)
        if not len(values):
            continue
        data.append(values)
        labels.append(f"{_GROUP_LABELS[g]}\nn = {len(values)}")
        positions.append(i)
        jitter = rng.uniform(-0.18, 0.18, len(values))
        left.scatter(i + jitter, values, s=8, alpha=0.5, color=_GROUP_COLOURS[g], lw=0, zorder=3)
    left.boxplot(
        data, positions=positions, widths=0.55, showfliers=False, medianprops={"color": "black"}
    )
    left.set_xticks(positions, labels)
    left.set_ylabel(_LR_LABEL)
    left.set_title(
        "Matched total sizes N + A" if len(shared) else "All networks (no total size shared)"
    )
    notes = []
    for key, c in stats["populations"]["comparisons"].items():
        if c["available"]:
            which = "p(Holm)" if c.get("family", 1) > 1 else "p"
            notes.append(
                f"{key}: δ = {_fmt(c['cliffs_delta'], 2)}, {which} = {_fmt_p(c['p_holm'])}"
            )
    if len(present) < 2:
        notes.append(f"only {present[0]} networks: nothing to compare")
    if notes:
        # Below the axes, never over the data.
        left.set_xlabel("\n".join(notes), fontsize=7)
    # Right: the mean at every total size, one line per group.
    for g in present:
        means = ok.loc[ok["group"] == g].groupby("total")["learning_rate"].agg(["mean", "std"])
        right.errorbar(
            means.index,
            means["mean"],
            yerr=means["std"].fillna(0),
            marker="o",
            ms=4,
            capsize=2,
            color=_GROUP_COLOURS[g],
            label=g,
        )
    right.set_xlabel("total size N + A (units)")
    right.set_ylabel(f"mean {_LR_LABEL}")
    right.set_title("Mean ± SD at each total size")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, frameon=False)
    _save(fig, path)


def _draw_size(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Learning rate against total size N + A, coloured by ratio, with the OLS line."""
    ok = df.loc[df["usable"]]
    if ok.empty:
        raise _Unavailable("No network finished with a finite learning rate.")
    cmap, norm, ticks = _ratio_colouring()
    fig, (ax,) = _figure((6.8, 4.6))
    points = ax.scatter(
        ok["total"],
        ok["learning_rate"],
        c=ok["fraction"],
        cmap=cmap,
        norm=norm,
        s=12,
        alpha=0.75,
        lw=0,
        label="one network",
    )
    cbar = fig.colorbar(points, ax=ax, ticks=list(ticks.values()))
    cbar.ax.set_yticklabels(list(ticks))
    cbar.set_label("ratio A:N (colour scale: astrocyte fraction A/(N + A))")
    size = stats["size"]
    if size["available"]:
        x = np.linspace(ok["total"].min(), ok["total"].max(), 50)
        t = size["terms"]["N + A"]
        ax.plot(
            x,
            size["intercept"] + t["coef"] * x,
            color="crimson",
            lw=1.5,
            label=f"OLS: slope {_fmt(t['coef'])} per unit, p = {_fmt_p(t['p'])}",
        )
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    else:
        _axis_note(ax, f"No trend: {size['reason']}")
    ax.set_xlabel("total size N + A (units)")
    ax.set_ylabel(_LR_LABEL)
    ax.set_title("Learning rate against network size")
    _save(fig, path)


def _draw_curves(
    df: pd.DataFrame, curves: np.ndarray | None, path: Path, why: str, window: int | None
) -> None:
    """Up to 10 loss curves on a log axis, evenly spread over the ratio, each with the
    straight line of its fitted slope (over the report's window) dashed."""
    from matplotlib.cm import ScalarMappable

    from ._speed import slope_fit

    if curves is None:
        raise _Unavailable(why)
    valid = np.all(np.isfinite(curves) & (curves > 0), axis=1) & (df["group"] != "empty").to_numpy()
    if not valid.any():
        raise _Unavailable("No network has a finite, positive loss curve to draw on a log axis.")
    rows = np.flatnonzero(valid)
    # An even sample across the astrocyte fraction, so every ratio is represented.
    rows = rows[np.argsort(df["fraction"].to_numpy()[rows], kind="stable")]
    if len(rows) > 10:
        rows = rows[np.unique(np.linspace(0, len(rows) - 1, 10).round().astype(int))]
    window = int(window or curves.shape[1])
    slopes, _ = slope_fit(curves[rows], window)
    cmap, norm, ticks = _ratio_colouring()
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    fig, (ax,) = _figure((6.8, 5.0))
    epochs = np.arange(curves.shape[1])
    fitted = np.arange(window)
    for row, slope in zip(rows, slopes):
        colour = mappable.to_rgba(df["fraction"].iloc[row])
        ax.plot(epochs, curves[row], color=colour, lw=1.1, alpha=0.9)
        logs = np.log10(curves[row, :window])
        line = logs.mean() + slope * (fitted - fitted.mean())
        ax.plot(fitted, 10**line, color=colour, lw=1.0, ls="--")
    ax.plot([], [], color="0.3", lw=1.1, label="loss curve")
    ax.plot([], [], color="0.3", lw=1.0, ls="--", label=f"fitted slope (first {window} epochs)")
    ax.set_yscale("log")
    cbar = fig.colorbar(mappable, ax=ax, ticks=list(ticks.values()))
    cbar.ax.set_yticklabels(list(ticks))
    cbar.set_label("ratio A:N")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE (epoch mean, log scale)")
    ax.set_title(f"Readout loss curves ({len(rows)} of {valid.sum()} networks)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, frameon=False)
    _save(fig, path)


def _draw_fit(df: pd.DataFrame, stats: dict[str, Any], curves: np.ndarray | None, path: Path):
    """The slope's R² over networks (left) and the worst-fitted curves with their lines."""
    from ._speed import slope_fit

    fit = stats.get("metric_fit", {"available": False, "reason": "not computed"})
    if curves is None or not fit["available"]:
        raise _Unavailable(fit.get("reason", "no loss curves") + ".")
    r2 = np.asarray(fit["r2"], float)
    usable = df["usable"].to_numpy() & np.isfinite(r2)
    window = fit["window"]
    fig, (left, right) = _figure((11.0, 4.8), ncols=2)
    left.hist(r2[usable], bins=min(30, max(5, usable.sum() // 4)), color="0.4")
    left.axvline(
        fit["quantiles"]["median"],
        color="tab:red",
        lw=1.5,
        label=f"median {_fmt(fit['quantiles']['median'])}",
    )
    left.set_xlabel(f"R² of log10 MSE against epoch (first {window} epochs)")
    left.set_ylabel("networks")
    left.set_title("How straight the curves are in log space")
    left.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False)
    rows = fit["worst_rows"]
    slopes, _ = slope_fit(curves[rows], window)
    e = np.arange(window)
    for i, (row, slope) in enumerate(zip(rows, slopes)):
        logs = np.log10(curves[row, :window])
        n, a = df["num_neurons"].iloc[row], df["num_astrocytes"].iloc[row]
        right.plot(e, logs, color=f"C{i}", lw=1.3, label=f"N {n}, A {a}: R² {_fmt(r2[row], 2)}")
        right.plot(e, logs.mean() + slope * (e - e.mean()), color=f"C{i}", lw=1, ls="--")
    right.set_xlabel("epoch")
    right.set_ylabel("log10 training MSE")
    right.set_title("Worst-fitted curves (dashed: fitted slope)")
    right.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=3, frameon=False)
    _save(fig, path)


_VERDICT_STYLE = {
    "supported": ("tab:green", "S"),
    "contradicted": ("tab:red", "C"),
    "not significant": ("0.75", "n.s."),
    "cannot test": ("white", "–"),
}


def _draw_spec(stats: dict[str, Any], path: Path) -> None:
    """The specification curve: the optimum A/N with its interval per (metric, window), and
    below it each claim's verdict."""
    from matplotlib.patches import Patch

    spec = stats.get("specification", {"available": False, "reason": "not computed"})
    if not spec["available"]:
        raise _Unavailable(spec["reason"] + ".")
    rows = spec["rows"]
    fig = _figure_grid((max(6.5, 0.55 * len(rows) + 2.5), 6.8))
    top, bottom = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    x = np.arange(len(rows))
    for i, r in enumerate(rows):
        if not np.isfinite(r["optimum"]):
            continue
        lo, hi = r["interval"]
        colour = "tab:red" if r["main"] else "black"
        top.errorbar(
            [i],
            [r["optimum"]],
            yerr=[[r["optimum"] - lo], [hi - r["optimum"]]],
            fmt="o",
            color=colour,
            capsize=3,
            ms=5,
        )
    ratio = stats["ratio"]
    if ratio.get("available"):
        top.axhspan(*ratio["range"], color="0.93", zorder=0, label="sampled ratios")
    top.axhline(2.0, color="0.2", ls="--", lw=1, label="A:N = 2:1 (paper)")
    top.errorbar([], [], fmt="o", color="tab:red", label="the report's own metric")
    from matplotlib.ticker import LogLocator, NullFormatter

    top.set_yscale("log")
    top.yaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    top.yaxis.set_major_formatter(_plain())
    top.yaxis.set_minor_formatter(NullFormatter())
    top.set_ylabel("optimum A/N\n(95 % bootstrap interval)")
    top.set_title("Specification curve: the answer under each learning-speed metric")
    top.legend(loc="lower center", bbox_to_anchor=(0.5, 1.08), ncol=3, frameon=False)
    claims = list(rows[0]["verdicts"])
    for i, r in enumerate(rows):
        for j, k in enumerate(claims):
            colour, text = _VERDICT_STYLE.get(r["verdicts"][k], ("white", "?"))
            bottom.add_patch(_cell(i, j, colour))
            bottom.text(i, j, text, ha="center", va="center", fontsize=7)
    bottom.set_xlim(-0.5, len(rows) - 0.5)
    bottom.set_ylim(len(claims) - 0.5, -0.5)
    bottom.set_yticks(range(len(claims)), [f"claim ({k})" for k in claims])
    bottom.set_xticks(x, [f"{r['metric']}\n{r['window']}" for r in rows], rotation=90, fontsize=7)
    bottom.set_xlabel("metric and window (first K epochs)")
    handles = [
        Patch(facecolor=c, edgecolor="0.3", label=f"{t}: {v}")
        for v, (c, t) in _VERDICT_STYLE.items()
    ]
    bottom.legend(
        handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.55), ncol=4, frameon=False
    )
    _save(fig, path)


def _cell(i: int, j: int, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.5, j - 0.5), 1, 1, facecolor=colour, edgecolor="0.3", lw=0.5)


def _plain():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _: f"{value:g}")


def _figure_grid(size: tuple[float, float]):
    """An empty constrained-layout figure on an Agg canvas, outside pyplot."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _draw_models(comparison: dict[str, Any], path: Path) -> None:
    """Each model's smoothed metric against A/N, its bootstrap band and its optimum."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    fig, (ax,) = _figure((7.6, 5.0))
    notes, drawn = [], 0
    for i, model in enumerate(comparison["models"]):
        colour, ratio = f"C{i}", model["ratio"]
        if not ratio["available"]:
            notes.append(f"{model['label']}: no curve ({ratio['reason']})")
            continue
        curve = ratio["curve"]
        ax.fill_between(curve["ratio"], curve["low"], curve["high"], color=colour, alpha=0.18, lw=0)
        ax.plot(curve["ratio"], curve["mean"], color=colour, lw=2, label=model["label"])
        raw = ratio["raw"]
        if raw["available"]:
            lo, hi = raw["interval"]
            ax.errorbar(
                [raw["optimum"]],
                [raw["value"]],
                xerr=[[raw["optimum"] - lo], [hi - raw["optimum"]]],
                fmt="o",
                color=colour,
                mec="black",
                ms=7,
                capsize=4,
                lw=1.5,
                zorder=5,
                label=f"{model['label']}: optimum A/N = {_fmt(raw['optimum'])} "
                f"({_fmt(lo)} to {_fmt(hi)})",
            )
        else:
            notes.append(f"{model['label']}: no optimum ({raw['reason']})")
        drawn += 1
    if not drawn:
        raise _Unavailable("No sweep supports a curve. " + "; ".join(notes) + ".")
    ax.axvline(2.0, color="0.3", ls="--", lw=1, label="A:N = 2:1 (paper)")
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")
    if comparison["metric"] == "learning_rate":
        ax.set_ylabel(f"smoothed {_LR_LABEL}\n(more negative = faster)")
        ax.set_title("Learning rate against A/N, one curve per astrocyte model")
    else:
        ax.set_ylabel("smoothed test NRMSE (lower = better)")
        ax.set_title("Test NRMSE against A/N, one curve per astrocyte model")
    if notes:
        _axis_note(ax, "; ".join(notes))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    _save(fig, path)


def _draw_report(
    df: pd.DataFrame,
    stats: dict[str, Any],
    curves: np.ndarray | None,
    why_no_curves: str,
    target: Path,
) -> dict[str, str]:
    """Draw every figure of `FIGURES` into `target`, a placeholder for each that cannot be.

    `df` is the prepared results table, `stats` what `analyse` returned, and `curves` the loss
    curves (or None, and `why_no_curves` says why).

    **Returns:** for each figure drawn as a placeholder, why.
    """
    import matplotlib

    forecast = stats["forecast"]
    vt = forecast.get("metric", "valid_time") == "valid_time"

    def draw_forecast(path: Path) -> None:
        if not forecast["available"]:
            raise _Unavailable(forecast["reason"][0].upper() + forecast["reason"][1:] + ".")
        _draw_metric(
            df,
            forecast["metric"],
            f"valid time ({_VT_UNIT})" if vt else "forecast NRMSE",
            higher_is_better=vt,
            path=path,
        )

    drawers = {
        "heatmap.png": ("Heatmap", lambda p: _draw_heatmap(df, stats, p)),
        "ratio.png": ("Ratio plot", lambda p: _draw_ratio(df, stats, p)),
        "populations.png": ("Population comparison", lambda p: _draw_populations(df, stats, p)),
        "size.png": ("Size plot", lambda p: _draw_size(df, stats, p)),
        "curves.png": (
            "Loss curves",
            lambda p: _draw_curves(df, curves, p, why_no_curves, stats.get("slope_epochs")),
        ),
        "fit.png": ("Slope fit", lambda p: _draw_fit(df, stats, curves, p)),
        "spec.png": ("Specification curve", lambda p: _draw_spec(stats, p)),
        "nrmse.png": (
            "Test NRMSE",
            lambda p: _draw_metric(df, "test_nrmse", "test NRMSE", higher_is_better=False, path=p),
        ),
        "forecast.png": ("Forecast", draw_forecast),
    }
    placeholders: dict[str, str] = {}
    with matplotlib.rc_context(_STYLE):  # pyright: ignore[reportArgumentType]
        for name, (_title, draw) in drawers.items():
            try:
                if name in _LR_FIGURES + _METRIC_FIGURES and stats["no_learning_rate"]:
                    raise _Unavailable(
                        f"{_NO_LR[0].upper()}{_NO_LR[1:]}: {stats['no_learning_rate']}."
                    )
                draw(target / name)
            except _Unavailable as reason:
                placeholders[name] = str(reason)
                # No placeholder image: a stale figure of that name from an earlier report
                # would be mistaken for this one's, so it goes.
                for stale in (target / name, (target / name).with_suffix(".svg")):
                    stale.unlink(missing_ok=True)
    return placeholders


def _draw_comparison(comparison: dict[str, Any], path: Path) -> str | None:
    """Draw `compare`'s figure to `path`, or a placeholder.

    **Returns:** why the figure is a placeholder, or None if it was drawn.
    """
    import matplotlib

    placeholder = None
    with matplotlib.rc_context(_STYLE):  # pyright: ignore[reportArgumentType]
        try:
            _draw_models(comparison, path)
        except _Unavailable as reason:
            placeholder = str(reason)
            _placeholder(path, "Model comparison", placeholder)
    return placeholder
