import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxglia


pytestmark = pytest.mark.usefixtures("strict_dtypes")


def reservoir(n, a, capacity=None, seed=0, replicate=0, **kw):
    key = jaxglia.network_key(seed, n, a, replicate)
    return jaxglia.make_reservoir(key, n, a, capacity=capacity, **kw)


def active_weights(res):
    """Recurrent and input weights restricted to the active units, in layout order."""
    mask = np.asarray(res.unit_mask)
    rec = np.asarray(res.recurrent_weights)[np.ix_(mask, mask)]
    return rec, np.asarray(res.input_weights)[mask]


@pytest.mark.parametrize("n, a", [(7, 11), (0, 9), (12, 0), (30, 3)])
@pytest.mark.parametrize("capacity", [None, 41, 80])
def test_weights_do_not_depend_on_capacity(n, a, capacity):
    exact = reservoir(n, a)
    padded = reservoir(n, a, capacity=capacity)
    for x, y in zip(active_weights(exact), active_weights(padded)):
        np.testing.assert_array_equal(x, y)  # bit-identical, not merely close
    # Padding rows and columns are exactly zero: padded units receive and send nothing.
    mask = np.asarray(padded.unit_mask)
    assert not np.asarray(padded.recurrent_weights)[~mask].any()
    assert not np.asarray(padded.recurrent_weights)[:, ~mask].any()
    assert not np.asarray(padded.input_weights)[~mask].any()


def test_blocks_do_not_move_when_the_other_population_grows():
    # The astrocyte block A<-A of (N=5, A=10) equals that of (N=20, A=10) under the same key:
    # draws are indexed within populations, not by position in the layout.
    key = jaxglia.network_key(0, 5, 10, 0)
    small = jaxglia.make_reservoir(key, 5, 10)
    large = jaxglia.make_reservoir(key, 20, 10)
    np.testing.assert_array_equal(
        np.asarray(small.recurrent_weights)[5:, 5:], np.asarray(large.recurrent_weights)[20:, 20:]
    )


def test_weight_statistics():
    # Bernoulli(p) connections, N(0, g^2/(p n_pre)) weights: density ~ p and the input
    # variance per unit ~ g^2 (independent of size). 400 x 400 entries per block.
    n = a = 400
    conn = jaxglia.Connectivity(p_nn=0.1, p_na=0.2, p_an=0.05, p_aa=0.3, gain_nn=1.0,
                                gain_na=2.0, gain_an=0.5, gain_aa=1.5)  # fmt: skip
    w = np.asarray(reservoir(n, a, connectivity=conn).recurrent_weights)
    blocks = {"nn": w[:n, :n], "na": w[:n, n:], "an": w[n:, :n], "aa": w[n:, n:]}
    for name, block in blocks.items():
        p, g = float(getattr(conn, f"p_{name}")), float(getattr(conn, f"gain_{name}"))
        density = (block != 0).mean()
        assert abs(density - p) < 4 * np.sqrt(p * (1 - p) / block.size), name
        summed_variance = (block**2).sum(axis=1).mean()  # E[sum_j w_ij^2] = g^2
        assert summed_variance == pytest.approx(g**2, rel=0.05), name
    w_in = np.asarray(reservoir(n, a).input_weights)
    assert -1 <= w_in.min() < -0.99 and 0.99 < w_in.max() <= 1
    assert abs(w_in.mean()) < 0.02


def test_input_routing_to_neurons_only():
    conn = jaxglia.Connectivity(input_scale_astrocytes=0.0)
    res = reservoir(10, 10, connectivity=conn)
    assert np.asarray(res.input_weights)[:10].any()
    assert not np.asarray(res.input_weights)[10:].any()


def test_replicates_and_seeds_differ():
    w = lambda **kw: np.asarray(reservoir(10, 10, **kw).recurrent_weights)
    assert not np.array_equal(w(replicate=0), w(replicate=1))
    assert not np.array_equal(w(seed=0), w(seed=1))
    np.testing.assert_array_equal(w(seed=3), w(seed=3))


def run_python_loop(res, inputs, washout):
    state = res.init_state()
    membranes, counts = [], np.zeros(res.capacity)
    for t, u in enumerate(inputs):
        state = res.step(state, res.input_weights @ u)
        membranes.append(np.asarray(res.membrane(state)))
        if t >= washout:
            counts += np.asarray(state.outputs)
    return np.stack(membranes)[washout:], counts


