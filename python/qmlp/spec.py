"""The network spec: what an MLP is, as data every stage reads.

A network is its input size and, per layer, its width (outputs), activation and whether it has
a bias. The last layer has no activation: its int32 accumulators are the logits, its width the
number of classes. The spec travels in every float model, quantized model and ROM manifest (as
JSON) and is the only place a topology is written down; the lab's 784-128-64-10 tanh network
(`LAB`) is the default, not a special case.

This module is the lowest stage of qmlp: it imports nothing of qmlp but the error type, so
every stage (numerics, nn, hw, eda, driver, flow) may import it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from qmlp.errors import QmlpError

# Activation words of a hidden layer (qmlp.numerics.acts holds what each computes).
ACTIVATIONS = ("tanh", "relu", "hardtanh", "sigmoid", "identity")
# What the network's inputs are: "u8" pixels 0..255 (scaled to [0, 1]), or "float" features
# already in [-1, 1]. Either way the hardware takes Q(8, 7) codes of the scaled value.
INPUT_KINDS = ("u8", "float")
MAX_CLASSES = 256
MAX_WIDTH = 65536
MAX_LAYERS = 16


@dataclass(frozen=True)
class LayerSpec:
    width: int                 # outputs of the layer
    act: str | None            # activation word; None for the last layer (logits)
    bias: bool = False


@dataclass(frozen=True)
class NetSpec:
    inputs: int
    layers: tuple[LayerSpec, ...]
    input_kind: str = "u8"

    def __post_init__(self):
        object.__setattr__(self, "layers", tuple(self.layers))
        self.check()

    # ------------------------------------------------------------------ views
    @property
    def n_layers(self) -> int:
        return len(self.layers)

    @property
    def classes(self) -> int:
        return self.layers[-1].width

    @property
    def widths(self) -> tuple[int, ...]:
        """(inputs, width of layer 1, ..., classes)."""
        return (self.inputs,) + tuple(l.width for l in self.layers)

    @property
    def shapes(self) -> list[tuple[int, int]]:
        """Per layer (K inputs, N outputs)."""
        w = self.widths
        return [(w[i], w[i + 1]) for i in range(self.n_layers)]

    @property
    def acts(self) -> tuple[str, ...]:
        """The hidden layers' activations."""
        return tuple(l.act for l in self.layers[:-1])

    @property
    def biases(self) -> tuple[bool, ...]:
        return tuple(l.bias for l in self.layers)

    @property
    def has_bias(self) -> bool:
        return any(self.biases)

    @property
    def names(self) -> tuple[str, ...]:
        """fc1, fc2, ...: the layers' names in model archives and ROM files."""
        return tuple(f"fc{i + 1}" for i in range(self.n_layers))

    @property
    def macs(self) -> int:
        return sum(k * n for k, n in self.shapes)

    def describe(self) -> str:
        """784-128-64-10 tanh (or 784-64-10 relu,bias)."""
        acts = sorted(set(self.acts))
        a = ",".join(self.acts) if len(acts) > 1 else (acts[0] if acts else "linear")
        b = " bias" if all(self.biases) else (" bias=" + "".join("1" if x else "0" for x in self.biases)
                                               if self.has_bias else "")
        return "-".join(map(str, self.widths)) + f" {a}{b}" + ("" if self.input_kind == "u8" else " float-in")

    # ------------------------------------------------------------------ checks
    def check(self) -> None:
        if not isinstance(self.inputs, int) or isinstance(self.inputs, bool) or not 1 <= self.inputs <= MAX_WIDTH:
            raise QmlpError(f"network spec: {self.inputs!r} inputs; need an integer 1..{MAX_WIDTH}")
        if not 1 <= len(self.layers) <= MAX_LAYERS:
            raise QmlpError(f"network spec: {len(self.layers)} layers; need 1..{MAX_LAYERS} (--layers lists the input "
                            "size, then each layer's width: 784,128,64,10)")
        if self.input_kind not in INPUT_KINDS:
            raise QmlpError(f"network spec: input kind {self.input_kind!r}; one of {', '.join(INPUT_KINDS)}")
        for i, l in enumerate(self.layers):
            if not isinstance(l.width, int) or isinstance(l.width, bool) or not 1 <= l.width <= MAX_WIDTH:
                raise QmlpError(f"network spec: layer {i + 1} has width {l.width!r}; need an integer 1..{MAX_WIDTH}")
            last = i == len(self.layers) - 1
            if last and l.act is not None:
                raise QmlpError(f"network spec: the last layer has activation {l.act!r}; it has none (its int32 "
                                "accumulators are the logits)")
            if not last and l.act not in ACTIVATIONS:
                raise QmlpError(f"network spec: layer {i + 1} has activation {l.act!r}; one of {', '.join(ACTIVATIONS)}")
            if not isinstance(l.bias, bool):
                raise QmlpError(f"network spec: layer {i + 1} bias flag {l.bias!r} is not true or false")
        if self.classes < 2 or self.classes > MAX_CLASSES:
            raise QmlpError(f"network spec: {self.classes} classes (the last layer's width); need 2..{MAX_CLASSES}")

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict:
        return {"inputs": self.inputs, "input_kind": self.input_kind,
                "layers": [{"width": l.width, "act": l.act, "bias": l.bias} for l in self.layers]}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @staticmethod
    def from_dict(d, what: str = "network spec") -> "NetSpec":
        try:
            layers = tuple(LayerSpec(int(l["width"]) if _is_int(l["width"]) else l["width"], l.get("act"),
                                     l.get("bias", False)) for l in d["layers"])
            return NetSpec(int(d["inputs"]) if _is_int(d["inputs"]) else d["inputs"], layers,
                           d.get("input_kind", "u8"))
        except QmlpError as e:
            raise QmlpError(f"{what}: {e}") from None
        except (KeyError, TypeError, AttributeError) as e:
            raise QmlpError(f"{what}: not a network spec ({e.__class__.__name__}: {e})") from None

    @staticmethod
    def from_json(text: str, what: str = "network spec") -> "NetSpec":
        try:
            d = json.loads(text)
        except ValueError as e:
            raise QmlpError(f"{what}: not JSON ({e})") from None
        return NetSpec.from_dict(d, what)

    def check_shapes(self, weights, biases=None, what: str = "model") -> None:
        """Weight matrices (out x in) and biases against the spec; a mismatch names the layer."""
        if len(weights) != self.n_layers:
            raise QmlpError(f"{what}: its spec ({self.describe()}) has {self.n_layers} layers, but it holds "
                            f"{len(weights)} weight matrices")
        for i, ((k, n), w) in enumerate(zip(self.shapes, weights)):
            if tuple(w.shape) != (n, k):
                raise QmlpError(f"{what}: fc{i + 1} weights have shape {tuple(w.shape)}, but its spec "
                                f"({self.describe()}) says layer {i + 1} is {k} inputs -> {n} outputs ({n}, {k})")
        if biases is not None:
            if len(biases) != self.n_layers:
                raise QmlpError(f"{what}: {len(biases)} bias vectors for {self.n_layers} layers")
            for i, ((k, n), b) in enumerate(zip(self.shapes, biases)):
                if tuple(b.shape) != (n,):
                    raise QmlpError(f"{what}: fc{i + 1} bias has shape {tuple(b.shape)}, expected ({n},)")


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


