"""The sparse form of the recurrent weights and fixed in-degree wiring.

Dense and sparse forms must hold exactly the same synapses, give the same spikes and (to
float rounding) the same membranes under every astrocyte model, and keep padding invisible;
fixed in-degree must give exactly K inputs per unit with the stated weight statistics.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import jaxglia


strict = pytest.mark.usefixtures("strict_dtypes")  # not for Optax's Adam (conftest.py)

MODELS = ("lif", "synaptic", "tripartite", "li-rinzel")


def parts(model: str):
    """The populations and coupling the command line builds for an astrocyte model."""
    ex = jaxglia.Experiment.from_config(jaxglia.SweepConfig(astrocyte_model=model))
    return {"neurons": ex.neurons, "astrocytes": ex.astrocytes, "tripartite": ex.coupling}


def reservoir(n, a, form, in_degree=0, capacity=None, model="lif", seed=0, **conn):
    connectivity = jaxglia.Connectivity(form=form, in_degree=in_degree, **conn)
    key = jaxglia.network_key(seed, n, a, 0)
    return jaxglia.make_reservoir(
        key, n, a, capacity=capacity, connectivity=connectivity, **parts(model)
    )


class Both(jaxglia.AbstractFeatures):
    """Membranes and outputs side by side, so one run records both."""

    def observe(self, reservoir, state, carry):
        return carry, jnp.concatenate([reservoir.membrane(state), state.outputs])


def record(res, u):
    """(membranes, outputs) of every step."""
    both = np.asarray(jaxglia.simulate(res, u, features=Both()).features)
    return both[:, : res.capacity], both[:, res.capacity :]


def drive(steps, seed=1):
    return jnp.asarray(np.random.default_rng(seed).normal(size=(steps, 3)) * 1.5, jnp.float32)


def rows(slot_major, dtype=None) -> np.ndarray:
    """A slot-major `(slots, units)` array as `(units, slots)`: row i holds unit i's inputs."""
    return np.asarray(slot_major, dtype).T


def densified(res) -> np.ndarray:
    """The sparse form's synapses summed into a matrix, independently of `Synapses.dense`."""
    pre, weight = rows(res.synapses.pre), rows(res.synapses.weight, np.float64)
    out = np.zeros((pre.shape[0], pre.shape[0]))
    np.add.at(out, (np.arange(pre.shape[0])[:, None].repeat(pre.shape[1], 1), pre), weight)
    return out


@strict
@pytest.mark.parametrize("in_degree", [0, 12])
@pytest.mark.parametrize("n, a, capacity", [(40, 25, None), (0, 30, 50), (33, 0, 64)])
def test_dense_and_sparse_hold_the_same_synapses(in_degree, n, a, capacity):
    dense = reservoir(n, a, "dense", in_degree, capacity)
    sparse = reservoir(n, a, "sparse", in_degree, capacity)
    assert dense.synapses is None and sparse.recurrent_weights is None
    w = np.asarray(dense.recurrent_weights, np.float64)
    # Every synapse of the dense matrix is in a slot, bit for bit; a multapse of the
    # in-degree wiring (a partner drawn twice) is the float32 sum of its slots.
    pre = rows(sparse.synapses.pre)
    single = np.zeros(w.shape, int)
    np.add.at(single, (np.arange(pre.shape[0])[:, None].repeat(pre.shape[1], 1), pre), 1)
    single = single <= 1
    np.testing.assert_array_equal(densified(sparse)[single], w[single])
    np.testing.assert_allclose(densified(sparse), w, rtol=1e-6, atol=0)
    np.testing.assert_array_equal(np.asarray(sparse.input_weights), np.asarray(dense.input_weights))
    if not in_degree:  # Bernoulli: one slot per synapse, nothing lost or doubled
        assert int((np.asarray(sparse.synapses.weight) != 0).sum()) == int((w != 0).sum())
        assert (w != 0).sum() > 0.05 * (n + a) ** 2


