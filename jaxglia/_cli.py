"""The `jaxglia` command: `run` (one network), `sweep` (a grid), `report` (its analysis)."""

import argparse
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

from ._config import MAX_REPLICATES, PRESETS, ConfigError, SweepConfig, preset
from ._options import (
    BY_NAME,
    GROUPS,
    OPTIONS,
    RENAMED,
    SHORTHANDS,
    Option,
    help_text,
    options_for,
)
from ._sweep._store import check_writable, sweep_record


class _Formatter(argparse.HelpFormatter):
    """Wraps help text but never inside "(default: ...)"."""

    def _split_lines(self, text, width):
        lines = super()._split_lines(text.replace("(default: ", "(default:\0"), width)
        return [line.replace("\0", " ") for line in lines]


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


class _RenamedFlag(argparse.Action):
    """An option's former flag: refused, naming the new one."""

    def __call__(self, parser, namespace, values, option_string=None):
        old = self.dest.removeprefix("_renamed_")
        parser.error(f"{option_string}: {RENAMED[old].message(flags=True)}")


def _add_argument(group, option: Option) -> None:
    # Defaults are suppressed: an option is in the namespace only if it was typed, so it
    # overrides a --config file or --preset; the default shown is the table's.
    kwargs: dict[str, Any] = dict(default=argparse.SUPPRESS,
                                  help=help_text(option).replace("%", "%%"))  # fmt: skip
    if option.type is bool:
        kwargs["action"] = argparse.BooleanOptionalAction
    elif isinstance(option.allowed, tuple):
        kwargs["choices"] = option.allowed
    else:
        kwargs["type"] = str if option.type is tuple else option.type
        kwargs["metavar"] = {tuple: "SIZES", int: "INT", float: "X", str: "TEXT"}[option.type]
    group.add_argument(option.flag, **kwargs)


def _add_options(parser: argparse.ArgumentParser, command: str) -> None:
    """The options of the table that `command` takes, by group, with --config."""
    mine = options_for(command)
    for key, group in GROUPS.items():
        options = [o for o in mine if o.group == key]
        if not options:
            continue
        arguments = parser.add_argument_group(group.title)
        for option in options:
            _add_argument(arguments, option)
        for short, (what, names) in SHORTHANDS.items():
            if all(BY_NAME[n] in options for n in names):
                flags = ", ".join(BY_NAME[n].flag for n in names)
                arguments.add_argument(
                    f"--{short}", type=float, default=None, metavar="X",
                    help=f"{what}: sets {flags} unless given by name",
                )  # fmt: skip
    for old, renamed in RENAMED.items():
        if BY_NAME[renamed.new] in mine:
            parser.add_argument("--" + old.replace("_", "-"), dest=f"_renamed_{old}",
                                nargs="?", action=_RenamedFlag, help=argparse.SUPPRESS)  # fmt: skip
    parser.add_argument(
        "--config", type=Path, default=None,
        help="TOML file whose keys are the options' names (beta_astrocytes = 0.99), or a "
        "sweep's run.json; options typed here override it",
    )  # fmt: skip


def _presets_help() -> str:
    """Every preset of `PRESETS`, described from the config it makes."""
    default = SweepConfig()
    described = []
    for name in PRESETS:
        cfg = preset(name)
        what = [f"{len(cfg.neurons)} x {len(cfg.astrocytes)} sizes x {cfg.replicates} "
                f"replicates, {len(cfg.grid)} networks"]  # fmt: skip
        changed = [o for o in OPTIONS if o.group != "grid" and getattr(cfg, o.name) != o.default]
        what += [f"{option.flag} {getattr(cfg, option.name)}" for option in changed]
        label = " (the defaults)" if cfg == default else ""
        described.append(f"{name}{label}: {', '.join(what)}")
    return "; ".join(described)


