"""The closed-form ridge readout: against scikit-learn, padding, and inside a sweep."""

import equinox as eqx
import jax.numpy as jnp
import jax.random as jr
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


def validation_errors(x, y, num_fit, **ridge):
    """scikit-learn's validation MSE for every penalty of `RIDGE_ALPHAS`, fitted on the first
    `num_fit` samples and scored on the rest (`ridge`: more `Ridge` arguments)."""
    fit, val = slice(0, num_fit), slice(num_fit, None)
    return [
        np.mean((Ridge(alpha=a, **ridge).fit(x[fit], y[fit]).predict(x[val]) - y[val]) ** 2)
        for a in RIDGE_ALPHAS
    ]


def numpy_choice(errors, alphas):
    """The penalty rule, in NumPy: least validation error, ties within 0.1 % going to the
    larger penalty."""
    errors = np.asarray(errors)
    return max(a for a, e in zip(alphas, errors) if e <= errors.min() * (1 + 1e-3))


def test_validation_picks_the_best_penalty():
    x, y = data(samples=200, units=40, seed=1)
    weights, bias, alpha = fit_ridge_validated(jnp.asarray(x), jnp.asarray(y))
    errors = validation_errors(x, y, 160)
    assert float(alpha) == pytest.approx(numpy_choice(errors, RIDGE_ALPHAS))
    ref = Ridge(alpha=float(alpha)).fit(x, y)
    np.testing.assert_allclose(np.asarray(weights), ref.coef_.T, rtol=1e-4, atol=1e-5)


# A ridge problem whose best penalty lies far below the old grid's floor (1e-4): weights
# drawn N(0, 1), noise N(0, NOISE^2), so the Bayes-optimal penalty is NOISE^2 = 1e-6, and
# features whose scales fall to 1e-5, so that the penalty matters there (validated on this
# draw with scikit-learn: 1e-6 is best; the floor of the range scores 4 % worse, 1e-4 48 %).
NOISE = 1e-3


def small_penalty_problem(features=None, samples=600, units=60, seed=3):
    rng = np.random.default_rng(seed)
    if features is None:
        features = rng.standard_normal((samples, units)) * np.logspace(0, -5, units)
    w = rng.standard_normal((features.shape[1], 3))
    y = features @ w + NOISE * rng.standard_normal((features.shape[0], 3))
    return features, y


def assert_interior_small(alpha, alphas=RIDGE_ALPHAS):
    """The choice lies within two decades of the optimum NOISE^2, below 1e-4, and is not an
    edge of the range."""
    assert NOISE**2 / 100 <= alpha <= NOISE**2 * 100 and alpha < 1e-4
    assert min(alphas) < alpha < max(alphas)


def test_the_penalty_search_finds_a_small_optimum():
    x, y = small_penalty_problem()
    assert len(x) == 600
    expected = numpy_choice(validation_errors(x, y, 480, solver="svd"), RIDGE_ALPHAS)
    assert expected == pytest.approx(NOISE**2)  # the problem is what it claims to be
    # The solver every ridge fit shares, in float32.
    _, _, alpha = fit_ridge_validated(jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
    assert float(alpha) == pytest.approx(expected, rel=1e-5)
    assert_interior_small(float(alpha))
    # The reservoir's ridge readout: the same choice, and no edge warning.
    readout = jaxglia.RidgeReadout()
    fitted = readout.fit(None, jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32),
                         key=jr.key(0)).predictor  # fmt: skip
    assert float(fitted.penalty) == pytest.approx(expected, rel=1e-5)
    assert float(fitted.penalty_on_edge) == 0.0


def test_a_narrow_range_reports_its_edge():
    x, y = (jnp.asarray(a, jnp.float32) for a in small_penalty_problem())
    narrow = (1e-2, 1e-1, 1.0)  # the optimum (1e-6) lies below it
    _, _, alpha = fit_ridge_validated(x, y, alphas=narrow)
    assert float(alpha) == pytest.approx(1e-2)
    fitted = jaxglia.RidgeReadout(alphas=narrow).fit(None, x, y, key=jr.key(0)).predictor
    assert float(fitted.penalty) == pytest.approx(1e-2)
    assert float(fitted.penalty_on_edge) == 1.0
    above = jaxglia.RidgeReadout(alphas=(1e-12, 1e-11)).fit(None, x, y, key=jr.key(0))
    assert float(above.predictor.penalty_on_edge) == 1.0  # the upper edge, from below


def test_flat_errors_take_the_largest_tied_penalty():
    # Features of unit scale (singular values^2 ~ 300): every penalty below ~1e-3 fits alike
    # (to 1e-5 relative), and the choice is the largest of those rather than the floor.
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 5)).astype(np.float32)
    y = (x @ rng.standard_normal((5, 2)) + 0.01 * rng.standard_normal((400, 2))).astype(np.float32)
    _, _, alpha = fit_ridge_validated(jnp.asarray(x), jnp.asarray(y))
    errors = validation_errors(x, y, 320)
    assert float(alpha) == pytest.approx(numpy_choice(errors, RIDGE_ALPHAS))
    assert float(alpha) > 1e-6 and float(alpha) < max(RIDGE_ALPHAS)


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
    # MODEL.md's default network with the closed-form readout: far below the mean's NRMSE (1),
    # its penalty interior to the range searched (no edge warning in the results).
    result = jaxglia.run_network(50, 100, config=jaxglia.SweepConfig(readout="ridge"))
    assert result["test_nrmse"] < 0.3
    assert np.isnan(result["learning_rate"])
    assert min(RIDGE_ALPHAS) < result["readout_penalty"] < max(RIDGE_ALPHAS)
    assert result["penalty_on_edge"] == 0.0


def test_the_results_carry_the_edge_warning():
    cfg = tiny_config(neurons=(16,), astrocytes=(16,), replicates=1)
    experiment = jaxglia.Experiment.from_config(cfg)
    narrow = eqx.tree_at(lambda e: e.readout, experiment, jaxglia.RidgeReadout(alphas=(1e3, 1e4)))
    result = jaxglia.run_network(16, 16, config=narrow)
    assert result["readout_penalty"] == pytest.approx(1e3)
    assert result["penalty_on_edge"] == 1.0
    mlp = jaxglia.run_network(16, 16, config=cfg)  # no penalty: empty columns
    assert np.isnan(mlp["readout_penalty"]) and np.isnan(mlp["penalty_on_edge"])