@strict
@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("in_degree", [0, 15])
def test_dense_and_sparse_give_the_same_spikes_and_membranes(model, in_degree):
    u = drive(150)
    runs = {form: record(reservoir(30, 30, form, in_degree, 70, model), u)
            for form in ("dense", "sparse")}  # fmt: skip
    (mem_d, out_d), (mem_s, out_s) = runs["dense"], runs["sparse"]
    if model == "li-rinzel":  # continuous astrocyte output: equal to float rounding
        np.testing.assert_allclose(out_s, out_d, rtol=1e-5, atol=1e-6)
        np.testing.assert_array_equal(out_s[:, :30], out_d[:, :30])  # neurons' spikes
    else:
        np.testing.assert_array_equal(out_s, out_d)
    np.testing.assert_allclose(mem_s, mem_d, rtol=1e-5, atol=1e-5)
    assert 0.01 < out_d[:, :30].mean() < 0.9  # the network is active, the test can fail


@strict
def test_sparse_tripartite_coverage_is_the_dense_one():
    # The same synapses covered by the same astrocytes: covered weights and astrocytes
    # exactly, the sensing fractions to rounding.
    dense = reservoir(40, 20, "dense", model="tripartite")
    sparse = reservoir(40, 20, "sparse", model="tripartite")
    cap = 60
    pre = rows(sparse.synapses.pre)
    post = np.arange(cap)[:, None].repeat(pre.shape[1], 1)
    cover_w = np.zeros((cap, cap))
    np.add.at(cover_w, (post, pre), rows(sparse.coverage.weights, np.float64))
    np.testing.assert_array_equal(cover_w, np.asarray(dense.coverage.weights, np.float64))
    covered = rows(sparse.coverage.weights) != 0
    astro = np.asarray(dense.coverage.astrocyte)[post[covered], pre[covered]]
    np.testing.assert_array_equal(rows(sparse.coverage.astrocyte)[covered], astro)
    counts = np.bincount(astro, minlength=cap).astype(np.float64)
    np.testing.assert_array_equal(np.asarray(sparse.coverage.counts), counts)
    assert covered.sum() > 20


@strict
@pytest.mark.parametrize("in_degree, model", [(0, "lif"), (10, "tripartite")])
def test_padding_is_invisible_in_the_sparse_form(in_degree, model):
    n, a = 25, 15
    exact = reservoir(n, a, "sparse", in_degree, model=model)
    padded = reservoir(n, a, "sparse", in_degree, capacity=97, model=model)
    # The same synapses between the same units; padding rows are empty.
    np.testing.assert_array_equal(densified(padded)[:40, :40], densified(exact))
    assert not densified(padded)[40:].any() and not densified(padded)[:, 40:].any()
    u = drive(120)
    (mem_p, out_p), (mem_e, out_e) = record(padded, u), record(exact, u)
    np.testing.assert_array_equal(out_p[:, :40], out_e)
    assert not out_p[:, 40:].any() and not mem_p[:, 40:].any()
    np.testing.assert_allclose(mem_p[:, :40], mem_e, atol=1e-5)
    assert 0.01 < out_e.mean() < 0.9


@strict
def test_fixed_in_degree_statistics():
    # Exactly K inputs per active unit, drawn uniformly from the N + A units; block b's
    # weights N(0, g_b^2 / (p n_pre)) with p = K / (N + A).
    n, a, k = 600, 300, 40
    gains = {"nn": 1.0, "na": 2.0, "an": 0.5, "aa": 1.5}
    conn = {f"gain_{b}": g for b, g in gains.items()}
    res = reservoir(n, a, "sparse", k, capacity=1000, **conn)
    pre, weight = rows(res.synapses.pre), rows(res.synapses.weight, np.float64)
    assert pre.shape == (1000, k)
    assert ((pre >= 0) & (pre < n + a))[: n + a].all()  # every slot a real synapse
    assert (weight[: n + a] != 0).all() and not weight[n + a :].any()
    from_neuron = pre[: n + a] < n
    # The share of inputs from neurons is N / (N + A) within 4 standard errors.
    share, count = from_neuron.mean(), from_neuron.size
    assert abs(share - n / (n + a)) < 4 * np.sqrt(share * (1 - share) / count)
    total = n + a
    for post, units in (("n", slice(0, n)), ("a", slice(n, n + a))):
        for pre_name, mask in (("n", from_neuron), ("a", ~from_neuron)):
            block = post + pre_name
            w = weight[units][mask[units]]
            size = n if pre_name == "n" else a
            var = gains[block] ** 2 / (k * size / total)
            assert abs(w.mean()) < 4 * np.sqrt(var / w.size), block
            assert abs(w.var() / var - 1) < 4 * np.sqrt(2 / w.size), block
    # Per unit, the summed input variance matches the Bernoulli wiring's on average.


