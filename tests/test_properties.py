"""Property tests (hypothesis) over random small grids: execution options change no bit."""

import numpy as np
import pandas as pd
import pytest
from helpers import tiny_config
from hypothesis import HealthCheck, given, settings, strategies as st

import jaxglia


quiet = dict(progress=False, log=lambda message: None)
sizes = st.lists(st.integers(0, 20), min_size=1, max_size=3, unique=True)


@pytest.mark.slow
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(neurons=sizes, astrocytes=sizes, chunk=st.integers(1, 9), block=st.integers(1, 4))
def test_chunk_size_does_not_change_results(neurons, astrocytes, chunk, block):
    if all(n + a == 0 for n in neurons for a in astrocytes):
        neurons = [*neurons, 3]
    cfg = tiny_config(neurons=neurons, astrocytes=astrocytes, replicates=1, epochs=3, steps=250,
                      washout=20, block_size=block)  # fmt: skip
    whole = jaxglia.sweep(cfg, **quiet)
    chunked = jaxglia.sweep(cfg.replace(chunk_size=chunk), **quiet)
    pd.testing.assert_frame_equal(whole.results, chunked.results, check_exact=True)
    np.testing.assert_array_equal(whole.curves, chunked.curves)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(neurons=st.lists(st.integers(4, 16), min_size=1, max_size=2, unique=True))
def test_diverging_readout_is_reported_and_the_rest_goes_on(neurons):
    # A huge Adam step makes training diverge; every network is still in the table, with
    # status "failed" and the reason, and no exception stops the sweep.
    cfg = tiny_config(neurons=neurons, astrocytes=(0, 6), replicates=1, epochs=3, steps=250,
                      washout=20, step_size=1e8)  # fmt: skip
    table = jaxglia.sweep(cfg, **quiet).results
    assert len(table) == len(cfg.grid)
    failed = table[table.status == "failed"]
    assert len(failed) > 0
    assert failed.failure.str.startswith("training diverged").all()
    assert failed.learning_rate.isna().all()
