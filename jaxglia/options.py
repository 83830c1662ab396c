"""The options of a sweep, declared once: `OPTIONS` is the table the command line, the TOML
keys, `SweepConfig`'s fields, validation, `--help`, `run.json` and the README's option
reference are all derived from.

Each `Option` has a name, a type, a default, its allowed values (choices or an `Interval`),
a help line, a group, the commands that take it, and whether it changes results (those
that do not are left out of the fingerprint). `RENAMED` lists old spellings that are
refused with the new name.
"""

from ._config import PRESETS as PRESETS
from ._options import (
    BY_NAME as BY_NAME,
    COMMANDS as COMMANDS,
    EXECUTION_FIELDS as EXECUTION_FIELDS,
    GROUPS as GROUPS,
    OPTIONS as OPTIONS,
    RENAMED as RENAMED,
    SHORTHANDS as SHORTHANDS,
    Option as Option,
    options_for as options_for,
    options_markdown as options_markdown,
    parse_sizes as parse_sizes,
    show_default as show_default,
)
from ._ranges import (
    CONNECTION_PROBABILITY as CONNECTION_PROBABILITY,
    COUNT as COUNT,
    COVERAGE_PROBABILITY as COVERAGE_PROBABILITY,
    DECAY as DECAY,
    GAIN as GAIN,
    INPUT_SCALE as INPUT_SCALE,
    MODULATION as MODULATION,
    NON_NEGATIVE as NON_NEGATIVE,
    POOL_SIZE as POOL_SIZE,
    POSITIVE as POSITIVE,
    THRESHOLD as THRESHOLD,
    TRIPARTITE_DECAY as TRIPARTITE_DECAY,
    Interval as Interval,
)
