"""The `jaxglia` command: `run` (one network), `sweep` (a grid), `report` (its analysis)."""

import argparse
import dataclasses
import difflib
import json
import math
import os
import re
import sys
import time
import tomllib
from pathlib import Path
from typing import Any

from ._config import (
    ASTROCYTE_MODELS,
    PRESETS,
    READOUTS,
    TASKS,
    ConfigError,
    SweepConfig,
)
from ._lif import RESET_MODES
from ._simulate import FEATURE_KINDS


_DEFAULT = SweepConfig()
_BLOCKS = ("nn", "na", "an", "aa")


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake gets one line (and the closest valid choice), not the usage.

    Abbreviated options are refused: an option typed on the command line must be recognised
    as given, to override a `--config` file.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        match = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
        if match:
            choices = re.findall(r"'([^']*)'", match.group(2))
            close = difflib.get_close_matches(match.group(1), choices, n=1)
            if close:
                message += f"; did you mean {close[0]!r}?"
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_model_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `run` and `sweep` (everything but the grid). Defaults shown are
    MODEL.md's; a `--config` file or `--preset` may change them unless given here."""
    d = _DEFAULT
    task = parser.add_argument_group("task")
    task.add_argument(
        "--task", choices=TASKS, default=d.task,
        help="prediction task: a system of jaxglia's SYSTEMS (lorenz-ngrc: the NG-RC "
        "protocol's Lorenz, dt 0.025; narma10: a driven task, horizon 1)",
    )  # fmt: skip
    task.add_argument("--steps", type=int, default=d.steps, help="input samples T")
    task.add_argument("--horizon", type=int, default=d.horizon, help="predict state[t + h]")
    task.add_argument("--washout", type=int, default=d.washout, help="reservoir steps dropped")
    task.add_argument(
        "--train-fraction", type=float, default=d.train_fraction, help="chronological split"
    )
    task.add_argument(
        "--dt", type=float, default=d.dt, help="sampling step (default: the task's own)"
    )
    task.add_argument(
        "--transient", type=int, default=d.transient,
        help="samples discarded first (default: the task's own)",
    )  # fmt: skip
    task.add_argument(
        "--forecast", action="store_true",
        help="after training, run the readout closed-loop over the test split and report "
        "the valid prediction time (autonomous tasks, horizon 1)",
    )  # fmt: skip
    units = parser.add_argument_group("units")
    units.add_argument("--beta-neurons", type=float, default=d.beta_neurons, help="in [0, 1]")
    units.add_argument(
        "--beta-astrocytes", type=float, default=d.beta_astrocytes, help="in [0, 1] (slow)"
    )
    units.add_argument("--threshold-neurons", type=float, default=d.threshold_neurons, help="> 0")
    units.add_argument(
        "--threshold-astrocytes", type=float, default=d.threshold_astrocytes, help="> 0"
    )
    units.add_argument("--reset", choices=RESET_MODES, default=d.reset, help="LIF reset mode")
    units.add_argument(
        "--astrocyte-model", choices=ASTROCYTE_MODELS, default=d.astrocyte_model,
        help="model of the astrocyte-like units: lif (first order); synaptic (snnTorch "
        "Synaptic: a synaptic current with decay --alpha-astrocytes feeds the membrane); "
        "tripartite (lif, and each astrocyte scales the neuron-to-neuron synapses it covers "
        "by its slow synaptic-activity trace); li-rinzel (IP3/Ca2+/h calcium dynamics as "
        "NEST's astrocyte_lr_1994, emitting a slow inward current)",
    )  # fmt: skip
    units.add_argument(
        "--modulation", type=float, default=d.modulation,
        help="tripartite: efficacy gain kappa at full astrocyte activity, >= -1",
    )  # fmt: skip
    units.add_argument(
        "--p-third", type=float, default=d.p_third,
        help="tripartite: probability a neuron-to-neuron synapse is covered, in [0, 1]",
    )  # fmt: skip
    units.add_argument(
        "--pool-size", type=int, default=d.pool_size,
        help="tripartite: astrocytes in each neuron's pool, >= 1",
    )  # fmt: skip
    units.add_argument(
        "--step-ms", type=float, default=d.step_ms,
        help="li-rinzel: physical time of one reservoir step (ms)",
    )  # fmt: skip
    units.add_argument(
        "--drive-scale", type=float, default=d.drive_scale,
        help="li-rinzel: IP3 rises by delta_IP3 * s * max(current, 0) per step",
    )  # fmt: skip
    units.add_argument(
        "--sic-scale", type=float, default=d.sic_scale,
        help="li-rinzel: slow inward current (NEST pA) to reservoir current units",
    )  # fmt: skip
    units.add_argument(
        "--astrocyte-every", type=int, default=d.astrocyte_every,
        help="li-rinzel: advance the astrocytes every k-th step (multi-rate)",
    )  # fmt: skip
    units.add_argument(
        "--alpha-astrocytes", type=float, default=d.alpha_astrocytes,
        help="synaptic-current decay in [0, 1] (synaptic model)",
    )  # fmt: skip
    wiring = parser.add_argument_group("wiring (blocks post-pre: na = neurons <- astrocytes)")
    wiring.add_argument("--p", type=float, default=None, help="probability of all four blocks")
    wiring.add_argument("--gain", type=float, default=None, help="gain g of all four blocks")
    for b in _BLOCKS:
        wiring.add_argument(f"--p-{b}", type=float, default=getattr(d, f"p_{b}"), help="in (0, 1]")
    for b in _BLOCKS:
        wiring.add_argument(f"--gain-{b}", type=float, default=getattr(d, f"gain_{b}"), help=">= 0")
    wiring.add_argument(
        "--input-scale-neurons", type=float, default=d.input_scale_neurons,
        help="input weights U(-s, s) into neurons (0: no input)",
    )  # fmt: skip
    wiring.add_argument(
        "--input-scale-astrocytes", type=float, default=d.input_scale_astrocytes,
        help="input weights U(-s, s) into astrocytes (0: neurons only)",
    )  # fmt: skip
    readout = parser.add_argument_group("readout")
    readout.add_argument(
        "--readout", choices=READOUTS, default=d.readout,
        help="mlp (trained with Adam; has a learning rate) or ridge (closed form, penalty "
        "chosen on the last 20%% of the training split)",
    )  # fmt: skip
    readout.add_argument("--features", choices=FEATURE_KINDS, default=d.features, help="features")
    readout.add_argument(
        "--filter-decay", type=float, default=d.filter_decay, help="for --features filtered"
    )
    readout.add_argument("--hidden", type=int, default=d.hidden, help="MLP hidden width")
    readout.add_argument("--epochs", type=int, default=d.epochs, help="training epochs")
    readout.add_argument("--batch-size", type=int, default=d.batch_size, help="minibatch size")
    readout.add_argument(
        "--learning-rate", type=float, default=d.learning_rate, help="Adam step size"
    )
    parser.add_argument("--seed", type=int, default=d.seed, help="root seed")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="TOML file with the same keys as the options, or a sweep's run.json",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="jaxglia",
        description="Neuron + astrocyte spiking reservoirs in JAX (arXiv 2503.06798).",
    )
    sub = parser.add_subparsers(
        dest="command", metavar="{run,sweep,baselines,report}", parser_class=_Parser
    )
    sub.required = True

    run = sub.add_parser(
        "run", formatter_class=_Formatter, help="train one network and print its metrics",
        description="Build one reservoir of N neurons and A astrocytes, drive it with the "
        "task, train the MLP readout and print the metrics.",
    )  # fmt: skip
    run.add_argument("--neurons", type=int, default=50, help="number of neurons N")
    run.add_argument("--astrocytes", type=int, default=100, help="number of astrocytes A")
    run.add_argument("--replicate", type=int, default=0, help="which draw of this size")
    run.add_argument("--json", action="store_true", help="print the metrics as JSON")
    _add_model_options(run)

    sweep = sub.add_parser(
        "sweep", formatter_class=_Formatter, help="run a grid of networks as batched programs",
        description="Simulate and train every network of the (neurons x astrocytes x "
        "replicates) grid, batched and padded into a few compiled programs. Sizes are comma "
        "lists (0,25,50) or ranges start:stop:step with the stop included (0:200:50).",
    )  # fmt: skip
    sweep.add_argument("--preset", choices=PRESETS, default=None, help="a named grid (quick)")
    sweep.add_argument("--neurons", type=str, default="0,25,50,100", help="neuron counts N")
    sweep.add_argument("--astrocytes", type=str, default="0,25,50,100,200", help="astrocytes A")
    sweep.add_argument("--seeds", type=int, default=_DEFAULT.seeds, help="replicates per size")
    _add_model_options(sweep)
    ex = sweep.add_argument_group("execution (does not change results)")
    ex.add_argument(
        "--out", type=Path, default=None,
        help="output directory (default: jaxglia-sweeps/<fingerprint of the config>)",
    )  # fmt: skip
    ex.add_argument("--overwrite", action="store_true", help="replace another sweep in --out")
    ex.add_argument(
        "--chunk-size", type=int, default=0,
        help="networks per call and per saved chunk, rounded up to whole blocks "
        "(0: one block per device)",
    )  # fmt: skip
    ex.add_argument(
        "--block-size", type=int, default=0,
        help="networks vmapped together (0: by platform and memory); results are "
        "bit-identical for equal block sizes",
    )  # fmt: skip
    ex.add_argument("--buckets", type=int, default=0, help="max size buckets (0: auto)")
    ex.add_argument(
        "--memory-fraction", type=float, default=_DEFAULT.memory_fraction,
        help="share of free device memory a chunk may use",
    )  # fmt: skip
    ex.add_argument("--no-progress", action="store_true", help="no progress bar")
    ex.add_argument("--report", action="store_true", help="run `jaxglia report` at the end")

    base = sub.add_parser(
        "baselines", formatter_class=_Formatter,
        help="NG-RC and an echo state network on a sweep's task and split",
        description="Fit NG-RC (linear + quadratic features of delayed inputs, ridge) and a "
        "rate-based echo state network on exactly the split a sweep uses, and write "
        "baselines.csv (test NRMSE; for autonomous tasks the closed-loop forecast's NRMSE "
        "over one Lyapunov time and valid prediction time) into --out. If --out holds a "
        "sweep, its task options are used; `jaxglia report` then shows the baselines next "
        "to the sweep's best network.",
    )  # fmt: skip
    base.add_argument("--out", type=Path, required=True, help="directory (a sweep's, usually)")
    _add_model_options(base)

    report = sub.add_parser(
        "report", formatter_class=_Formatter, help="figures, statistics and report.md of a sweep",
        description="Read a sweep's results.csv, curves.npz and run.json and write figures "
        "and report.md. Given several sweep directories (the same grid and task under "
        "different --astrocyte-model), compare them instead: models.png (learning rate "
        "against the astrocyte:neuron ratio, one curve per model) and compare.md.",
    )  # fmt: skip
    report.add_argument(
        "directory", type=Path, nargs="+", help="a sweep's output directory (or several)"
    )
    report.add_argument(
        "--out", type=Path, default=None,
        help="where to write (default: DIR; required when comparing several)",
    )  # fmt: skip
    report.add_argument(
        "--slope-epochs", type=int, default=None,
        help="recompute the learning rate over the first K epochs of the saved curves "
        "(default: the sweep's own, over all epochs)",
    )  # fmt: skip
    return parser


