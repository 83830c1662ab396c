"""The paper's readout: a 3-layer Equinox MLP trained with Optax's Adam (`MLPReadout`).

The only module that uses Optax. Its first-layer weights are hashed from each unit's index
within its population (the `UnitLayout`), so padding changes nothing.
"""

from typing import cast

import equinox as eqx
import jax
import jax.lax as lax
import jax.numpy as jnp
import jax.random as jr
import optax
from jaxtyping import Array, ArrayLike, Float, Int, PRNGKeyArray

from .._connectivity import UnitLayout
from .._random import grid_bits, hash_many, to_uniform
from .._ranges import COUNT, POSITIVE, ConfigError, check_concrete
from ._base import AbstractReadout, Fit


def _init_readout(
    key: PRNGKeyArray, layout: UnitLayout, *, hidden: int = 64, num_outputs: int = 3
) -> eqx.nn.MLP:
    """Unjitted body of `init_readout` (the sweep calls it inside its own jit and vmap)."""
    h = hidden
    capacity, population, local = layout.capacity, layout.population, layout.index
    skeleton = eqx.filter_eval_shape(
        eqx.nn.MLP, capacity, num_outputs, h, depth=2, activation=jax.nn.relu, key=jr.key(0)
    )
    cols_h, cols_o = jnp.arange(h)[None, :], jnp.arange(num_outputs)[None, :]
    # Streams: 0 and 1 first-layer weights of neurons and astrocytes, 2.. the other leaves.
    draws = hash_many(
        key,
        [
            (jnp.minimum(population, 1)[:, None], local[:, None], cols_h),
            (2, 0, cols_h),
            (3, jnp.arange(h)[:, None], cols_h),
            (4, 0, cols_h),
            (5, jnp.arange(h)[:, None], cols_o),
            (6, 0, cols_o),
        ],
    )
    u = [2.0 * to_uniform(bits) - 1.0 for bits, _ in draws]
    num_active = layout.num_active.astype(jnp.float32)
    bound_in = 1.0 / jnp.sqrt(jnp.maximum(num_active, 1.0))
    bound_h = 1.0 / jnp.sqrt(jnp.float32(h))
    leaves = (
        u[0].T * bound_in,
        u[1][0] * bound_in,
        u[2].T * bound_h,
        u[3][0] * bound_h,
        u[4].T * bound_h,
        u[5][0] * bound_h,
    )
    where = lambda m: tuple(x for layer in m.layers for x in (layer.weight, layer.bias))
    return eqx.tree_at(where, skeleton, leaves)


_init_jit = eqx.filter_jit(_init_readout)


def init_readout(
    key: PRNGKeyArray,
    capacity: int,
    num_neurons: Int[ArrayLike, ""],
    num_astrocytes: Int[ArrayLike, ""],
    *,
    hidden: int = 64,
    num_outputs: int = 3,
) -> eqx.nn.MLP:
    """A 3-layer MLP `units -> hidden -> hidden -> outputs` with ReLU, for a reservoir of
    `num_neurons + num_astrocytes` active units laid out at `capacity` (static).

    Every layer is drawn like PyTorch's and Equinox's default, $U(\\pm 1/\\sqrt{fan_{in}})$,
    the first with the *active* fan-in N + A (not the padded capacity). A unit's first-layer
    weights are hashed from its index within its population (as the reservoir's weights
    are), so they do not depend on the capacity or layout. Padded features are always zero,
    get zero gradient, and Adam leaves their weights untouched, so padding changes nothing.
    """
    layout = UnitLayout.of(capacity, num_neurons, num_astrocytes)
    return _init_jit(key, layout, hidden=hidden, num_outputs=num_outputs)


# Precisions of the training's matrix products: float32 (the default and the reference), or
# bfloat16 operands with float32 accumulation (master weights, Adam and the loss stay float32).
PRECISIONS = ("float32", "bfloat16")


def _forward(model: eqx.nn.MLP, x, precision: str):
    """The MLP on a batch `x` (samples x units); `bfloat16`: each layer's product with
    bfloat16 operands accumulated in float32 (`preferred_element_type`), bias and ReLU in
    float32."""
    if precision == "float32":
        return jax.vmap(model)(x)
    h = x
    for i, layer in enumerate(model.layers):
        h = jnp.dot(
            h.astype(jnp.bfloat16),
            layer.weight.T.astype(jnp.bfloat16),
            preferred_element_type=jnp.float32,
        )
        if layer.bias is not None:
            h = h + layer.bias[None, :]
        if i < len(model.layers) - 1:
            h = jax.nn.relu(h)
    return h


def _batch_loss(model, x, y, precision: str = "float32"):
    prediction = _forward(model, x, precision)
    return jnp.mean((prediction - y) ** 2)


