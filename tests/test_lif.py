import jax
import jax.lax as lax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import numpy_leaky

import jaxglia


pytestmark = pytest.mark.usefixtures("strict_dtypes")


def run_lif(lif, currents):
    currents = jnp.asarray(currents, jnp.float32)

    def body(state, current):
        state, spikes = lif.step(state, current)
        return state, (state.membrane, spikes)

    _, (membrane, spikes) = lax.scan(body, lif.init_state(currents.shape[1]), currents)
    return np.asarray(membrane), np.asarray(spikes)


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_matches_snntorch_leaky_transcription(reset, getkey):
    currents = np.asarray(jax.random.uniform(getkey(), (300, 40), minval=-0.5, maxval=1.2))
    lif = jaxglia.LIF(beta=0.9, threshold=1.0, reset=reset)
    membrane, spikes = run_lif(lif, currents)
    ref_membrane, ref_spikes = numpy_leaky(currents, 0.9, 1.0, reset)
    # Same float32 operations in the same order: agreement to the last bits is expected;
    # a tiny tolerance absorbs fused multiply-adds.
    np.testing.assert_allclose(membrane, ref_membrane, rtol=1e-6, atol=1e-6)
    assert (spikes == ref_spikes).all()
    assert spikes.any() and not spikes.all()


@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_membrane_exactly_at_threshold_does_not_spike(reset):
    # beta = 0: the membrane equals the input. 1.0 == threshold must not fire (strict >), and
    # so must not reset on the next step.
    lif = jaxglia.LIF(beta=0.0, threshold=1.0, reset=reset)
    membrane, spikes = run_lif(lif, np.array([[1.0], [0.5], [1.5], [0.25]]))
    assert spikes[:, 0].tolist() == [False, False, True, False]
    expected = numpy_leaky(np.array([[1.0], [0.5], [1.5], [0.25]]), 0.0, 1.0, reset)[0]
    np.testing.assert_array_equal(membrane, expected)
    if reset == "subtract":
        assert membrane[3, 0] == pytest.approx(0.25 - 1.0)  # reset from step 3's spike


def test_subthreshold_closed_form():
    c, beta, steps = 0.05, 0.9, 200
    lif = jaxglia.LIF(beta=beta, threshold=1e9)
    membrane, spikes = run_lif(lif, np.full((steps, 1), c))
    t = np.arange(1, steps + 1)
    np.testing.assert_allclose(membrane[:, 0], c * (1 - beta**t) / (1 - beta), rtol=1e-5)
    assert not spikes.any()


@pytest.mark.parametrize("c", [0.13, 0.5, 0.77, 1.0])
def test_no_leak_spike_count(c):
    # beta = 1 with reset by subtraction is a sigma-delta counter: floor(cT/theta) +- 1 spikes.
    steps, theta = 1000, 1.0
    lif = jaxglia.LIF(beta=1.0, threshold=theta)
    _, spikes = run_lif(lif, np.full((steps, 1), c))
    assert abs(int(spikes.sum()) - np.floor(c * steps / theta)) <= 1


def test_from_tau():
    lif = jaxglia.LIF.from_tau(tau=10.0, dt=1.0)
    assert float(lif.beta) == pytest.approx(np.exp(-0.1), rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(beta=1.5), "beta"),
        (dict(beta=-0.1), "beta"),
        (dict(threshold=0.0), "threshold"),
        (dict(reset="hard"), "reset"),
    ],
)
def test_invalid_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        jaxglia.LIF(**kwargs)


def test_parameters_are_arrays_and_vmappable():
    lifs = jax.vmap(lambda b: jaxglia.LIF(beta=b))(jnp.array([0.5, 0.9]))
    state = jaxglia.LIFState(jnp.ones((2, 3)))
    new, _ = jax.vmap(lambda lif, s: lif.step(s, jnp.zeros(3)))(lifs, state)
    np.testing.assert_allclose(new.membrane[:, 0], [0.5, 0.9])


def test_infinite_threshold_is_a_valid_model_but_not_an_option():
    # An infinite threshold never fires (a pure leaky integrator), as before the ranges were
    # shared with the options; on the command line or in a config it stays refused.
    for population in (jaxglia.LIF(threshold=jnp.inf), jaxglia.SynapticLIF(threshold=jnp.inf)):
        state = population.init_state(3)
        for _ in range(5):
            state, spikes = population.step(state, jnp.full((3,), 10.0))
            assert not bool(jnp.any(spikes))
    with pytest.raises(jaxglia.ConfigError, match="threshold"):
        jaxglia.LIF(threshold=0.0)
    with pytest.raises(jaxglia.ConfigError, match="threshold_neurons"):
        jaxglia.SweepConfig(threshold_neurons=float("inf"))
