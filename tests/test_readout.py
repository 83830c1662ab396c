import equinox as eqx
import jax
import jax.numpy as jnp
import jax.random as jr
import numpy as np
import pytest

import jaxglia


def test_learning_rate_slope_of_exact_exponential():
    k = 0.37
    losses = 2.5 * np.exp(-k * np.arange(50))
    assert float(jaxglia.learning_rate_slope(losses)) == pytest.approx(-k / np.log(10), rel=1e-5)
    assert np.isnan(float(jaxglia.learning_rate_slope(np.array([1.0, np.nan, 0.5]))))


def test_nrmse_and_mse():
    target = np.asarray(jr.normal(jr.key(0), (500, 3))) * np.array([1.0, 5.0, 0.1])
    mean = np.broadcast_to(target.mean(axis=0), target.shape)
    assert float(jaxglia.nrmse(mean, target)) == pytest.approx(1.0, rel=1e-5)
    assert float(jaxglia.nrmse(target, target)) == 0.0
    assert float(jaxglia.mse(target + 2.0, target)) == pytest.approx(4.0, rel=1e-5)


def test_firing_rate_of_regular_trains():
    counts = np.array([10.0, 20.0, 0.0, 99.0])
    mask = np.array([True, True, True, False])
    assert float(jaxglia.firing_rate(counts, mask, 100)) == pytest.approx(0.1)
    assert np.isnan(float(jaxglia.firing_rate(counts, np.zeros(4, bool), 100)))


def make_data(key, n, a, capacity, samples=256):
    """Features of an (n, a) network laid out at `capacity` (padding columns zero)."""
    x = np.zeros((samples, capacity), np.float32)
    x[:, : n + a] = np.asarray(jr.normal(key, (samples, n + a)))
    w = np.linspace(-1, 1, 3 * (n + a)).reshape(n + a, 3).astype(np.float32)
    return jnp.asarray(x), jnp.asarray(np.tanh(x[:, : n + a] @ w))


def first_layer(model):
    return np.asarray(model.layers[0].weight)


def test_padding_is_invisible_to_training():
    n, a, cap = 5, 7, 20
    key = jaxglia.network_key(0, n, a, 0)
    x_pad, y = make_data(jr.key(1), n, a, cap)
    padded = jaxglia.init_readout(key, cap, n, a, hidden=16)
    exact = jaxglia.init_readout(key, n + a, n, a, hidden=16)
    # Active weights are identical at both capacities; the first layer's scale uses N + A.
    np.testing.assert_array_equal(first_layer(padded)[:, : n + a], first_layer(exact))
    assert np.abs(first_layer(exact)).max() <= 1 / np.sqrt(n + a)
    # Padded features get exactly zero gradient...
    loss = lambda m: jnp.mean((jax.vmap(m)(x_pad) - y) ** 2)
    grads = eqx.filter_grad(loss)(padded)
    assert not np.asarray(grads.layers[0].weight)[:, n + a :].any()
    # ...so Adam leaves their weights untouched, and the loss curve is the padding-free one.
    trained_pad, curve_pad = jaxglia.fit_readout(padded, jr.key(2), x_pad, y, epochs=5,
                                                 batch_size=32)  # fmt: skip
    trained, curve = jaxglia.fit_readout(exact, jr.key(2), x_pad[:, : n + a], y, epochs=5,
                                         batch_size=32)  # fmt: skip
    np.testing.assert_array_equal(
        first_layer(trained_pad)[:, n + a :], first_layer(padded)[:, n + a :]
    )
    # Products of other widths round differently: equal to float32 rounding.
    np.testing.assert_allclose(np.asarray(curve_pad), np.asarray(curve), rtol=1e-4)
    assert float(curve[-1]) < float(curve[0])


def test_gradient_matches_finite_difference():
    x, y = make_data(jr.key(3), 2, 2, 4, samples=16)
    model = jaxglia.init_readout(jr.key(4), 4, 2, 2, hidden=8)
    x64 = lambda t: jax.tree.map(lambda v: np.asarray(v, np.float64), t)

    def loss(w):
        m = eqx.tree_at(lambda m: m.layers[1].weight, model, w)
        return jnp.mean((jax.vmap(m)(x) - y) ** 2)

    w = model.layers[1].weight
    grad = np.asarray(jax.grad(loss)(w))
    eps, (i, j) = 1e-2, (3, 5)
    bump = np.zeros(w.shape, np.float32)
    bump[i, j] = eps
    fd = (float(loss(w + bump)) - float(loss(w - bump))) / (2 * eps)
    assert grad[i, j] == pytest.approx(fd, rel=2e-2, abs=1e-5)
    assert np.isfinite(x64(grad)).all()


def test_no_retrace_for_new_learning_rate():
    x, y = make_data(jr.key(5), 3, 3, 6, samples=64)
    model = jaxglia.init_readout(jr.key(6), 6, 3, 3, hidden=8)
    traces = 0

    @eqx.filter_jit
    def fit(model, lr):
        nonlocal traces
        traces += 1
        return jaxglia.fit_readout(model, jr.key(0), x, y, epochs=2, batch_size=16,
                                   step_size=lr)  # fmt: skip

    fit(model, jnp.float32(1e-3))
    fit(model, jnp.float32(3e-2))
    assert traces == 1


def test_training_really_learns():
    # The default network: the test NRMSE must end far below that of predicting the mean (1).
    result = jaxglia.run_network(50, 100)
    assert result["test_nrmse"] < 0.3
    assert result["learning_rate"] < 0
    assert 0.02 < result["rate_neurons"] < 0.9 and 0.02 < result["rate_astrocytes"] < 0.9


def test_learning_rate_slope_of_a_batch_of_curves():
    k = np.array([0.1, 0.5, 1.0])
    curves = np.exp(-k[:, None] * np.arange(30))
    np.testing.assert_allclose(jaxglia.learning_rate_slope(curves), -k / np.log(10), rtol=1e-5)


def test_bfloat16_products_follow_the_float32_reference_closely():
    # The mixed-precision readout (bfloat16 operands, float32 accumulation and weights) on a
    # run of the quick grid's shape: same loss curve to about bfloat16's 3 significant
    # digits per product, and the paper's metric within a few percent; float32 stays exact.
    cfg = jaxglia.SweepConfig(steps=600, washout=50, epochs=8, hidden=16, batch_size=64)
    reference = jaxglia.run_network(20, 40, config=cfg)
    again = jaxglia.run_network(20, 40, config=cfg.replace(readout_precision="float32"))
    assert again["curve"] == reference["curve"]  # the default is float32, bit for bit
    mixed = jaxglia.run_network(20, 40, config=cfg.replace(readout_precision="bfloat16"))
    ref, mix = np.asarray(reference["curve"]), np.asarray(mixed["curve"])
    assert not np.array_equal(ref, mix)  # bfloat16 products really ran
    np.testing.assert_allclose(mix, ref, rtol=0.05)
    assert mixed["learning_rate"] == pytest.approx(reference["learning_rate"], rel=0.05)
    with pytest.raises(jaxglia.ConfigError, match="readout_precision"):
        jaxglia.MLPReadout(precision="float16")
