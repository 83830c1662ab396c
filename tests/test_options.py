"""The option table is the one source of truth: these tests walk it, so an option added to
`OPTIONS` is covered by every check here without a new test."""

import dataclasses
import json
import re
from pathlib import Path

import pytest

import jaxglia
from jaxglia import SweepConfig, options as _ranges
from jaxglia.cli import config_from_args as _config_from_args, main, parser as _parser
from jaxglia.options import (
    BY_NAME,
    COMMANDS,
    EXECUTION_FIELDS,
    OPTIONS,
    RENAMED,
    Interval,
    Option,
    options_for,
    options_markdown,
    show_default,
)


README = Path(__file__).parent.parent / "README.md"
IDS = [o.name for o in OPTIONS]


def _candidates(option: Option) -> list:
    """Values of the option's type that may be valid (the first valid non-default wins)."""
    kind, allowed, default = option.type, option.allowed, option.default
    if kind is tuple:
        return [(0, 7), (3,)]
    if kind is bool:
        return [not default]
    if isinstance(allowed, tuple):
        return [c for c in allowed if c != default]
    if kind is str and allowed is None:  # free text (an address)
        return ["localhost:1234"]
    assert isinstance(allowed, Interval), f"{option.name}: declare its range or choices"
    low = allowed.low if allowed.low is not None else -1
    high = allowed.high if allowed.high is not None else low + 10
    base = default if default is not None else low + 1
    if kind is int:
        return [base + 1, base + 2, int(low) + 1, int(low) + 2]
    return [(low + high) / 2, base / 2, base * 2, base + 0.5, low + 0.25 * (high - low)]


# Where an option applies (by name, else by group): the config that makes it count.
_APPLIES = {
    "alpha_astrocytes": {"astrocyte_model": "synaptic"},
    "tripartite": {"astrocyte_model": "tripartite"},
    "li-rinzel": {"astrocyte_model": "li-rinzel"},
    "filter_decay": {"features": "filtered"},
}


def _valid_value(option: Option):
    """A valid, non-default value of the option (with the other options at their defaults)."""
    for value in _candidates(option):
        if value == option.default:
            continue
        try:
            SweepConfig(**{option.name: value})
        except jaxglia.ConfigError:
            continue
        return value
    raise AssertionError(f"no valid non-default value found for {option.name}")


def _invalid_value(option: Option):
    """A value outside the option's range or choices, or None if it has neither."""
    allowed = option.allowed
    if isinstance(allowed, tuple):
        return "not-a-choice"
    if not isinstance(allowed, Interval):
        return None
    if allowed.low is not None:
        low = allowed.low
        value = low if allowed.low_open else low - 1
    else:
        assert allowed.high is not None
        value = allowed.high if allowed.high_open else allowed.high + 1
    if option.type is tuple:
        return (int(value),)
    return int(value) if option.type is int else float(value)


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return repr(value)


def _typed(value) -> str:
    return ",".join(map(str, value)) if isinstance(value, tuple) else str(value)


def _help(command: str, capsys) -> str:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


