import jax
import jax.random as jr
import pytest


# Strictness (STYLE.md rule 15): no implicit rank promotion anywhere. Strict *dtype*
# promotion is applied per module (fixture below) to jaxglia's own numerics: Optax's Adam
# computes `decay ** count` with a Python float and an int32, which strict mode refuses.
jax.config.update("jax_numpy_rank_promotion", "raise")


@pytest.fixture
def strict_dtypes():
    with jax.numpy_dtype_promotion("strict"):
        yield


@pytest.fixture
def getkey():
    keys = iter(jr.split(jr.key(5678), 10_000))
    return lambda: next(keys)
