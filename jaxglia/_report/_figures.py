"""Everything the report draws with matplotlib: the figures of `report` and of `compare`.

They are built on matplotlib's object API with an explicit Agg canvas, not with pyplot:
nothing enters pyplot's global figure registry (so nothing is left open), and the caller's
backend (say, a notebook's) is not changed. A figure the data cannot support raises
`_Unavailable`, and a small placeholder image that says why is written in its place.
`_draw_report` and `_draw_comparison` draw every figure of one report or comparison.
"""

import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._common import (
    _GROUPS,
    _LR_FIGURES,
    _LR_LABEL,
    _NEEDS_MIXED,
    _NO_LR,
    _VT_UNIT,
    _distinct,
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
    """Write a figure to `path` and free its contents."""
    fig.savefig(path, dpi=_DPI)
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


def _edges(values: np.ndarray) -> np.ndarray:
    """Cell edges halfway between sorted grid values (a non-uniform grid keeps its axes)."""
    values = np.asarray(values, float)
    if len(values) == 1:
        half = max(abs(values[0]) * 0.25, 0.5)
        return np.array([values[0] - half, values[0] + half])
    mids = (values[1:] + values[:-1]) / 2
    return np.concatenate([[2 * values[0] - mids[0]], mids, [2 * values[-1] - mids[-1]]])


def _ratio_colouring():
    """Colour by A:N through the astrocyte fraction A/(N + A), which maps 0..∞ onto 0..1."""
    from matplotlib.colors import Normalize

    ticks = {"0": 0.0, "1:2": 1 / 3, "1:1": 0.5, "2:1": 2 / 3, "4:1": 0.8, "∞": 1.0}
    return "viridis", Normalize(0.0, 1.0), ticks


def _heatmap(fig, ax, df: pd.DataFrame, rows: pd.DataFrame, column: str, label: str) -> bool:
    """Mean of `column` over the (N, A) grid of `df` from `rows`, with the lines A:N = 1, 2, 3.

    **Returns:** whether some cell of the grid (other than the empty network) has no value.
    """
    ns = np.sort(df.loc[df["group"] != "empty", "num_neurons"].unique())
    as_ = np.sort(df.loc[df["group"] != "empty", "num_astrocytes"].unique())
    table = rows.pivot_table(
        index="num_astrocytes", columns="num_neurons", values=column, aggfunc="mean"
    ).reindex(index=as_, columns=ns)
    values = table.to_numpy(float)
    ax.set_facecolor("0.85")
    xe, ye = _edges(ns), _edges(as_)
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(values), cmap="viridis", shading="flat")
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(label)
    if values.size <= 120:
        finite = values[np.isfinite(values)]
        middle = (finite.min() + finite.max()) / 2
        for i, a in enumerate(as_):
            for j, n in enumerate(ns):
                if np.isfinite(values[i, j]):
                    colour = "white" if values[i, j] < middle else "black"
                    ax.text(
                        n,
                        a,
                        _fmt(values[i, j], 2),
                        ha="center",
                        va="center",
                        fontsize=6,
                        color=colour,
                    )
    x = np.linspace(0, xe[-1], 100)
    for k, style in ((1, ":"), (2, "--"), (3, "-.")):
        ax.plot(x, k * x, style, color="white", lw=1.6)
        ax.plot(x, k * x, style, color="crimson", lw=1.0, label=f"A:N = {k}:1")
    ax.set_xlim(xe[0], xe[-1])
    ax.set_ylim(ye[0], ye[-1])
    ax.set_xlabel("neurons N (units)")
    ax.set_ylabel("astrocytes A (units)")
    ax.legend(loc="upper left", framealpha=0.8)
    # The empty network (0, 0) is never run, so its cell being grey says nothing.
    missing = np.isnan(values) & ~((as_[:, None] == 0) & (ns[None, :] == 0))
    return bool(missing.any())


