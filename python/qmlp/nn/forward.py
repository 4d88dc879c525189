"""Fast float forward pass for accuracy during training and the sweep.

Accuracy does not need bit-exact summation order, so this uses BLAS (np.matmul); the
bit-exact inference modes of infer.py use the golden models instead.
"""

from __future__ import annotations

import numpy as np


def tanh32(x: np.ndarray) -> np.ndarray:
    """tanh in float64 rounded to float32: the same on every machine (float32 SIMD tanh is not)."""
    return np.tanh(np.asarray(x, dtype=np.float64)).astype(np.float32)


def act32(name: str, x: np.ndarray) -> np.ndarray:
    """A hidden layer's activation in float64 rounded to float32 (the same on every machine)."""
    from qmlp.numerics.acts import get

    return get(name).f(x).astype(np.float32)


def logits_float(weights, biases, x: np.ndarray, acts=None, trace: bool = False):
    """Float logits; acts: the hidden layers' activations (default tanh); trace adds the hidden outputs."""
    h = np.asarray(x, dtype=np.float32)
    acts = acts if acts is not None else ("tanh",) * (len(weights) - 1)
    hs = []
    for i, w in enumerate(weights):
        h = h @ np.asarray(w, dtype=np.float32).T
        if biases is not None:
            h = h + biases[i]
        if i < len(weights) - 1:
            h = act32(acts[i], h)
            hs.append(h)
    return (h, hs) if trace else h


def hidden_float(model, x) -> list:
    """The hidden layers' float outputs of a model on x."""
    return logits_float(model.weights, model.biases, x, model.spec.acts, trace=True)[1]


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Percentage of argmax hits (argmax takes the first maximum, as the hardware does)."""
    return float(100.0 * np.mean(np.argmax(logits, axis=1) == y))


def accuracy_float(model, x, y) -> float:
    return accuracy(logits_float(model.weights, model.biases, x, model.spec.acts), y)