@strict
def test_in_degree_matches_the_dense_form_built_from_it():
    # A fixed-in-degree network in dense form is a matrix whose rows hold at most K
    # synapses (fewer where a multapse repeats a partner) and whose row sums equal the
    # slots' sums.
    res = reservoir(50, 50, "dense", 8)
    w = np.asarray(res.recurrent_weights)
    assert ((w != 0).sum(axis=1) <= 8).all() and ((w != 0).sum(axis=1) >= 6).all()


@strict
def test_auto_form_and_its_errors():
    assert reservoir(100, 200, "auto").recurrent_weights is not None  # paper's sizes: dense
    assert reservoir(100, 200, "auto", in_degree=10).synapses is not None  # 10 of 300: sparse
    # At most 1/8 of the units as inputs: sparse (900 / 8 = 112.5).
    assert reservoir(300, 600, "auto", in_degree=112).synapses is not None
    assert reservoir(300, 600, "auto", in_degree=113).recurrent_weights is not None
    with pytest.raises(jaxglia.ConfigError, match="connectivity"):
        jaxglia.Connectivity(form="csr")
    with pytest.raises(ValueError, match="in_degree"):
        jaxglia.Connectivity(in_degree=-1)
    with pytest.raises(jaxglia.ConfigError, match="in_degree"):
        jaxglia.SweepConfig(in_degree=-3)


def test_readout_subset_is_padding_invariant_and_changes_what_is_read():
    cfg = jaxglia.SweepConfig(steps=400, washout=20, epochs=3, hidden=8, readout_units=12)
    exact = jaxglia.run_network(20, 10, config=cfg)
    padded = jaxglia.run_network(20, 10, config=cfg, capacity=48)
    np.testing.assert_allclose(padded["curve"], exact["curve"], rtol=1e-4)
    every = jaxglia.run_network(20, 10, config=cfg.replace(readout_units=0))
    assert not np.allclose(every["curve"], exact["curve"], rtol=1e-3)


def test_a_network_too_large_for_memory_is_refused_before_work():
    cfg = jaxglia.SweepConfig(connectivity="dense", steps=400, washout=20)
    with pytest.raises(jaxglia.ConfigError, match="GB"):
        jaxglia.run_network(2_000_000, 1, config=cfg)


def test_a_sweep_in_sparse_form_gives_the_dense_results(tmp_path):
    # Vmapped across a bucket (networks padded to one capacity), sparse and dense agree.
    cfg = jaxglia.SweepConfig(neurons=(10, 20), astrocytes=(0, 12), replicates=1, steps=300,
                              washout=20, epochs=2, hidden=8, in_degree=6)  # fmt: skip
    results = {}
    for form in ("dense", "sparse"):
        out = jaxglia.sweep(cfg.replace(connectivity=form), tmp_path / form, progress=False)
        results[form] = out.results.sort_values(["num_neurons", "num_astrocytes"])
    for column in ("final_loss", "test_nrmse", "rate_neurons", "rate_astrocytes"):
        d, s = results["dense"][column].to_numpy(), results["sparse"][column].to_numpy()
        np.testing.assert_allclose(s, d, rtol=1e-4, err_msg=column)
    assert len(results["dense"]) == 4 and (results["dense"]["status"] == "ok").all()


class SubLIF(jaxglia.LIF):
    """The same LIF under another class: the reservoir steps its populations separately."""


@strict
@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_two_lif_populations_stepped_as_one_are_bit_identical(reset):
    key = jaxglia.network_key(0, 20, 30, 0)
    runs = []
    for cls in (jaxglia.LIF, SubLIF):
        res = jaxglia.make_reservoir(key, 20, 30, capacity=60, neurons=cls(0.9, 1.0, reset),
                                     astrocytes=cls(0.99, 0.8, reset))  # fmt: skip
        runs.append(record(res, drive(100)))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    assert runs[0][1].any()