def test_simulate_matches_python_loop():
    res = reservoir(3, 2, capacity=8)
    inputs = jaxglia.lorenz_task(120, washout=20).inputs
    rec = jaxglia.simulate(res, inputs, washout=20)
    membranes, counts = run_python_loop(res, inputs, 20)
    # The loop multiplies W_in @ u per step, `simulate` all steps in one product: the sums
    # round differently (float32), and the slow units accumulate it (|U| reaches ~40).
    np.testing.assert_allclose(np.asarray(rec.features), membranes, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(np.asarray(rec.spike_counts), counts)
    assert counts.sum() > 0


def test_padded_units_are_inert_and_padding_changes_nothing():
    inputs = jaxglia.lorenz_task(300, washout=10).inputs
    exact = jaxglia.simulate(reservoir(6, 9), inputs, washout=10)
    padded_res = reservoir(6, 9, capacity=40)
    padded = jaxglia.simulate(padded_res, inputs, washout=10)
    mask = np.asarray(padded_res.unit_mask)
    assert not np.asarray(padded.features)[:, ~mask].any()
    assert not np.asarray(padded.spike_counts)[~mask].any()
    # Matrix products of other shapes may sum in another order: equal up to float rounding
    # over this horizon (no threshold crossing flips at this size).
    np.testing.assert_allclose(np.asarray(padded.features)[:, mask], np.asarray(exact.features),
                               rtol=1e-5, atol=1e-5)  # fmt: skip
    np.testing.assert_array_equal(
        np.asarray(padded.spike_counts)[mask], np.asarray(exact.spike_counts)
    )


@pytest.mark.parametrize("n, a", [(0, 10), (10, 0)])
def test_single_population_networks_run(n, a):
    rec = jaxglia.simulate(reservoir(n, a), jaxglia.lorenz_task(200, washout=10).inputs)
    assert np.isfinite(np.asarray(rec.features)).all()
    assert np.asarray(rec.spike_counts).sum() > 0


def test_no_retrace_for_new_values():
    traces = 0

    @eqx.filter_jit
    def run(res, inputs):
        nonlocal traces
        traces += 1
        return jaxglia.simulate(res, inputs, washout=5)

    inputs = jaxglia.lorenz_task(100, washout=5).inputs
    slow = jaxglia.LIF(beta=0.99)
    run(reservoir(4, 6, capacity=12), inputs)
    run(reservoir(5, 7, capacity=12, astrocytes=jaxglia.LIF(beta=0.95)), inputs * 2.0)
    run(reservoir(4, 6, capacity=12, astrocytes=slow, seed=9), inputs)
    assert traces == 1


def test_features_options():
    res = reservoir(5, 5)
    inputs = jaxglia.lorenz_task(200, washout=10).inputs
    spikes = np.asarray(jaxglia.simulate(res, inputs, features="spikes").features)
    filtered = np.asarray(
        jaxglia.simulate(res, inputs, features="filtered", filter_decay=0.5).features
    )
    assert set(np.unique(spikes)) <= {0.0, 1.0}
    expected = np.zeros_like(filtered)
    for t in range(len(spikes)):
        expected[t] = (0.5 * expected[t - 1] if t else 0.0) + spikes[t]
    np.testing.assert_allclose(filtered, expected, rtol=1e-6)
    with pytest.raises(ValueError, match="features"):
        jaxglia.simulate(res, inputs, features="voltage")


def test_batch_composition_changes_nothing():
    # At one capacity and one batch size, a network's simulation does not depend on which
    # other networks share its batch: bit-identical. (Across *batch sizes* XLA's batched
    # products may round differently, which is why the sweep fixes its block size.)
    inputs = jaxglia.lorenz_task(150, washout=10).inputs
    sizes = [(3, 4), (0, 9), (9, 0), (5, 5), (2, 2), (1, 7)]
    grid = [reservoir(n, a, capacity=10) for n, a in sizes]
    stack = lambda nets: jax.tree.map(lambda *x: jnp.stack(x), *nets)
    run = eqx.filter_jit(
        eqx.filter_vmap(lambda r: jaxglia.simulate(r, inputs, washout=10).features)
    )
    first = np.asarray(run(stack(grid[:3])))
    second = np.asarray(run(stack([grid[0], grid[4], grid[5]])))
    np.testing.assert_array_equal(first[0], second[0])
    alone = np.asarray(jaxglia.simulate(grid[0], inputs, washout=10).features)
    np.testing.assert_allclose(first[0], alone, rtol=1e-5, atol=1e-5)
