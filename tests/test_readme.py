"""The README's Python examples run as written."""

import os
import pathlib
import re
import subprocess
import sys

import jaxglia


README = pathlib.Path(__file__).resolve().parents[1] / "README.md"


def section_blocks(heading: str, language: str = "python") -> list[str]:
    text = README.read_text(encoding="utf-8")
    start = text.index(f"## {heading}\n")
    end = text.find("\n## ", start + 1)
    body = text[start : end if end > 0 else len(text)]
    return re.findall(rf"```{language}\n(.*?)```", body, flags=re.S)


def run_section(heading: str, folder: pathlib.Path) -> subprocess.CompletedProcess:
    """Run the section's one Python block as a script in `folder`; it must succeed."""
    (block,) = section_blocks(heading)
    script = folder / "block.py"
    script.write_text(block, encoding="utf-8")
    env = {**os.environ, "JAXGLIA_CACHE_DIR": "off"}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=folder, capture_output=True, text=True,
        timeout=900, env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_your_own_model_block_runs(tmp_path):
    done = run_section("Your own model", tmp_path)
    # It prints the results table and leaves a finished sweep where it says.
    assert "learning_rate" in done.stdout and "test_nrmse" in done.stdout
    assert (tmp_path / "runs" / "rate-astrocytes" / "results.csv").is_file()


def test_results_columns_table_is_the_schema():
    text = README.read_text(encoding="utf-8")
    match = re.search(
        r"<!-- results columns:[^\n]*-->\n(.*?)<!-- end of results columns -->", text, re.S
    )
    assert match is not None
    rows = re.findall(r"^\| `(\w+)` \| (.*) \|$", match.group(1), flags=re.M)
    # The README lists every column of a real results table, in order, with a meaning.
    cfg = jaxglia.SweepConfig(neurons=(4,), astrocytes=(0,), replicates=1, steps=200, washout=20,
                              epochs=2, hidden=4, batch_size=16)  # fmt: skip
    table = jaxglia.sweep(cfg, progress=False, log=lambda message: None).results
    assert [name for name, _ in rows] == list(table.columns)
    assert all(meaning.strip() for _, meaning in rows)


def test_python_section_runs(tmp_path):
    run_section("Python", tmp_path)
    assert jaxglia.load(tmp_path / "runs" / "ross").attrs["complete"] == 1