def _parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = _Parser(
        prog="jaxglia",
        description="Neuron + astrocyte spiking reservoirs in JAX (arXiv 2503.06798).",
    )
    parser.add_argument("--version", action="version", version=f"jaxglia {__version__}")
    sub = parser.add_subparsers(
        dest="command", metavar="{run,sweep,baselines,report}", parser_class=_Parser
    )
    sub.required = True

    run = sub.add_parser(
        "run", formatter_class=_Formatter, help="train one network and print its metrics",
        description="Build one reservoir of N neurons and A astrocytes, drive it with the "
        "task, train the readout and print the metrics.",
    )  # fmt: skip
    run.add_argument("--neurons", type=int, default=50, help="number of neurons N (default: 50)")
    run.add_argument(
        "--astrocytes", type=int, default=100, help="number of astrocytes A (default: 100)"
    )
    run.add_argument(
        "--replicate", type=int, default=0, help="which draw of this size (default: 0)"
    )
    run.add_argument("--json", action="store_true", help="print the metrics as JSON")
    _add_options(run, "run")

    sweep = sub.add_parser(
        "sweep", formatter_class=_Formatter, help="run a grid of networks as batched programs",
        description="Simulate and train every network of the (neurons x astrocytes x "
        "replicates) grid, batched and padded into a few compiled programs. Sizes are comma "
        "lists (0,25,50) or ranges start:stop:step with the stop included (0:200:50).",
    )  # fmt: skip
    sweep.add_argument(
        "--preset", choices=PRESETS, default=argparse.SUPPRESS,
        help=f"a named grid: {_presets_help()}; options typed here override it",
    )  # fmt: skip
    _add_options(sweep, "sweep")
    out = sweep.add_argument_group("output")
    out.add_argument(
        "--out", type=_path, default=None,
        help="output directory (default: jaxglia-sweeps/<task>-N<min>-<max>-A<min>-<max>-"
        "x<replicates>-<fingerprint>, the same for the same sweep, so a rerun resumes it)",
    )  # fmt: skip
    out.add_argument("--overwrite", action="store_true", help="replace another sweep in --out")
    out.add_argument("--no-progress", action="store_true", help="no progress bar")
    out.add_argument("--report", action="store_true", help="run `jaxglia report` at the end")

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
    base.add_argument("--out", type=_path, required=True, help="directory (a sweep's, usually)")
    _add_options(base, "baselines")

    report = sub.add_parser(
        "report", formatter_class=_Formatter, help="figures, statistics and report.md of a sweep",
        description="Read a sweep's results.csv, curves.npz and run.json and write figures "
        "and report.md. Given several sweep directories (the same grid and task under "
        "different --astrocyte-model), compare them instead: models.png (learning rate "
        "against the astrocyte:neuron ratio, one curve per model) and compare.md.",
    )  # fmt: skip
    report.add_argument(
        "directory", type=_path, nargs="+", help="a sweep's output directory (or several)"
    )
    report.add_argument(
        "--out", type=_path, default=None,
        help="where to write (default: DIR; required when comparing several)",
    )  # fmt: skip
    report.add_argument(
        "--slope-epochs", type=int, default=None,
        help="recompute the learning rate over the first K epochs of the saved curves "
        "(default: the sweep's own, over all epochs)",
    )  # fmt: skip
    return parser


