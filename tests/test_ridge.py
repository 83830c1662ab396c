"""The closed-form ridge readout: against scikit-learn, padding, and inside a sweep."""

import jax.numpy as jnp
import numpy as np
import pytest
from helpers import tiny_config
from sklearn.linear_model import Ridge

import jaxglia
from jaxglia import fit_ridge, fit_ridge_validated


RIDGE_ALPHAS = jaxglia.RidgeReadout().alphas


def data(samples=300, units=12, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((samples, units)).astype(np.float32)
    w = rng.standard_normal((units, 3)).astype(np.float32)
    y = (x @ w + 0.5 * rng.standard_normal((samples, 3)) + 2.0).astype(np.float32)
    return x, y


@pytest.mark.parametrize("alpha", [1e-3, 1.0, 100.0])
def test_matches_scikit_learn(alpha):
    x, y = data()
    weights, bias = fit_ridge(jnp.asarray(x), jnp.asarray(y), alpha)
    ref = Ridge(alpha=alpha).fit(x.astype(np.float64), y.astype(np.float64))
    # float32 normal equations vs float64 scikit-learn: agreement to ~1e-5 relative.
    np.testing.assert_allclose(np.asarray(weights), ref.coef_.T, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(bias), ref.intercept_, rtol=1e-4, atol=1e-5)


def test_validation_picks_the_best_penalty():
    x, y = data(samples=200, units=40, seed=1)
    weights, bias, alpha = fit_ridge_validated(jnp.asarray(x), jnp.asarray(y))
    fit, val = slice(0, 160), slice(160, 200)
    errors = [
        np.mean((Ridge(alpha=a).fit(x[fit], y[fit]).predict(x[val]) - y[val]) ** 2)
        for a in RIDGE_ALPHAS
    ]
    assert float(alpha) == pytest.approx(RIDGE_ALPHAS[int(np.argmin(errors))])
    ref = Ridge(alpha=float(alpha)).fit(x, y)
    np.testing.assert_allclose(np.asarray(weights), ref.coef_.T, rtol=1e-4, atol=1e-5)


def test_padded_features_get_zero_weight():
    x, y = data(units=8)
    padded = np.concatenate([x, np.zeros((x.shape[0], 5), np.float32)], axis=1)
    w_pad, b_pad = fit_ridge(jnp.asarray(padded), jnp.asarray(y), 1.0)
    w, b = fit_ridge(jnp.asarray(x), jnp.asarray(y), 1.0)
    assert not np.asarray(w_pad)[8:].any()
    np.testing.assert_allclose(np.asarray(w_pad)[:8], np.asarray(w), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(b_pad), np.asarray(b), rtol=1e-5, atol=1e-6)


def test_sweep_with_the_ridge_readout(tmp_path):
    cfg = tiny_config(neurons=(0, 16), astrocytes=(0, 16), replicates=1, readout="ridge")
    result = jaxglia.sweep(cfg, tmp_path / "sweep", progress=False, log=lambda m: None)
    table = result.results
    assert (table.status == "ok").all()
    assert table.learning_rate.isna().all()  # the metric applies to the MLP only
    assert np.isfinite(table[["final_loss", "test_nrmse"]].to_numpy()).all()
    alone = jaxglia.run_network(16, 16, config=cfg)
    row = table[(table.num_neurons == 16) & (table.num_astrocytes == 16)].iloc[0]
    assert float(row.test_nrmse) == pytest.approx(alone["test_nrmse"], rel=1e-3)
    path = jaxglia.report(tmp_path / "sweep")  # says what it cannot analyse; no crash
    assert path.exists()


def test_ridge_readout_learns_on_the_default_network():
    # MODEL.md's default network with the closed-form readout: far below the mean's NRMSE (1).
    result = jaxglia.run_network(50, 100, config=jaxglia.SweepConfig(readout="ridge"))
    assert result["test_nrmse"] < 0.3
    assert np.isnan(result["learning_rate"])