LAB = NetSpec(784, (LayerSpec(128, "tanh"), LayerSpec(64, "tanh"), LayerSpec(10, None)))


def per_layer(values, n: int, what: str, unit: str = "layers") -> tuple:
    """One value for every layer, or exactly n values: the one rule of every per-layer option
    (--PE, --SIMD, --WBITS, --ABITS, --MAC, --act, --wbits, --abits)."""
    vals = tuple(values) if isinstance(values, (list, tuple)) else (values,)
    if len(vals) == 1:
        return vals * n
    if len(vals) != n:
        raise QmlpError(f"{what}: {len(vals)} values, but the model has {n} {unit}: give one value (for every "
                        f"{unit[:-1]}) or {n}")
    return vals


def make(widths, acts="tanh", bias: bool | list = False, input_kind: str = "u8") -> NetSpec:
    """A spec from --layers (input size, then widths), --act (one or one per hidden layer), --bias."""
    widths = [int(w) for w in widths]
    if len(widths) < 2:
        raise QmlpError(f"--layers={','.join(map(str, widths))}: give the input size and at least one layer width "
                        "(the last is the number of classes), e.g. --layers 784,128,64,10")
    for w in widths:
        if w < 1:
            raise QmlpError(f"--layers={','.join(map(str, widths))}: a width of {w}; every width must be at least 1")
    hidden = len(widths) - 2
    if isinstance(acts, str):
        acts = acts.split(",")
    acts = [a.strip() for a in acts]
    bad = [a for a in acts if a not in ACTIVATIONS]
    if bad:
        raise QmlpError(f"--act={','.join(acts)}: {bad[0]!r} is not an activation; use {', '.join(ACTIVATIONS)}")
    if hidden == 0:
        acts = []
    else:
        acts = list(per_layer(acts, hidden, f"--act={','.join(acts)}", "hidden layers"))
    biases = per_layer(bias, len(widths) - 1, "--bias")
    layers = [LayerSpec(widths[i + 1], acts[i] if i < hidden else None, bool(biases[i]))
              for i in range(len(widths) - 1)]
    return NetSpec(widths[0], tuple(layers), input_kind)


def default_spec_for(shapes: list[tuple[int, int]], has_bias: bool) -> NetSpec:
    """The spec of an archive written before specs existed: tanh hidden layers, as qmlp trained them."""
    widths = [shapes[0][1]] + [s[0] for s in shapes]
    return make(widths, "tanh", has_bias)