def train_readout(
    model: eqx.nn.MLP,
    key: PRNGKeyArray,
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    *,
    epochs: int,
    batch_size: int,
    step_size: Float[ArrayLike, ""] = 1e-3,
    precision: str = "float32",
) -> tuple[eqx.nn.MLP, Float[Array, " epochs"]]:
    """Unjitted body of `fit_readout` (the sweep calls it inside its own jit and vmap)."""
    num_samples = features.shape[0]
    num_batches = num_samples // batch_size
    if num_batches < 1:
        raise ValueError(f"`batch_size`={batch_size} exceeds the {num_samples} training samples.")
    optimiser = optax.adam(jnp.asarray(step_size, jnp.float32))
    params, static = eqx.partition(model, eqx.is_inexact_array)
    grad_fn = jax.value_and_grad(
        lambda p, x, y: _batch_loss(eqx.combine(p, static), x, y, precision)
    )

    def train_step(carry, indices):
        params, opt_state = carry
        loss, grads = grad_fn(params, features[indices], targets[indices])
        updates, opt_state = optimiser.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), opt_state), loss

    def epoch(carry, order):
        carry, losses = lax.scan(train_step, carry, order.reshape(num_batches, batch_size))
        return carry, jnp.mean(losses)

    # Reshuffled every epoch (argsort of hashed draws: one hash for all epochs); the last
    # partial batch is dropped, a different one each epoch, so every step sees a full batch.
    bits, _ = grid_bits(key, (epochs, num_samples))
    orders = jnp.argsort(bits, axis=1)[:, : num_batches * batch_size].astype(jnp.int32)
    carry = (params, optimiser.init(params))
    (params, _), curve = lax.scan(epoch, carry, orders)
    trained = cast(eqx.nn.MLP, eqx.combine(params, static))
    return trained, curve


@eqx.filter_jit
def fit_readout(
    model: eqx.nn.MLP,
    key: PRNGKeyArray,
    features: Float[Array, "samples units"],
    targets: Float[Array, "samples outputs"],
    *,
    epochs: int = 50,
    batch_size: int = 128,
    step_size: Float[ArrayLike, ""] = 1e-3,
) -> tuple[eqx.nn.MLP, Float[Array, " epochs"]]:
    """Train `model` on (features, targets) with Adam and minibatch MSE, all inside one jit.

    **Arguments:**

    - `model`: the MLP from `init_readout`.
    - `key`: shuffles the samples each epoch.
    - `features`, `targets`: training split, shapes `(samples, units)` and `(samples, outputs)`.
    - `epochs` (static, default 50), `batch_size` (static, default 128): full batches only.
    - `step_size`: Adam's step size (default 1e-3; an array, so new values do not
      recompile).

    **Returns:** the trained model and the per-epoch mean training loss, shape `(epochs,)`.
    """
    return train_readout(
        model,
        key,
        features,
        targets,
        epochs=epochs,
        batch_size=batch_size,
        step_size=step_size,
    )


class MLPReadout(AbstractReadout):
    """The paper's readout: `units -> hidden -> hidden -> outputs` with ReLU, trained with
    Adam on minibatch MSE (`init_readout`, `fit_readout`); its loss curve gives the
    learning rate.

    **Arguments:**

    - `hidden`: width of the two hidden layers (default 64; static).
    - `epochs`: training epochs (default 50; static).
    - `batch_size`: minibatch size, full batches only (default 128; static).
    - `step_size`: Adam's step size (default 1e-3; an array, so new values do not
      recompile).
    - `precision`: the training's matrix products, `"float32"` (default, the reference) or
      `"bfloat16"` (bfloat16 operands, float32 accumulation; weights, Adam, loss and the
      test prediction stay float32). Its effect on curves and metrics is measured in
      benchmarks/README.md.
    """

    hidden: int = eqx.field(static=True)
    epochs: int = eqx.field(static=True)
    batch_size: int = eqx.field(static=True)
    step_size: Float[Array, ""]
    precision: str = eqx.field(static=True)

    def __init__(
        self,
        hidden: int = 64,
        epochs: int = 50,
        batch_size: int = 128,
        step_size: Float[ArrayLike, ""] = 1e-3,
        precision: str = "float32",
    ):
        if precision not in PRECISIONS:
            raise ConfigError("readout_precision", precision, f"must be one of {PRECISIONS}")
        self.precision = precision
        # The options' ranges (NumPy whole numbers taken as the numbers they hold).
        self.hidden, self.epochs = COUNT.value("hidden", hidden), COUNT.value("epochs", epochs)
        self.batch_size = COUNT.value("batch_size", batch_size)
        self.step_size = jnp.asarray(step_size, jnp.float32)

    def __check_init__(self):
        check_concrete(self, {"step_size": POSITIVE})

    @property
    def num_epochs(self) -> int:
        return self.epochs

    def init(self, layout: UnitLayout, num_outputs: int, *, key: PRNGKeyArray) -> eqx.nn.MLP:
        return _init_readout(key, layout, hidden=self.hidden, num_outputs=num_outputs)

    def fit(self, params, features, targets, *, key) -> Fit:
        mlp, curve = train_readout(
            params,
            key,
            features,
            targets,
            epochs=self.epochs,
            batch_size=self.batch_size,
            step_size=self.step_size,
            precision=self.precision,
        )
        return Fit(mlp, curve, curve[-1])

    def flops(self, num_units: int, num_train: int, num_test: int, num_outputs: int) -> float:
        """Forward, weight gradients and input gradients of the second and third layers
        over every training minibatch (the features are not differentiated, so the first
        layer costs 2x its forward product, the others 3x), plus the test forward pass."""
        h = self.hidden
        first, rest = 2.0 * num_units * h, 2.0 * (h * h + h * num_outputs)
        samples = self.epochs * (num_train // self.batch_size) * self.batch_size
        return (2.0 * first + 3.0 * rest) * samples + (first + rest) * num_test

    def memory_words(self, num_units: int) -> int:
        """The MLP with its Adam moments and gradients."""
        h = self.hidden
        return 5 * (num_units * h + h * h + 3 * h)
