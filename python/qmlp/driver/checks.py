"""The driver's checks at the door: every public call validates its arguments here before any
register or DMA access (shape, dtype, range, emptiness), and the images' int8 codes the hardware
takes. Errors are DriverError, one line naming the argument and the fix."""

from __future__ import annotations

import numpy as np

from qmlp.errors import QmlpError


class DriverError(QmlpError):
    """The hardware (or its simulation) reported an error, or its answer failed a check."""


def check_int(name: str, value, lo: int, hi: int | None = None, hint: str = "") -> int:
    """value as an int in lo..hi, or a DriverError naming the argument (bool is not an integer)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise DriverError(f"{name}={value!r} is not an integer" + (f": {hint}" if hint else ""))
    v = int(value)
    if v < lo or (hi is not None and v > hi):
        rng = f"at least {lo}" if hi is None else f"{lo}..{hi}"
        raise DriverError(f"{name}={v} is out of range: {rng}" + (f" ({hint})" if hint else ""))
    return v


def check_seconds(name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DriverError(f"{name}={value!r} is not a number of seconds")
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise DriverError(f"{name}={v:g}: a positive, finite number of seconds")
    return v


def check_array(name: str, value, kinds: str = "iuf") -> np.ndarray:
    """np.asarray(value) whose dtype kind is one of `kinds` (i signed, u unsigned, f float)."""
    try:
        x = np.asarray(value)
    except (ValueError, TypeError) as e:     # a ragged nested list, say
        raise DriverError(f"{name} is not an array of numbers ({e})") from None
    if x.dtype.kind not in kinds:
        want = {"i": "signed integers", "u": "unsigned integers", "f": "floats"}
        raise DriverError(f"{name} has dtype {x.dtype}; expected {' or '.join(want[k] for k in kinds)}")
    return x


def input_codes(images, inputs: int, input_kind: str | None = None, fl_in: int = 7) -> np.ndarray:
    """The int8 Q(8, fl_in) codes the hardware takes, N x inputs: uint8 pixels -> quantize(pixel /
    255, 8, fl_in), float features -> quantize(x, 8, fl_in) (qmlp.numerics.intnet.inputs_to_codes),
    int8 codes as they are. The door of predict(): N x inputs, or N x H x W with H = W and H*W =
    inputs (square images); N >= 1; uint8, int8 or (for a "float" network) finite floats within
    the format's range. Anything else is a DriverError saying what was expected."""
    from qmlp.numerics import fixedpoint as fx

    x = check_array("images", images, "iuf")
    shape = tuple(x.shape)
    want = (f"images must be N x {inputs}, or N x H x W square images with H*W = {inputs}, N >= 1: the network "
            f"has {inputs} inputs; got shape {shape}")
    if x.ndim == 3 and x.shape[1] == x.shape[2] and x.shape[1] * x.shape[2] == inputs:
        x = x.reshape(len(x), inputs)
    elif x.ndim == 3 and x.shape[1] * x.shape[2] == inputs:
        raise DriverError(want + f" (not square: flatten them yourself, x.reshape(len(x), {inputs}), if that "
                                 "order is the one the model was trained on)")
    if x.ndim == 1 and len(x) == inputs:
        raise DriverError(want + " (one image: images[None])")
    if x.ndim != 2 or x.shape[1] != inputs:
        raise DriverError(want)
    if len(x) == 0:
        raise DriverError(f"images is empty ({shape}): give at least one image")
    if x.dtype == np.int8:
        return x
    if x.dtype == np.uint8:
        if input_kind == "float":
            raise DriverError("this network takes float features in [-1, 1] (its spec's input_kind is 'float'); "
                              "got uint8 pixels")
        v = x.astype(np.float64) / 255.0
    elif x.dtype.kind == "f":
        if input_kind != "float":
            raise DriverError(f"got {x.dtype} features, but the network takes uint8 pixels or int8 codes"
                              + ("" if input_kind else " (give model=<ROM manifest> whose spec says input_kind "
                                                       "'float', or input_kind='float')"))
        v = x.astype(np.float64)
        bad = ~np.isfinite(v)
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise DriverError(f"images[{i[0]}, {i[1]}] is {v[i]}: features must be finite")
        lim = 2.0 ** (7 - fl_in)                  # Q(8, fl_in) spans [-lim, lim): lim itself saturates
        out = np.abs(v) > lim
        if out.any():
            i = tuple(int(j) for j in np.argwhere(out)[0])
            raise DriverError(f"images[{i[0]}, {i[1]}] = {v[i]:g} is outside [-{lim:g}, {lim:g}], the range of the "
                              f"network's Q(8, {fl_in}) inputs: scale the features as the model was trained")
    else:
        raise DriverError(f"images must be uint8 pixels, int8 Q(8, {fl_in}) codes or float features; got dtype "
                          f"{x.dtype}")
    try:
        return fx.to_codes(v, 8, fl_in, "images").astype(np.int8)
    except QmlpError as e:
        raise DriverError(str(e)) from None


def pixel_codes(images, inputs: int | None = None) -> np.ndarray:
    """uint8 pixels or int8 codes, N x inputs (default: as many as the images have) -> int8 codes."""
    x = check_array("images", images, "iuf")
    n = int(np.prod(x.shape[1:])) if x.ndim >= 2 else x.size
    return input_codes(x, inputs if inputs is not None else n, "u8")