def _path(text: str) -> Path:
    """A path argument: an empty one (`--out ""`) would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("got an empty path; give a directory")
    return Path(text)


def _read_config(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            if path.suffix == ".json":
                # A sweep's run.json (or sweep.json): rerun exactly its config.
                table = json.load(f)
                table = table.get("config", table) if isinstance(table, dict) else table
            else:
                table = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError("--config", str(path), "no such file") from None
    except (OSError, ValueError) as error:  # TOMLDecodeError, JSONDecodeError
        raise ConfigError("--config", str(path), f"cannot be read: {error}") from None
    if not isinstance(table, dict):
        raise ConfigError("--config", str(path), "expected a table of options")
    return table


def _config_from_args(args: argparse.Namespace) -> SweepConfig:
    """The config: `--preset`, then the `--config` file, then the options typed (shorthands
    only fill the options not typed by name)."""
    command = args.command
    values: dict[str, Any] = {}
    if hasattr(args, "preset"):
        values["preset"] = args.preset
    if args.config is not None:
        values.update(_read_config(args.config))
        if hasattr(args, "preset"):
            values["preset"] = args.preset  # typed here: wins over the file's
    typed = {o.name: getattr(args, o.name) for o in options_for(command) if hasattr(args, o.name)}
    shorthand: dict[str, str] = {}  # option -> the shorthand that set it (named in errors)
    for short, (_, names) in SHORTHANDS.items():
        if getattr(args, short, None) is not None:
            values.update({name: getattr(args, short) for name in names if name not in typed})
            shorthand.update({name: f"--{short}" for name in names if name not in typed})
    values.update(typed)
    if command == "run":
        for dest in ("neurons", "astrocytes"):
            values[dest] = (getattr(args, dest),)
        if not 0 <= args.replicate < MAX_REPLICATES:  # checked as typed, not as replicates
            raise ConfigError(
                "--replicate", args.replicate, f"must be a whole number in [0, {MAX_REPLICATES})"
            )
        values["replicates"] = args.replicate + 1
    # Options are named as on the command line in errors.
    try:
        cfg = SweepConfig.from_mapping(values, source="--config" if args.config else "option")
        return _shrunk(cfg) if smoke_test() else cfg
    except ConfigError as error:
        raise error.named(shorthand.get(error.option) or _flag(error.option)) from None


# JAXGLIA_SMOKE_TEST=1 (for tests, as in the notebooks): every command shrunk to seconds.
SMOKE_CAPS = {"steps": 300, "washout": 20, "epochs": 3, "hidden": 8, "batch_size": 32,
              "replicates": 1}  # fmt: skip
SMOKE_SIZE = 16  # the largest N or A; at most two of each


def smoke_test() -> bool:
    return os.environ.get("JAXGLIA_SMOKE_TEST", "").strip().lower() not in (
        "", "0", "off", "false", "no",
    )  # fmt: skip


def _smoke_sizes(sizes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(sorted({min(size, SMOKE_SIZE) for size in sizes})[:2])


def _shrunk(cfg: SweepConfig) -> SweepConfig:
    """`cfg` capped by `SMOKE_CAPS` and `SMOKE_SIZE` (a smaller value typed stays)."""
    changes: dict[str, Any] = {k: min(getattr(cfg, k), cap) for k, cap in SMOKE_CAPS.items()}
    changes.update(neurons=_smoke_sizes(cfg.neurons), astrocytes=_smoke_sizes(cfg.astrocytes))
    return cfg.replace(**changes)


def _flag(option: str) -> str:
    """An option's name as typed on the command line (`beta_neurons`: `--beta-neurons`)."""
    if "/" in option:  # several together: neurons/astrocytes
        return "/".join(map(_flag, option.split("/")))
    if option in BY_NAME:
        return BY_NAME[option].flag
    return f"--{option}" if option == "preset" or option in SHORTHANDS else option


def _fail(command: str, message: str) -> int:
    print(f"jaxglia {command}: error: {message}", file=sys.stderr)
    return 2


def _cmd_run(args: argparse.Namespace, cfg: SweepConfig) -> int:
    from ._pipeline import run_network

    for dest in ("neurons", "astrocytes", "replicate"):
        if getattr(args, dest) < 0:
            return _fail("run", f"--{dest}: got {getattr(args, dest)}; must be >= 0")
    start = time.perf_counter()
    result = run_network(args.neurons, args.astrocytes, replicate=args.replicate, config=cfg)
    elapsed = time.perf_counter() - start
    if args.json:
        record = {"num_neurons": args.neurons, "num_astrocytes": args.astrocytes, **result}
        print(json.dumps(_finite_or_null(record), allow_nan=False))
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


