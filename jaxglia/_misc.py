"""Numerical helpers shared across the package: one classical RK4 step."""

from collections.abc import Callable
from typing import Any, TypeVar

import jax


_Y = TypeVar("_Y")


def rk4_step(
    field: Callable[..., _Y],
    y: _Y,
    h: Any,
    *args: Any,
    k1: _Y | None = None,
) -> _Y:
    r"""One classical fourth-order Runge-Kutta step of $y' = f(y)$, for any pytree `y`.

    $$k_1 = f(y),\quad k_2 = f(y + \tfrac{h}{2} k_1),\quad k_3 = f(y + \tfrac{h}{2} k_2),\quad
    k_4 = f(y + h k_3),\qquad y_{n+1} = y + \tfrac{h}{6}(k_1 + 2k_2 + 2k_3 + k_4).$$

    This is the integrator of every system of `SYSTEMS` (`dt / substeps` per step) and of
    `LiRinzel`; the arithmetic is written once, here, in the order above, so that all of them
    round identically.

    **Arguments:**

    - `field`: the vector field, called as `field(c, y, *args)`, where `c` is the stage's
      node (a Python float: 0, 1/2, 1/2, 1; the stage is evaluated at time $t + c h$) and
      the result has `y`'s structure. An autonomous field ignores `c`; a delay equation uses
      it to pick the delayed value at that time.
    - `y`: the state, an array or a pytree of arrays.
    - `h`: the step.
    - `*args`: passed to every call of `field`.
    - `k1`: the first stage $f(y)$, when the caller has already computed it (a delay
      equation stores it in its history); `field(0.0, y, *args)` otherwise.

    **Returns:** the state after one step, with `y`'s structure.
    """

    def shifted(c, k):
        return jax.tree.map(lambda yi, ki: yi + c * ki, y, k)

    if k1 is None:
        k1 = field(0.0, y, *args)
    k2 = field(0.5, shifted(0.5 * h, k1), *args)
    k3 = field(0.5, shifted(0.5 * h, k2), *args)
    k4 = field(1.0, shifted(h, k3), *args)
    return jax.tree.map(
        lambda yi, a, b, c, d: yi + h / 6.0 * (a + 2.0 * b + 2.0 * c + d), y, k1, k2, k3, k4
    )