@strict
@pytest.mark.parametrize("in_degree", [0, 9])
def test_both_sparse_products_match_a_numpy_transcription(in_degree):
    # `apply` runs the slot loop on CPU and the fused gather-reduce elsewhere (GPU): both
    # formulations, called directly, against the sum over each unit's slots in float64,
    # with and without the tripartite gain.
    res = reservoir(35, 25, "sparse", in_degree, capacity=70, model="tripartite")
    syn, cover, tri = res.synapses, res.coverage, res.tripartite
    rng = np.random.default_rng(3)
    s = jnp.asarray((rng.random(70) < 0.4) & np.asarray(res.unit_mask), jnp.float32)
    trace = jnp.asarray(rng.random(70), jnp.float32)
    pre, w = rows(syn.pre), rows(syn.weight, np.float64)
    x = np.asarray(s, np.float64)[pre]  # (units, slots) presynaptic outputs
    expected = (w * x).sum(axis=1)
    for product in (syn.apply_by_slots, syn.apply_fused, syn.apply):
        np.testing.assert_allclose(np.asarray(product(s)), expected, rtol=1e-5, atol=1e-5)
    cover_w, astro = rows(cover.weights, np.float64), rows(cover.astrocyte)
    gain = float(tri.modulation) * np.asarray(trace, np.float64)[astro]
    current = ((w + cover_w * gain) * x).sum(axis=1)
    summed = np.zeros(70)
    np.add.at(summed, astro, np.where(cover_w != 0, x, 0.0))
    assert summed.sum() > 0
    for currents in (cover.currents_by_slots, cover.currents_fused, cover.currents):
        got = currents(syn, tri, s, trace)
        np.testing.assert_allclose(np.asarray(got[0]), current, rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.asarray(got[1]), summed, rtol=1e-6, atol=1e-6)


@strict
def test_the_slot_loop_stops_at_the_largest_in_degree_bit_for_bit():
    # Bernoulli rows are compacted into a static bound far in their counts' tail; the loop
    # stops after `used` slots (the largest row count). Skipping only empty slots, it is bit
    # for bit the loop over every slot, alone or vmapped beside networks that stop later.
    nets = [reservoir(n, a, "sparse", capacity=120) for n, a in ((60, 50), (20, 10), (90, 30))]
    for res in nets:
        counts = (rows(res.synapses.weight) != 0).sum(axis=1)
        assert int(res.synapses.used) == counts.max() < res.synapses.slots
    rng = np.random.default_rng(5)
    s = jnp.asarray(rng.random((3, 120)) < 0.4, jnp.float32)
    alone = [np.asarray(r.synapses.apply_by_slots(x)) for r, x in zip(nets, s)]
    every = [np.asarray(jaxglia.Synapses(r.synapses.pre, r.synapses.weight).apply_by_slots(x))
             for r, x in zip(nets, s)]  # fmt: skip
    stacked = jax.tree.map(lambda *x: jnp.stack(x), *[r.synapses for r in nets])
    batched = np.asarray(jax.vmap(jaxglia.Synapses.apply_by_slots)(stacked, s))
    for i in range(3):
        np.testing.assert_array_equal(alone[i], every[i])
        np.testing.assert_array_equal(batched[i], alone[i])
        expected = densified(nets[i]) @ np.asarray(s[i], np.float64)
        np.testing.assert_allclose(alone[i], expected, rtol=1e-5, atol=1e-5)


def test_synapses_refuse_wiring_the_gather_cannot_use():
    # The product gathers without bounds checks, so a user's own `Synapses` is checked
    # where its arrays are concrete: positions within the units, matching shapes, `used`
    # within the slots.
    pre, weight = jnp.asarray([[0, 1, 2], [2, 0, 1]]), jnp.ones((2, 3), jnp.float32)
    ok = jaxglia.Synapses(pre, weight, jnp.asarray(2))
    np.testing.assert_array_equal(np.asarray(ok.apply(jnp.asarray([1.0, 2.0, 4.0]))), [5, 3, 6])
    with pytest.raises(ValueError, match=r"positions in \[0, 3\)"):
        jaxglia.Synapses(pre.at[1, 2].set(3), weight)
    with pytest.raises(ValueError, match=r"positions in \[0, 3\)"):
        jaxglia.Synapses(pre.at[0, 0].set(-1), weight)
    with pytest.raises(ValueError, match="same"):
        jaxglia.Synapses(pre, weight[:1])
    with pytest.raises(ValueError, match=r"`Synapses.used` must lie in \[0, 2\]"):
        jaxglia.Synapses(pre, weight, jnp.asarray(3))