def test_the_dataclass_is_the_table():
    fields = dataclasses.fields(SweepConfig)
    assert [f.name for f in fields] == [o.name for o in OPTIONS]
    assert [f.default for f in fields] == [o.default for o in OPTIONS]
    assert set(SweepConfig().to_dict()) == set(BY_NAME)  # what run.json stores
    # Left out of the fingerprint: how a sweep runs and on how many processes, nothing else.
    assert EXECUTION_FIELDS == tuple(
        o.name for o in OPTIONS if o.group in ("execution", "processes")
    )
    assert {"chunk_size", "block_size", "buckets", "memory_fraction"} <= set(EXECUTION_FIELDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_in_its_subcommands_help(command, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "100")
    text = _help(command, capsys)
    flags = set(re.findall(r"--[a-z][a-z0-9-]*", text))
    mine = options_for(command)
    assert mine
    # `run` has flags of its own for its one network's sizes (not the grid's lists).
    own = {"--neurons", "--astrocytes"} if command == "run" else set()
    for option in OPTIONS:
        if option.flag not in own:
            assert (option.flag in flags) == (option in mine), (command, option.flag)
    # Each default is shown once, from the table; none is argparse's own.
    assert "default: None" not in text and "SUPPRESS" not in text
    entries = re.split(r"\n  (?=-)", text)
    for entry in entries:
        assert entry.count("(default:") <= 1, entry
    for option in mine:
        entry = next(e for e in entries if re.match(rf"{option.flag}\b", e))
        shown = " ".join(entry.split())
        assert f"(default: {show_default(option)})" in shown, shown


def test_baselines_takes_the_task_options_and_seed_only():
    assert {o.group for o in options_for("baselines")} == {"task", "grid"}
    assert [o.name for o in options_for("baselines") if o.group == "grid"] == ["seed"]


@pytest.mark.parametrize("name", IDS)
def test_every_option_as_toml_key_typed_flag_and_run_json(name, tmp_path):
    option = BY_NAME[name]
    value = _valid_value(option)
    config = tmp_path / "sweep.toml"
    config.write_text(f"{name} = {_toml(value)}\n")
    from_file = _config_from_args(_parser().parse_args(["sweep", "--config", str(config)]))
    assert getattr(from_file, name) == value
    flag = [option.flag] if option.type is bool else [option.flag, _typed(value)]
    typed = _config_from_args(_parser().parse_args(["sweep", *flag]))
    assert getattr(typed, name) == value
    # run.json stores `to_dict()`; reading it back gives the same config and fingerprint.
    stored = json.loads(json.dumps({"config": from_file.to_dict()}))
    assert name in stored["config"]
    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps(stored))
    again = _config_from_args(_parser().parse_args(["sweep", "--config", str(run_json)]))
    assert again == from_file and again.fingerprint() == from_file.fingerprint()
    # The fingerprint covers exactly the options that change results, where they apply
    # (the options of one astrocyte model or feature kind change nothing under another).
    where = _APPLIES.get(name) or _APPLIES.get(option.group) or {}
    base = SweepConfig(**where)
    changed = base.replace(**{name: value}).fingerprint() != base.fingerprint()
    assert changed == option.changes_results
    if where:
        assert from_file.fingerprint() == SweepConfig().fingerprint()


@pytest.mark.parametrize("name", [o.name for o in OPTIONS if _invalid_value(o) is not None])
def test_every_range_and_choice_is_enforced(name, tmp_path, capsys):
    option = BY_NAME[name]
    value = _invalid_value(option)
    with pytest.raises(jaxglia.ConfigError) as error:
        SweepConfig(**{name: value})
    assert error.value.option == name
    with pytest.raises(jaxglia.ConfigError) as error:
        SweepConfig.from_mapping({name: value})
    assert error.value.option == name
    out = tmp_path / "out"
    command = next(c for c in ("sweep", "run", "baselines") if option in options_for(c))
    argv = [command, option.flag, _typed(value)]
    argv += ["--out", str(out)] if command != "run" else []
    if isinstance(option.allowed, tuple):  # argparse checks choices itself
        with pytest.raises(SystemExit):
            main(argv)
    else:
        assert main(argv) == 2
    err = capsys.readouterr().err
    assert option.flag in err and "Traceback" not in err, err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_modules_use_the_options_ranges():
    # One declaration: the options reference the very objects the Modules check against.
    assert BY_NAME["beta_neurons"].allowed is _ranges.DECAY
    assert BY_NAME["threshold_astrocytes"].allowed is _ranges.THRESHOLD
    assert BY_NAME["p_aa"].allowed is _ranges.CONNECTION_PROBABILITY
    assert BY_NAME["gain_na"].allowed is _ranges.GAIN
    assert BY_NAME["tripartite_decay"].allowed is _ranges.TRIPARTITE_DECAY
    assert BY_NAME["pool_size"].allowed is _ranges.POOL_SIZE
    assert BY_NAME["step_ms"].allowed is _ranges.POSITIVE
    assert BY_NAME["sic_scale"].allowed is _ranges.NON_NEGATIVE
    with pytest.raises(ValueError, match=re.escape(_ranges.POSITIVE.requirement())):
        jaxglia.LiRinzel(step_ms=0.0)
    for make, option in [
        (lambda v: jaxglia.LIF(beta=v), "beta_neurons"),
        (lambda v: jaxglia.SynapticLIF(alpha=v), "alpha_astrocytes"),
        (lambda v: jaxglia.LIF(threshold=v), "threshold_neurons"),
        (lambda v: jaxglia.Connectivity(p_na=v), "p_na"),
        (lambda v: jaxglia.Connectivity(gain_aa=v), "gain_aa"),
        (lambda v: jaxglia.Tripartite(modulation=v), "modulation"),
        (lambda v: jaxglia.Tripartite(p_third=v), "p_third"),
        (lambda v: jaxglia.Tripartite(decay=v), "tripartite_decay"),
        (lambda v: jaxglia.Tripartite(pool_size=v), "pool_size"),
    ]:
        make(_valid_value(BY_NAME[option]))
        with pytest.raises(ValueError):
            make(_invalid_value(BY_NAME[option]))