_NOT_CONFIG = {
    "command", "config", "preset", "out", "overwrite", "no_progress", "report", "json",
    "replicate", "p", "gain",
}  # fmt: skip


def _explicit(parser: argparse.ArgumentParser, argv: list[str], command: str) -> set[str]:
    """The destinations of options the user typed (they override --config and --preset)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[
        command
    ]
    given = set()
    for action in sub._actions:
        for flag in action.option_strings:
            if any(arg == flag or arg.startswith(flag + "=") for arg in argv):
                given.add(action.dest)
    return given


def _config_from_args(args: argparse.Namespace, given: set[str]) -> SweepConfig:
    values: dict[str, Any] = {}
    if getattr(args, "preset", None):
        values["preset"] = args.preset
    if args.config is not None:
        try:
            with open(args.config, "rb") as f:
                if args.config.suffix == ".json":
                    # A sweep's run.json (or sweep.json): rerun exactly its config.
                    table = json.load(f)
                    table = table.get("config", table)
                else:
                    table = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError("--config", str(args.config), "no such file") from None
        except (OSError, ValueError) as error:  # TOMLDecodeError, JSONDecodeError
            raise ConfigError("--config", str(args.config), f"cannot be read: {error}") from None
        if not isinstance(table, dict):
            raise ConfigError("--config", str(args.config), "expected a table of options")
        values.update(table)
        if "preset" in table and "preset" in given:
            values["preset"] = args.preset
    fields = {f.name for f in dataclasses.fields(SweepConfig)}
    start_from_defaults = "preset" not in values and args.config is None
    for dest, value in vars(args).items():
        if dest in _NOT_CONFIG or dest not in fields:
            continue
        if dest in given or (start_from_defaults and dest in ("neurons", "astrocytes")):
            values[dest] = value
    for group in ("p", "gain"):
        if getattr(args, group) is not None:
            for b in _BLOCKS:
                if f"{group}_{b}" not in given:
                    values[f"{group}_{b}"] = getattr(args, group)
    if args.command == "run":
        for dest in ("neurons", "astrocytes"):
            values[dest] = (getattr(args, dest),)
        values["seeds"] = args.replicate + 1
    # Options are named as on the command line in errors.
    try:
        return SweepConfig.from_mapping(values, source="--config" if args.config else "option")
    except ConfigError as error:
        raise ConfigError(_flag(error.option), error.value, error.allowed) from None


def _flag(option: str) -> str:
    if option.startswith(("--", "--config", "option ")):
        return option
    if option in {f.name for f in dataclasses.fields(SweepConfig)}:
        return "--" + option.replace("_", "-")
    return option


def _fail(command: str, message: str) -> int:
    print(f"jaxglia {command}: error: {message}", file=sys.stderr)
    return 2


def _cmd_run(args: argparse.Namespace, cfg: SweepConfig) -> int:
    from ._network import run_network

    for dest in ("neurons", "astrocytes", "replicate"):
        if getattr(args, dest) < 0:
            return _fail("run", f"--{dest}: got {getattr(args, dest)}; must be >= 0")
    start = time.perf_counter()
    result = run_network(args.neurons, args.astrocytes, replicate=args.replicate, config=cfg)
    elapsed = time.perf_counter() - start
    if args.json:
        print(json.dumps({"n_neurons": args.neurons, "n_astrocytes": args.astrocytes, **result}))
        return 0
    print(f"network: N = {args.neurons} neurons, A = {args.astrocytes} astrocytes, "
          f"replicate {args.replicate}, seed {cfg.seed}")  # fmt: skip
    curve = result["curve"]
    assert isinstance(curve, list)
    rows = [
        ("learning rate (slope of log10 loss per epoch)", result["learning_rate"]),
        ("final training loss (MSE, last epoch)", result["final_loss"]),
        ("test NRMSE", result["test_nrmse"]),
        ("forecast NRMSE over one Lyapunov time", result["forecast_nrmse"]),
        ("valid prediction time (Lyapunov times)", result["valid_time"]),
        ("firing rate, neurons (spikes/step)", result["rate_neurons"]),
        (
            "mean output, astrocytes (slow inward current)"
            if cfg.astrocyte_model == "li-rinzel"
            else "firing rate, astrocytes (spikes/step)",
            result["rate_astrocytes"],
        ),
        ("first-epoch training loss", curve[0]),
    ]
    for label, value in rows:
        if label.startswith(("forecast", "valid")) and not cfg.forecast:
            continue
        print(f"  {label:<48} {_fmt(value)}")
    print(f"  {'wall time (s), compilation included':<48} {elapsed:.2f}")
    if cfg.readout == "mlp" and not all(math.isfinite(x) for x in curve):
        print("jaxglia run: training diverged (non-finite loss)", file=sys.stderr)
        return 1
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    return f"{value:.6g}"


def _cmd_sweep(args: argparse.Namespace, cfg: SweepConfig) -> int:
    from ._sweep import sweep

    out = args.out if args.out is not None else Path("jaxglia-sweeps") / cfg.fingerprint()
    result = sweep(cfg, out, overwrite=args.overwrite, progress=not args.no_progress)
    table = result.results
    ok = table[table["status"] == "ok"]
    if len(ok):
        pivot = ok.pivot_table(
            index="n_astrocytes", columns="n_neurons", values="learning_rate", aggfunc="mean"
        )
        print("mean learning rate (slope of log10 training loss per epoch; rows A, columns N):")
        print(pivot.to_string(float_format=lambda x: f"{x:.4f}", na_rep="-"))
    timing = result.info.get("timing", {})
    padding = result.info.get("padding", {})
    print(
        f"{len(table)} networks ({len(table) - len(ok)} failed) -> {out}/results.csv, "
        f"curves.npz, run.json; compile {timing.get('compile_s', 0):.1f} s, "
        f"run {timing.get('run_s', 0):.1f} s, padding overhead "
        f"{100 * padding.get('overhead_planned', 0):.0f} %"
    )
    if args.report:
        return _cmd_report(argparse.Namespace(directory=[out], out=None))
    return 0


def _cmd_baselines(args: argparse.Namespace, cfg: SweepConfig) -> int:
    from ._sweep import baselines

    table = baselines(cfg, args.out)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"-> {args.out}/baselines.csv")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from ._report import compare, report

    directories = args.directory
    slope_epochs = getattr(args, "slope_epochs", None)
    if len(directories) > 1:
        if args.out is None:
            return _fail("report", "--out: required when comparing several sweep directories")
        if slope_epochs is not None:
            return _fail("report", "--slope-epochs: applies to one sweep, not a comparison")
        path = compare(directories, out=args.out)
        print(f"comparison written: {path}")
        return 0
    path = report(directories[0], out=args.out, slope_epochs=slope_epochs)
    print(f"report written: {path}")
    return 0


def _user_errors() -> tuple[type[Exception], ...]:
    from ._store import OutputError

    errors: list[type[Exception]] = [ConfigError, OutputError]
    try:
        from ._report import ReportError

        errors.append(ReportError)
    except ImportError:
        pass
    return tuple(errors)


def _enable_compilation_cache() -> None:
    """Keep compiled programs on disk, so rerunning a sweep (another seed, a resumed run,
    the same grid) skips XLA compilation. `JAXGLIA_CACHE_DIR` moves it; `off` disables it."""
    where = os.environ.get("JAXGLIA_CACHE_DIR", str(Path.home() / ".cache" / "jaxglia" / "xla"))
    if where.strip().lower() in ("", "0", "off", "none", "false"):
        return
    import jax

    jax.config.update("jax_compilation_cache_dir", where)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.5)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `jaxglia` console script."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args = parser.parse_args(argv)
    command = args.command
    if command != "report":
        _enable_compilation_cache()
    try:
        if command == "report":
            return _cmd_report(args)
        if command == "baselines" and args.config is None and (args.out / "run.json").is_file():
            args.config = args.out / "run.json"  # the sweep's own task and split
        cfg = _config_from_args(args, _explicit(parser, argv, command))
        if command == "run":
            return _cmd_run(args, cfg)
        if command == "baselines":
            return _cmd_baselines(args, cfg)
        return _cmd_sweep(args, cfg)
    except _user_errors() as error:  # a user's mistake: one line, no traceback
        if isinstance(error, ConfigError):  # named as on the command line
            error = ConfigError(_flag(error.option), error.value, error.allowed)
        return _fail(command, str(error))
    except KeyboardInterrupt:
        print(
            f"jaxglia {command}: interrupted; finished chunks are saved, run the same command "
            "to resume",
            file=sys.stderr,
        )
        return 130


if __name__ == "__main__":
    sys.exit(main())
