"""The one tolerance the generator writes: the float32 rounding bound of Keras's own formula.

BatchNormalization, LayerNormalization and GroupNormalization evaluate, in float32,

    inv = gamma * rsqrt(var + epsilon)
    y   = x * inv + (beta - mean * inv)

When |x| is large next to the spread of x (values near 1e4 with spread 10), the two
products are ~1e3 while y is ~1: the sum cancels, and y carries the rounding of the
products. Two correct float32 evaluations that differ only in rounding (a last-bit
different mean, variance or rsqrt, which is what separates Keras's own backends) can
then disagree by a few units in the last place of the products, however exact each
step is. With u = 2^-24 (float32's unit roundoff) each evaluation is within
2u·(|x·inv| + |mean·inv|) of exact arithmetic on its own mean and inv, so two of them
agree within

    atol = 4u · max over elements (|x·inv| + |mean·inv|).

The generator computes this bound from the case's own input and weights (float64
numpy, magnitudes only; gamma enters as max|gamma|) and writes it as the case's `atol`
only where it exceeds float32's default atol (1e-5): that is, only where Keras's formula
loses digits to cancellation. No other case carries a tolerance.
"""

import numpy as np

UNIT_ROUNDOFF = 2.0 ** -24
DEFAULT_ATOL = 1e-5


def _axes(value, ndim):
    axes = [value] if isinstance(value, int) else list(value)
    return tuple(sorted(a % ndim for a in axes))


def _statistics(layer, config, x, weights, call, mask):
    """(x, [(mean, var)]) broadcastable against x: the statistics Keras normalizes with."""
    if layer == "BatchNormalization":
        axis = config["axis"] % x.ndim
        reduced = tuple(i for i in range(x.ndim) if i != axis)
        if call.get("training") and config.get("trainable", True):
            # Batch statistics; a mask (rank - 1) gets its missing axis at -1, as in Keras.
            keep = np.ones_like(x) if mask is None else np.broadcast_to(mask[..., None], x.shape).astype(np.float64)
            count = keep.sum(reduced, keepdims=True) + 1e-7
            mean = (x * keep).sum(reduced, keepdims=True) / count
            var = (((x - mean) ** 2) * keep).sum(reduced, keepdims=True) / count
            return x, [(mean, var)]
        shape = [1] * x.ndim
        shape[axis] = x.shape[axis]
        return x, [(weights["moving_mean"].reshape(shape), weights["moving_variance"].reshape(shape))]
    if layer == "LayerNormalization":
        if config.get("rms_scaling"):
            return x, []  # no centring, no cancellation
        reduced = _axes(config["axis"], x.ndim)
        return x, [(x.mean(reduced, keepdims=True), x.var(reduced, keepdims=True))]
    if layer == "GroupNormalization":
        moved = np.moveaxis(x, config["axis"] % x.ndim, -1)
        channels = moved.shape[-1]
        groups = channels if config["groups"] == -1 else config["groups"]
        grouped = moved.reshape(moved.shape[:-1] + (groups, channels // groups))
        reduced = tuple(range(1, grouped.ndim - 2)) + (grouped.ndim - 1,)
        mean = np.broadcast_to(grouped.mean(reduced, keepdims=True), grouped.shape).reshape(moved.shape)
        var = np.broadcast_to(grouped.var(reduced, keepdims=True), grouped.shape).reshape(moved.shape)
        return moved, [(mean, var)]
    return x, []


def cancellation_atol(layer, config, x, weights, call, mask=None):
    """The case's atol by the rule above, or None when the default suffices."""
    if x.dtype != np.float32:
        return None
    weights = {name: np.asarray(value, dtype=np.float64) for name, value in weights}
    x, candidates = _statistics(layer, config, np.asarray(x, dtype=np.float64), weights, call, mask)
    gamma = float(np.max(np.abs(weights["gamma"]))) if "gamma" in weights else 1.0
    bound = 0.0
    with np.errstate(invalid="ignore", divide="ignore"):
        for mean, var in candidates:
            inv = gamma / np.sqrt(var + config["epsilon"])
            magnitude = np.abs(x * inv) + np.abs(mean * inv)
            magnitude = magnitude[np.isfinite(magnitude)]
            if magnitude.size:
                bound = max(bound, float(magnitude.max()))
    atol = 4 * UNIT_ROUNDOFF * bound
    return atol if atol > DEFAULT_ATOL else None