def test_readme_option_reference_is_generated():
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- option reference: [^\n]*-->\n(.*?)<!-- end of option reference -->", text, re.S
    )
    assert match, "README.md has no generated option reference"
    assert match.group(1) == options_markdown(), (
        "README.md's option reference is stale: paste jaxglia.options.options_markdown()"
    )


def test_renamed_option_is_refused_naming_the_new_one(tmp_path, capsys):
    assert RENAMED["learning_rate"].new == "step_size"
    with pytest.raises(SystemExit) as done:
        main(["sweep", "--learning-rate", "0.01"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "--learning-rate: renamed to --step-size" in err and "metric" in err, err
    assert len(err.strip().splitlines()) == 1
    for config in (tmp_path / "sweep.toml", tmp_path / "run.json"):
        if config.suffix == ".toml":
            config.write_text("learning_rate = 0.01\n")
        else:
            config.write_text(json.dumps({"config": {"learning_rate": 0.01}}))
        assert main(["sweep", "--config", str(config), "--out", str(tmp_path / "o")]) == 2
        err = capsys.readouterr().err
        assert "learning_rate: renamed to step_size (Adam's step size" in err, err
        assert "Traceback" not in err
    with pytest.raises(jaxglia.ConfigError, match="renamed to step_size"):
        SweepConfig.from_mapping({"learning_rate": 0.01})
    with pytest.raises(jaxglia.ConfigError, match="renamed to step_size"):
        SweepConfig(learning_rate=0.01)
    assert "learning_rate" not in SweepConfig().to_dict()
    assert not (tmp_path / "o").exists()


def test_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"jaxglia {jaxglia.__version__}"


def test_unknown_option_suggests_the_closest(capsys):
    with pytest.raises(SystemExit):
        main(["sweep", "--neuron", "5"])
    err = capsys.readouterr().err
    assert "did you mean --neurons" in err and len(err.strip().splitlines()) == 1


def test_shorthands_fill_only_options_not_given():
    args = _parser().parse_args(["sweep", "--p", "0.3", "--p-nn", "0.2", "--gain", "2"])
    cfg = _config_from_args(args)
    assert (cfg.p_nn, cfg.p_na, cfg.p_an, cfg.p_aa) == (0.2, 0.3, 0.3, 0.3)
    assert {cfg.gain_nn, cfg.gain_na, cfg.gain_an, cfg.gain_aa} == {2.0}


@pytest.mark.parametrize("old", sorted(RENAMED))
def test_every_renamed_option_is_refused_everywhere(old, tmp_path, capsys):
    new = RENAMED[old].new
    assert new in BY_NAME and old not in BY_NAME
    value = BY_NAME[new].default
    with pytest.raises(SystemExit):
        main(["sweep", "--" + old.replace("_", "-"), str(value)])
    err = capsys.readouterr().err
    assert f"renamed to --{new.replace('_', '-')}" in err and "Traceback" not in err, err
    with pytest.raises(jaxglia.ConfigError, match=f"renamed to {new}"):
        SweepConfig.from_mapping({old: value})
    with pytest.raises(jaxglia.ConfigError, match=f"renamed to {new}"):
        SweepConfig(**{old: value})
