"""Every notebook runs end to end in smoke-test mode (JAXGLIA_SMOKE_TEST shrinks it)."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient


NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


# The two longest notebooks run in the `slow` pass (CI runs both passes).
SLOW = {"02_settings_study.ipynb", "03_astrocyte_models.ipynb"}


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, marks=pytest.mark.slow) if p.name in SLOW else p for p in NOTEBOOKS],
    ids=lambda p: p.name,
)
def test_notebook_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("JAXGLIA_SMOKE_TEST", "1")
    monkeypatch.chdir(tmp_path)
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()  # fmt: skip
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]  # fmt: skip
    assert not errors


def test_there_are_notebooks():
    assert NOTEBOOKS
    assert os.path.basename(NOTEBOOKS[0]).endswith(".ipynb")