def _finite_or_null(value: Any) -> Any:
    """`value` with every non-finite float as `None` (JSON has no NaN: it prints `null`)."""
    if isinstance(value, dict):
        return {k: _finite_or_null(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_null(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _fmt(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "n/a"
    return f"{value:.6g}"


def _default_out(cfg: SweepConfig) -> Path:
    """The sweep's folder when no --out is given: readable, and the same on every rerun of
    the same sweep (so a rerun finds and resumes it): `jaxglia-sweeps/<task>-N<min>-<max>-
    A<min>-<max>-x<replicates>-<fingerprint>`."""

    def span(sizes: tuple[int, ...]) -> str:
        low, high = min(sizes), max(sizes)
        return str(low) if low == high else f"{low}-{high}"

    name = (f"{cfg.task}-N{span(cfg.neurons)}-A{span(cfg.astrocytes)}-x{cfg.replicates}-"
            f"{cfg.fingerprint()}")  # fmt: skip
    return Path("jaxglia-sweeps") / name


# The summary's tables: (column, title, format), those the sweep has values of.
_SUMMARY = (
    ("learning_rate", "mean learning rate (slope of log10 training loss per epoch)", ".4f"),
    ("test_nrmse", "mean test NRMSE", ".4f"),
    ("valid_time", "mean valid prediction time (Lyapunov times)", ".3f"),
)


def _summary(ok) -> list[str]:
    """Per-(N, A) means of the metrics the sweep computed (a ridge sweep has no learning
    rate; only a --forecast sweep has a valid time)."""
    lines = []
    for column, title, spec in _SUMMARY:
        if column not in ok or not ok[column].notna().any():
            continue
        pivot = ok.pivot_table(
            index="num_astrocytes", columns="num_neurons", values=column, aggfunc="mean",
            dropna=False,
        )  # fmt: skip
        lines.append(f"{title}; rows A, columns N:")
        lines.append(pivot.to_string(float_format=lambda x: f"{x:{spec}}", na_rep="-"))
    return lines


def _cmd_sweep(args: argparse.Namespace, cfg: SweepConfig) -> int:
    from ._sweep import sweep

    out = args.out if args.out is not None else _default_out(cfg)
    check_writable(out)
    args.out = out  # named if writing fails
    from ._sweep import _processes

    # Before JAX touches a device: several processes form one sweep (README "Many hosts").
    _processes.initialize(cfg.coordinator_address, cfg.num_processes, cfg.process_id)
    result = sweep(cfg, out, overwrite=args.overwrite, progress=not args.no_progress)
    if not _processes.is_lead():  # process 0 prints the summary and the report
        return 0
    table = result.results
    ok = table[table["status"] == "ok"]
    if len(ok):
        print("\n".join(_summary(ok)))
    timing = result.info.get("timing", {})
    padding = result.info.get("padding", {})
    print(
        f"{len(table)} networks ({len(table) - len(ok)} failed) -> {out}/results.csv, "
        f"curves.npz, run.json; compile {timing.get('compile_s', 0):.1f} s, "
        f"run {timing.get('run_s', 0):.1f} s; "
        f"{100 * padding.get('overhead_planned', 0):.0f} % of the computed work was padding "
        "(networks padded to their bucket's size)"
    )
    if args.report:
        return _cmd_report(argparse.Namespace(directory=[out], out=None))
    return 0


def _cmd_baselines(args: argparse.Namespace, cfg: SweepConfig) -> int:
    from ._baselines import baselines

    check_writable(args.out)
    table = baselines(cfg, args.out)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    print(f"-> {args.out}/baselines.csv")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from ._report import compare, report

    directories = args.directory
    slope_epochs = getattr(args, "slope_epochs", None)
    if args.out is not None:
        check_writable(args.out)
    elif len(directories) == 1 and directories[0].is_dir():
        check_writable(directories[0], "directory")  # the report is written into the sweep's
    if len(directories) > 1:
        if args.out is None:
            return _fail("report", "--out: required when comparing several sweep directories")
        if slope_epochs is not None:
            return _fail("report", "--slope-epochs: applies to one sweep, not a comparison")
        path = compare(directories, out=args.out)
        print(f"comparison written: {path}")
        return 0
    # With --slope-epochs K the report goes to DIR/slope-epochs-K/ (`report`'s default):
    # the sweep's own report stays.
    path = report(directories[0], out=args.out, slope_epochs=slope_epochs)
    print(f"report written: {path}")
    return 0


def _user_errors() -> tuple[type[Exception], ...]:
    from ._sweep._store import OutputError

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


def _refuse_unknown(parser: argparse.ArgumentParser, command: str, unknown: list[str]):
    """Unknown arguments: one line, with the closest option of the subcommand."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    subparser = sub.choices[command]
    message = f"unrecognized arguments: {' '.join(unknown)}"
    flags = [f for a in subparser._actions if a.help != argparse.SUPPRESS for f in a.option_strings]
    typed = next((arg.split("=")[0] for arg in unknown if arg.startswith("--")), None)
    close = difflib.get_close_matches(typed, flags, n=1) if typed else []
    if close:
        message += f"; did you mean {close[0]}?"
    subparser.error(message)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `jaxglia` console script."""
    argv = sys.argv[1:] if argv is None else argv
    parser = _parser()
    args, unknown = parser.parse_known_args(argv)
    command = args.command
    if unknown:
        _refuse_unknown(parser, command, unknown)
    if command != "report":
        _enable_compilation_cache()
    try:
        if command == "report":
            if smoke_test() and args.slope_epochs is not None:  # within the capped epochs
                args.slope_epochs = min(args.slope_epochs, SMOKE_CAPS["epochs"])
            return _cmd_report(args)
        if command == "baselines" and args.config is None:
            # The sweep's own task and split, finished or not (sweep.json is written first).
            found = sweep_record(args.out)
            if found is not None and isinstance(found[1].get("config"), dict):
                args.config = found[0]
        if smoke_test():
            print("jaxglia: JAXGLIA_SMOKE_TEST is set: steps, epochs and sizes are capped "
                  "(a test run, not a result)", file=sys.stderr)  # fmt: skip
            if command == "run":
                args.neurons = min(args.neurons, SMOKE_SIZE)
                args.astrocytes = min(args.astrocytes, SMOKE_SIZE)
        cfg = _config_from_args(args)
        if command == "run":
            return _cmd_run(args, cfg)
        if command == "baselines":
            return _cmd_baselines(args, cfg)
        return _cmd_sweep(args, cfg)
    except _user_errors() as error:  # a user's mistake: one line, no traceback
        if isinstance(error, ConfigError):  # named as on the command line
            error = error.named(_flag(error.option))
        return _fail(command, str(error))
    except OSError as error:  # no space, no permission, ...: one line naming the path
        path = error.filename or getattr(args, "out", None)  # write() errors have none
        if path is None and command == "report":
            path = args.directory[0]
        where = f"{path}: " if path is not None else ""
        then = "nothing finished was removed"
        if command == "sweep":
            then = ("the finished chunks are kept: make room (or fix the permission) and run "
                    "the same command to resume")  # fmt: skip
        print(f"jaxglia {command}: error: {where}{error.strerror or error}; {then}",
              file=sys.stderr)  # fmt: skip
        return _leave(1)
    except KeyboardInterrupt:
        print(
            f"jaxglia {command}: interrupted; finished chunks are saved, run the same command "
            "to resume",
            file=sys.stderr,
        )
        return _leave(130)


def _leave(code: int) -> int:
    """`code`, or, while an abandoned compiled call still runs in the background, exit with
    it at once: the interpreter's shutdown would wait for (or abort under) that call."""
    from ._sweep._run import work_in_flight

    if work_in_flight():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
