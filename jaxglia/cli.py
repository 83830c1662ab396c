"""The `jaxglia` command as functions: `main(argv)` runs it (the console script calls it
with the process's arguments), `parser()` is its argparse parser, and
`config_from_args(parser().parse_args(argv))` the `SweepConfig` a command line describes
(options typed there override a `--config` file and `--preset`)."""

from ._cli import _config_from_args as config_from_args, _parser as parser, main as main


__all__ = ["config_from_args", "main", "parser"]