def _draw_heatmap(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Mean learning rate over the (N, A) grid, with the lines A:N = 1, 2, 3."""
    ok = df.loc[df["usable"]]
    if ok.empty:
        raise _Unavailable("No network finished with a finite learning rate.")
    fig, (ax,) = _figure((6.4, 5.2))
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
    fig, (left, right) = _figure((12.0, 4.9), ncols=2)
    title = f"Mean {label} over the (N, A) grid"
    if _heatmap(fig, left, df, rows, column, f"mean {label}\n({direction} = better)"):
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
        right.legend(loc="best", framealpha=0.85)
    _save(fig, path)


def _density(x: np.ndarray, y: np.ndarray):
    """A 2-D Gaussian KDE of (log10 ratio, learning rate) on a 100 x 100 grid, or None when
    there are too few networks or they lie on a line (the KDE's covariance is singular)."""
    from scipy.stats import gaussian_kde

    if len(x) < 10 or _distinct(x) < 2 or _distinct(y) < 2:
        return None
    try:
        with _quiet():
            kde = gaussian_kde(np.vstack([x, y]))
    except (np.linalg.LinAlgError, ValueError):
        return None
    pad_x, pad_y = 0.05 * np.ptp(x), 0.1 * np.ptp(y)
    grid_x = np.linspace(x.min() - pad_x, x.max() + pad_x, 100)
    grid_y = np.linspace(y.min() - pad_y, y.max() + pad_y, 100)
    mesh_x, mesh_y = np.meshgrid(grid_x, grid_y)
    values = kde(np.vstack([mesh_x.ravel(), mesh_y.ravel()])).reshape(mesh_x.shape)
    if not np.all(np.isfinite(values)):
        return None
    return grid_x, grid_y, values


def _draw_ratio(df: pd.DataFrame, stats: dict[str, Any], path: Path) -> None:
    """Learning rate against A/N: networks, density, smoothed mean and optimum."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    mixed = df.loc[df["usable"] & (df["group"] == "mixed")]
    if mixed.empty:
        raise _Unavailable(f"The ratio plot {_NEEDS_MIXED}.")
    ratio, lr = mixed["ratio"].to_numpy(float), mixed["learning_rate"].to_numpy(float)
    fig, (ax,) = _figure((7.0, 4.8))
    density = _density(np.log10(ratio), lr)
    if density is not None:
        grid_x, grid_y, values = density
        # Relative density, and nothing drawn below 5 % of the peak, so the axes stay white.
        levels = np.linspace(0.05, 1.0, 9)
        filled = ax.contourf(
            10**grid_x,
            grid_y,
            values / values.max(),
            levels=levels,
            cmap="Blues",
            alpha=0.85,
            zorder=0,
        )
        cbar = fig.colorbar(filled, ax=ax, ticks=[0.05, 0.25, 0.5, 0.75, 1.0])
        cbar.set_label("relative density of networks (2-D Gaussian KDE)")
    ax.scatter(ratio, lr, s=7, color="0.15", alpha=0.55, lw=0, label="one network", zorder=3)
    ax.set_xscale("log")
    info = stats["ratio"]
    if info["available"]:
        curve = info["curve"]
        ax.fill_between(
            curve["ratio"],
            curve["low"],
            curve["high"],
            color="tab:orange",
            alpha=0.3,
            lw=0,
            label="95 % bootstrap band",
            zorder=4,
        )
        ax.plot(
            curve["ratio"], curve["mean"], color="tab:orange", lw=2, label="smoothed mean", zorder=5
        )
        raw = info["raw"]
        if raw["available"]:
            ax.axvspan(
                *raw["interval"],
                color="tab:red",
                alpha=0.12,
                lw=0,
                zorder=1,
                label="95 % interval of the optimum",
            )
            ax.axvline(
                raw["optimum"],
                color="tab:red",
                lw=1.5,
                label=f"optimum A/N = {_fmt(raw['optimum'])}",
            )
    else:
        _axis_note(ax, f"No smoothed mean: {info['reason']}")
    ax.axvline(2.0, color="0.3", ls="--", lw=1, label="A:N = 2:1 (paper)")
    ax.xaxis.set_major_locator(LogLocator(base=10.0, subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel("ratio A/N (astrocytes per neuron, log scale)")
    ax.set_ylabel(_LR_LABEL)
    ax.set_title("Learning rate against the astrocyte:neuron ratio (mixed networks)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=3, frameon=False)
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
    fig, (left, right) = _figure((10.0, 4.6), ncols=2)
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
            notes.append(
                f"{key}: δ = {_fmt(c['cliffs_delta'], 2)}, p(Holm) = {_fmt_p(c['p_holm'])}"
            )
    if len(present) < 2:
        notes.append(f"only {present[0]} networks: nothing to compare")
    if notes:
        left.text(
            0.02,
            0.02,
            "\n".join(notes),
            transform=left.transAxes,
            fontsize=7,
            va="bottom",
            bbox={"facecolor": "white", "alpha": 0.8, "lw": 0},
        )
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
    right.legend(framealpha=0.85)
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
        ax.legend(loc="best", framealpha=0.85)
    else:
        _axis_note(ax, f"No trend: {size['reason']}")
    ax.set_xlabel("total size N + A (units)")
    ax.set_ylabel(_LR_LABEL)
    ax.set_title("Learning rate against network size")
    _save(fig, path)


def _draw_curves(df: pd.DataFrame, curves: np.ndarray | None, path: Path, why: str) -> None:
    """Up to 40 loss curves on a log axis, evenly spread over the ratio."""
    from matplotlib.cm import ScalarMappable

    if curves is None:
        raise _Unavailable(why)
    valid = np.all(np.isfinite(curves) & (curves > 0), axis=1) & (df["group"] != "empty").to_numpy()
    if not valid.any():
        raise _Unavailable("No network has a finite, positive loss curve to draw on a log axis.")
    rows = np.flatnonzero(valid)
    # An even sample across the astrocyte fraction, so every ratio is represented.
    rows = rows[np.argsort(df["fraction"].to_numpy()[rows], kind="stable")]
    if len(rows) > 40:
        rows = rows[np.unique(np.linspace(0, len(rows) - 1, 40).round().astype(int))]
    cmap, norm, ticks = _ratio_colouring()
    mappable = ScalarMappable(norm=norm, cmap=cmap)
    fig, (ax,) = _figure((6.8, 4.6))
    epochs = np.arange(curves.shape[1])
    for row in rows:
        colour = mappable.to_rgba(df["fraction"].iloc[row])
        ax.plot(epochs, curves[row], color=colour, lw=0.9, alpha=0.8)
    ax.set_yscale("log")
    cbar = fig.colorbar(mappable, ax=ax, ticks=list(ticks.values()))
    cbar.ax.set_yticklabels(list(ticks))
    cbar.set_label("ratio A:N")
    ax.set_xlabel("epoch")
    ax.set_ylabel("training MSE (epoch mean, log scale)")
    ax.set_title(f"Readout loss curves ({len(rows)} of {valid.sum()} networks)")
    _save(fig, path)


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
        "curves.png": ("Loss curves", lambda p: _draw_curves(df, curves, p, why_no_curves)),
        "nrmse.png": (
            "Test NRMSE",
            lambda p: _draw_metric(df, "test_nrmse", "test NRMSE", higher_is_better=False, path=p),
        ),
        "forecast.png": ("Forecast", draw_forecast),
    }
    placeholders: dict[str, str] = {}
    with matplotlib.rc_context(_STYLE):  # pyright: ignore[reportArgumentType]
        for name, (title, draw) in drawers.items():
            try:
                if name in _LR_FIGURES and stats["no_learning_rate"]:
                    raise _Unavailable(
                        f"{_NO_LR[0].upper()}{_NO_LR[1:]}: {stats['no_learning_rate']}."
                    )
                draw(target / name)
            except _Unavailable as reason:
                placeholders[name] = str(reason)
                _placeholder(target / name, title, str(reason))
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
