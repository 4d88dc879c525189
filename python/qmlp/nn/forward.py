"""Fast float forward pass for accuracy during training and the sweep.

Accuracy does not need bit-exact summation order, so this uses BLAS (np.matmul); the
bit-exact inference modes of infer.py use the golden models instead.
"""

from __future__ import annotations

import numpy as np


def tanh32(x: np.ndarray) -> np.ndarray:
    """tanh in float64 rounded to float32: the same on every machine (float32 SIMD tanh is not)."""
    return np.tanh(np.asarray(x, dtype=np.float64)).astype(np.float32)


def logits_float(weights, biases, x: np.ndarray) -> np.ndarray:
    h = np.asarray(x, dtype=np.float32)
    for i, w in enumerate(weights):
        h = h @ np.asarray(w, dtype=np.float32).T
        if biases is not None:
            h = h + biases[i]
        if i < len(weights) - 1:
            h = tanh32(h)
    return h


def accuracy(logits: np.ndarray, y: np.ndarray) -> float:
    """Percentage of argmax hits (argmax takes the first maximum, as the hardware does)."""
    return float(100.0 * np.mean(np.argmax(logits, axis=1) == y))


def accuracy_float(model, x, y) -> float:
    return accuracy(logits_float(model.weights, model.biases, x), y)
