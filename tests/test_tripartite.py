"""The "tripartite" astrocyte model: gain modulation of neuron-to-neuron synapses."""

import jax.numpy as jnp
import numpy as np
import pytest

import jaxglia
from jaxglia import Tripartite


pytestmark = pytest.mark.usefixtures("strict_dtypes")

BETA_N, BETA_A, THETA = 0.9, 0.99, 1.0


def reservoir(n, a, tripartite, capacity=None, seed=0):
    key = jaxglia.network_key(seed, n, a, 0)
    return jaxglia.make_reservoir(key, n, a, capacity=capacity, tripartite=tripartite)


def inputs(steps, seed=1):
    return jnp.asarray(np.random.default_rng(seed).normal(size=(steps, 3)) * 1.5, jnp.float32)


def numpy_tripartite(res, u, kappa, decay):
    """The specification transcribed in NumPy, synapse by synapse for the astrocytes:
    I = W_in u + W S + kappa * sum_{covered (i,j)} w_ij c_{a(i,j)} S_j, then
    c_a <- decay c_a + (1 - decay) * mean of S_j over the synapses a covers, and LIF steps.
    """
    w = np.asarray(res.recurrent_weights, np.float64)
    w_in = np.asarray(res.input_weights, np.float64)
    cover = np.asarray(res.coverage.weights, np.float64) != 0
    astro = np.asarray(res.coverage.astrocyte)
    population = np.asarray(res.population)
    synapses = {}
    for i, j in zip(*np.nonzero(cover)):
        synapses.setdefault(int(astro[i, j]), []).append(int(j))
    cap = w.shape[0]
    s, c, mem = np.zeros(cap), np.zeros(cap), np.zeros(cap)
    mems = []
    for u_t in np.asarray(u, np.float64):
        efficacy = np.where(cover, w * (1.0 + kappa * c[astro]), w)
        current = w_in @ u_t + efficacy @ s
        c_new = decay * c
        for a, pre in synapses.items():
            c_new[a] += (1.0 - decay) * np.mean(s[pre])
        beta = np.where(population == 0, BETA_N, BETA_A)
        fired = mem > THETA
        mem = beta * mem + current - fired * THETA
        mem = np.where(population < 2, mem, 0.0)
        s = ((mem > THETA) & (population < 2)).astype(float)
        c = c_new
        mems.append(mem.copy())
    return np.stack(mems)


def test_coverage_follows_the_pool_rule():
    tri = Tripartite(p_third=0.5, pool_size=3)
    res = reservoir(60, 40, tri)
    n = 60
    w = np.asarray(res.recurrent_weights)
    covered = np.asarray(res.coverage.weights) != 0
    astro = np.asarray(res.coverage.astrocyte)
    existing = w[:n, :n] != 0
    # Only existing neuron-to-neuron synapses are covered, with their own weights.
    assert not covered[n:].any() and not covered[:, n:].any()
    assert not (covered[:n, :n] & ~existing).any()
    np.testing.assert_array_equal(np.asarray(res.coverage.weights)[covered], w[covered])
    # Covering units are astrocytes; each neuron's synapses use at most pool_size of them.
    assert ((astro[covered] >= n) & (astro[covered] < 100)).all()
    for i in range(n):
        assert len(set(astro[i][covered[i]])) <= 3
    # About p_third of the existing synapses are covered (binomial, 5 sigma).
    k, m = covered.sum(), existing.sum()
    assert abs(k - 0.5 * m) < 5 * np.sqrt(m * 0.25)
    # Sensing rows are the covered synapses' presynaptic fractions.
    sensing = np.asarray(res.coverage.sensing)
    for a in np.unique(astro[covered]):
        pre = np.nonzero(covered & (astro == a))[1]
        expected = np.bincount(pre, minlength=100) / len(pre)
        np.testing.assert_allclose(sensing[a], expected, atol=1e-6)


def test_without_modulation_it_is_exactly_the_plain_reservoir():
    u = inputs(200)
    plain = jaxglia.simulate(reservoir(30, 40, None), u)
    off = jaxglia.simulate(reservoir(30, 40, Tripartite(modulation=0.0)), u)
    np.testing.assert_array_equal(np.asarray(plain.features), np.asarray(off.features))
    np.testing.assert_array_equal(np.asarray(plain.spike_counts), np.asarray(off.spike_counts))


@pytest.mark.parametrize("kappa", [1.0, -0.5])
def test_efficacy_follows_the_astrocyte_state(kappa):
    res = reservoir(25, 15, Tripartite(p_third=0.7, modulation=kappa, decay=0.9, pool_size=4))
    u = inputs(40)
    got = np.asarray(jaxglia.simulate(res, u).features)
    want = numpy_tripartite(res, u, kappa, 0.9)
    np.testing.assert_allclose(got, want, atol=2e-4)
    # And modulation changes the dynamics (the check above is not vacuous).
    plain = np.asarray(jaxglia.simulate(reservoir(25, 15, None), u).features)
    assert np.abs(got - plain).max() > 1e-2


def test_padding_is_invisible():
    tri = Tripartite(p_third=0.6, modulation=1.5, pool_size=5)
    u = inputs(150)
    exact = jaxglia.simulate(reservoir(20, 30, tri), u)
    padded = jaxglia.simulate(reservoir(20, 30, tri, capacity=77), u)
    np.testing.assert_allclose(
        np.asarray(padded.features)[:, :50], np.asarray(exact.features), atol=1e-5
    )
    assert not np.asarray(padded.features)[:, 50:].any()
    # The coverage of the active units is drawn identically at any capacity.
    np.testing.assert_array_equal(
        np.asarray(reservoir(20, 30, tri, capacity=77).coverage.astrocyte)[:50, :50],
        np.asarray(reservoir(20, 30, tri).coverage.astrocyte),
    )


def test_no_astrocytes_means_no_coverage():
    res = reservoir(20, 0, Tripartite())
    assert not np.asarray(res.coverage.weights).any()
