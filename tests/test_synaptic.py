"""The second-order ("synaptic") astrocyte model: snnTorch `Synaptic` semantics."""

import jax
import jax.lax as lax
import jax.numpy as jnp
import numpy as np
import pytest
from helpers import numpy_synaptic, tiny_config

import jaxglia


def run(population, currents):
    currents = jnp.asarray(currents, jnp.float32)

    def body(state, current):
        state, spikes = population.step(state, current)
        return state, (population.membrane(state), spikes)

    _, (membrane, spikes) = lax.scan(body, population.init_state(currents.shape[1]), currents)
    return np.asarray(membrane), np.asarray(spikes)


@pytest.mark.usefixtures("strict_dtypes")
@pytest.mark.parametrize("reset", ["subtract", "zero", "none"])
def test_matches_numpy_transcription_of_snntorch_synaptic(reset, getkey):
    currents = np.asarray(jax.random.uniform(getkey(), (300, 30), minval=-0.3, maxval=0.6))
    pop = jaxglia.SynapticLIF(alpha=0.8, beta=0.9, threshold=1.0, reset=reset)
    membrane, spikes = run(pop, currents)
    ref_membrane, ref_spikes = numpy_synaptic(currents, 0.8, 0.9, 1.0, reset)
    np.testing.assert_allclose(membrane, ref_membrane, rtol=1e-5, atol=1e-5)
    assert (spikes == ref_spikes).all() and spikes.any()


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_matches_snntorch_itself_when_installed(reset, getkey):
    torch = pytest.importorskip("torch")
    snn = pytest.importorskip("snntorch")
    currents = np.asarray(jax.random.uniform(getkey(), (200, 10), minval=-0.3, maxval=0.6))
    layer = snn.Synaptic(alpha=0.8, beta=0.9, threshold=1.0, reset_mechanism=reset)
    syn = torch.zeros(10)
    mem = torch.zeros(10)
    mems = []
    with torch.no_grad():
        for current in torch.as_tensor(currents):
            _, syn, mem = layer(current, syn, mem)
            mems.append(mem.numpy().copy())
    membrane, _ = run(jaxglia.SynapticLIF(alpha=0.8, beta=0.9, reset=reset), currents)
    np.testing.assert_allclose(membrane, np.stack(mems), rtol=1e-5, atol=1e-5)


def test_closed_form_without_spikes():
    # Constant input c, no threshold crossing: syn_t = c (1 - a^t)/(1 - a) and
    # U_t = sum_k b^(t-k) syn_k, the discrete double-exponential response.
    a, b, c, steps = 0.8, 0.95, 0.01, 100
    membrane, spikes = run(jaxglia.SynapticLIF(alpha=a, beta=b, threshold=1e9),
                           np.full((steps, 1), c))  # fmt: skip
    syn = c * (1 - a ** np.arange(1, steps + 1)) / (1 - a)
    expected = np.array([sum(b ** (t - k) * syn[k] for k in range(t + 1)) for t in range(steps)])
    np.testing.assert_allclose(membrane[:, 0], expected, rtol=1e-5)
    assert not spikes.any()


def test_invalid_parameters():
    with pytest.raises(ValueError, match="alpha"):
        jaxglia.SynapticLIF(alpha=1.5)
    with pytest.raises(ValueError, match="threshold"):
        jaxglia.SynapticLIF(threshold=-1.0)


def test_synaptic_astrocytes_in_a_padded_sweep():
    # The model runs inside the batched, padded sweep with the same invariance as the slow
    # LIF: a network alone equals the same network inside the grid (float rounding).
    cfg = tiny_config(neurons=(0, 8), astrocytes=(8, 24), replicates=1, astrocyte_model="synaptic",
                      alpha_astrocytes=0.7)  # fmt: skip
    table = jaxglia.sweep(cfg, progress=False, log=lambda m: None).results
    assert (table.status == "ok").all()
    default = jaxglia.sweep(cfg.replace(astrocyte_model="lif"), progress=False,
                            log=lambda m: None).results  # fmt: skip
    assert not np.allclose(table.test_nrmse, default.test_nrmse)  # the model matters
    alone = jaxglia.run_network(8, 24, config=cfg)
    row = table[(table.num_neurons == 8) & (table.num_astrocytes == 24)].iloc[0]
    for metric in ("learning_rate", "test_nrmse", "rate_astrocytes"):
        assert float(row[metric]) == pytest.approx(alone[metric], rel=1e-4, abs=1e-6)
