"""The design space: the bit widths searched, and per bit width the candidates worth a synthesis.

FINN's folding rule balances the layers: for a target interval T every layer gets the cheapest
folding with at most T cycles, per MAC style (a layer faster than the slowest only costs area).
Of the style mixes at T, `plan` keeps the one the cost model finds most comfortable, if the
model places it within a margin of the fit rule.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import product

from qmlp import lines, params
from qmlp.errors import QmlpError
from qmlp.flow.dse.device import XC7, Device
from qmlp.flow.dse.model import (BASE_FF, BASE_LUT, MARGIN, Candidate, LayerPoint, divisors, dsp_of,
                                 input_bits, input_bound, layer_cycles, logit_bound, mac_styles, nearest,
                                 style_ok, total)
from qmlp.spec import LAB, NetSpec

# The bit widths searched by default: the BENCH line's (SPEC 3, qmlp.lines), the one list of
# them. A name is wXaY: X weight bits per layer, Y activation bits per hidden layer.
BIT_NAMES = lines.BENCH_WIDTHS
# the cycles per image the search aims for at each (report.md's winners table)
BENCH_TARGETS = dict(zip(BIT_NAMES, (256, 128, 64)))


def bit_widths(spec: NetSpec = LAB, names=BIT_NAMES) -> tuple:
    """(name, wbits per layer, abits per hidden layer) of each `wXaY` name, for a network."""
    out = []
    for name in names:
        try:
            w, a = name[1:].split("a")
            wb, ab = int(w), int(a)
        except ValueError:
            raise QmlpError(f"--bits {name}: a bit width is wXaY, e.g. w8a8, w4a4, w2a2") from None
        if wb not in params.BITS or ab not in params.BITS:
            raise QmlpError(f"--bits {name}: weight and activation bits are each one of "
                            f"{', '.join(map(str, params.BITS))}")
        out.append((name, (wb,) * spec.n_layers, (ab,) * (spec.n_layers - 1)))
    return tuple(out)


BIT_WIDTHS = bit_widths(LAB)
# qmlp report's points (quantization-aware training, then Verilator and Yosys): on the lab's
# network the searched widths and one mixed point, on another network the searched widths
LAB_POINTS = BIT_WIDTHS + (("w828a88", (8, 2, 8), (8, 8)),)


def bit_points(spec: NetSpec = LAB) -> tuple:
    """The report's bit points of a network: (name, wbits per layer, abits per hidden layer)."""
    return LAB_POINTS if spec.shapes == LAB.shapes else bit_widths(spec)


# ----------------------------------------------------------------------------- foldings

def layer_options(k: int, n: int, wb: int, ab: int, styles=None) -> dict[str, list[LayerPoint]]:
    """Per style, every legal (PE, SIMD) of a layer: PE | N, SIMD | K, at least 2 cycles."""
    return {s: list(o) for s, o in _layer_options(k, n, wb, ab, tuple(styles) if styles else None).items()}


@lru_cache(maxsize=256)
def _layer_options(k: int, n: int, wb: int, ab: int, styles) -> dict[str, tuple]:
    # the same for every interval `balanced` tries: listed once
    out = {}
    for style in styles or mac_styles():
        opts = []
        for pe in divisors(n):
            if not style_ok(style, pe, wb):
                continue
            for simd in divisors(k):
                if layer_cycles(k, n, pe, simd) >= 2:
                    opts.append(LayerPoint(k, n, pe, simd, style, wb, ab))
        if opts:
            out[style] = tuple(opts)
    return out


def cheapest(opts: list[LayerPoint], t: int, hidden: bool, fits_t=None) -> LayerPoint | None:
    """The folding of a layer with at most t cycles and the fewest products, then the smallest
    estimate summed over the resources (not the largest share: two foldings with the same DSP
    count tie on that, whatever their LUTs; PE=64 SIMD=2 has 32 times the accumulators and
    activation tables of PE=2 SIMD=64), then the smaller SIMD (a shallower adder tree).
    fits_t(o): the folding's own slot bounds are within t too (the first layer's input slots,
    the last layer's logit slots: model.interval_bounds)."""
    ok = [o for o in opts if o.cycles <= t and (fits_t is None or fits_t(o))]
    if not ok:
        return None
    return min(ok, key=lambda o: (o.macs, total(_alone(o, hidden)), o.simd, o.pe))


def _alone(l: LayerPoint, hidden: bool) -> dict:
    e = l.estimate(hidden)
    return {**e, "lut": e["lut"] + BASE_LUT, "ff": e["ff"] + BASE_FF}


def intervals(spec: NetSpec = LAB) -> list[int]:
    """Every image interval T some layer folding reaches exactly, fastest first; and every
    interval from the output stream's N + 5 to 2 (N + 16), where the slots bound the interval
    (model.interval_bounds: the logit slots' (DEPTH_L + WR_ST_L + N + 6) / 2 with WR_ST_L up to
    16, the activation slots' WR_ST + 2) and so a folding can run at a figure that is no layer's
    cycles (22-16-3 at PE=2,3 SIMD=22,8: layers 8 and 2, measured 10)."""
    n = spec.classes
    ts = set(range(n + 5, 2 * (n + 16) + 1))
    for k, n in spec.shapes:
        for pe in divisors(n):
            for simd in divisors(k):
                c = layer_cycles(k, n, pe, simd)
                if c >= 2:
                    ts.add(c)
    return sorted(ts)


def balanced(wbits, abits, t: int, styles=None, spec: NetSpec = LAB, device: Device = XC7) -> list[Candidate]:
    """Every style mix at interval t: per layer and style the cheapest folding within t cycles
    (FINN's rule: every layer as close to t as its divisors allow) whose own slot bounds are
    within t too (model.interval_bounds), the interval (`Candidate.cycles_per_image`: the slowest
    layer or the slots between layers) exactly t, and the buffers' rule kept (a layer's PE and
    the next one's SIMD: one divides the other). Sorted by the analytic utilization on the device, lowest first."""
    ain = input_bits(spec, abits)
    n_l = spec.n_layers
    per_layer = []
    def fits_t(i: int):
        # the slot bounds of one layer alone: at fast intervals the first layer's input slots want
        # fewer beats per image (a larger SIMD1), the last layer's logit slots a shorter DEPTH_L
        def ok(o: LayerPoint) -> bool:
            return ((i > 0 or nearest(input_bound(o)) <= t)
                    and (i < n_l - 1 or nearest(logit_bound(o, spec.classes)) <= t))
        return ok

    for i, (k, n) in enumerate(spec.shapes):
        opts = layer_options(k, n, wbits[i], ain[i], styles)
        picks = [c for c in (cheapest(o, t, i < n_l - 1, fits_t(i)) for o in opts.values()) if c is not None]
        if not picks:
            return []
        per_layer.append(picks)
    out = []
    for combo in product(*per_layer):
        c = Candidate(tuple(l.pe for l in combo), tuple(l.simd for l in combo), tuple(l.mac for l in combo),
                      tuple(wbits), tuple(abits), spec)
        if c.cycles_per_image != t:
            continue
        try:
            params.check_accel(c.pe, c.simd, spec)
        except QmlpError:
            continue
        out.append(c)
    # Mixed layers only past the DSP bound: when no pure style mix of this interval fits the
    # device's DSP blocks (where one does, it needs far fewer LUTs than a mix that moves PEs of
    # a one-product-per-DSP style into LUTs).
    if (styles is None or "lut" in styles) and all(device.estimate(c)["dsp"] > device.fit["dsp"] for c in out):
        out += [m for m in (mixed(c, device) for c in list(out)) if m is not None]
    return sorted(set(out), key=lambda c: (device.score(device.estimate(c)), c.macs, c.mac))


def mixed(c: Candidate, device: Device = XC7) -> Candidate | None:
    """The candidate with just enough of its PEs moved into LUT multipliers (--LUTPE) that its
    DSP blocks fit the device (the xc7z020's 220 DSP48E1 by default), or None when it fits already
    or cannot. PEs leave a layer from its end, two at a time in dsp2 (its pairs), one in dsp;
    layers whose products are in LUTs anyway are left alone. Every share of the layer with the
    most DSP blocks is tried, the other layers then giving up PEs finest step first; of the
    mixes that fit, the one with the fewest estimated LUTs (lut_per_product of the lut style),
    if the model says it fits the device."""
    n = len(c.pe)
    layers = c.layers()
    limit = device.fit["dsp"]
    if device is XC7:
        def layer_dsp(i: int, lp: int) -> int:
            return dsp_of(c.mac[i], c.pe[i] - lp, c.simd[i], c.wbits[i], layers[i].ab)
    else:
        @lru_cache(maxsize=None)
        def layer_dsp(i: int, lp: int) -> int:
            # the device's count of layer i alone: every other layer's PEs in LUTs
            others = tuple(lp if j == i else c.pe[j] for j in range(n))
            return device.estimate(Candidate(c.pe, c.simd, c.mac, c.wbits, c.abits, c.spec, others))["dsp"]
    movable = [i for i in range(n) if c.mac[i] in ("dsp", "dsp2") and layer_dsp(i, 0) > 0]
    fixed = sum(layer_dsp(i, 0) for i in range(n) if i not in movable)
    if not movable or fixed + sum(layer_dsp(i, 0) for i in movable) <= limit:
        return None
    step = {i: 2 if c.mac[i] == "dsp2" else 1 for i in movable}
    top = max(movable, key=lambda i: layer_dsp(i, 0))
    rest = sorted((i for i in movable if i != top), key=lambda i: step[i] * c.simd[i])
    best, best_lut = None, None
    for first in range(0, c.pe[top] + 1, step[top]):
        lut = [0] * n
        lut[top] = first
        for i in rest:
            while lut[i] + step[i] <= c.pe[i] and fixed + sum(layer_dsp(j, lut[j]) for j in movable) > limit:
                lut[i] += step[i]
        if fixed + sum(layer_dsp(j, lut[j]) for j in movable) > limit:
            continue
        cur = Candidate(c.pe, c.simd, c.mac, c.wbits, c.abits, c.spec, tuple(lut))
        est = cur.estimate()["lut"]
        if best is None or est < best_lut:
            best, best_lut = cur, est
    # A mixed point is offered only when the model says it fits outright (not within the margin
    # that pure points get): its LUTs are most of the device, and a search budget spent on
    # mixed points that cannot fit would leave a bit width without a winner.
    if best is None or not device.fits(device.estimate(best)):
        return None
    return best


def plan(wbits, abits, styles=None, margin: float = MARGIN, spec: NetSpec = LAB,
         device: Device | None = None) -> list[Candidate]:
    """The plausible candidates of one bit width, fastest first: per interval the plausible
    style mix with the lowest analytic utilization on the device (default the xc7z020)."""
    return list(_plan(tuple(wbits), tuple(abits), tuple(styles) if styles else None, margin, spec, device or XC7))


@lru_cache(maxsize=64)
def _plan(wbits, abits, styles, margin, spec, device: Device) -> tuple:
    out = []
    for t in intervals(spec):
        mixes = [c for c in balanced(wbits, abits, t, styles, spec, device)
                 if device.plausible(device.estimate(c), margin)]
        if mixes:
            out.append(mixes[0])
    return tuple(out)


def meeting(wbits, abits, max_cycles: int, styles=None, margin: float = MARGIN, spec: NetSpec = LAB,
            device: Device | None = None) -> list[Candidate]:
    """The plausible candidates of one bit width that take at most `max_cycles` per image (a
    throughput target: clock / images per second), smallest first: fewest estimated LUTs, then
    DSP blocks, then the faster (more throughput to spare at the same cost).
    Every style mix of every interval within the target, not only the most comfortable one."""
    device = device or XC7
    out = []
    for t in intervals(spec):
        if t > max_cycles:
            break
        out += [c for c in balanced(wbits, abits, t, styles, spec, device)
                if device.plausible(device.estimate(c), margin)]
    est = {c: device.estimate(c) for c in set(out)}
    return sorted(est, key=lambda c: (est[c]["lut"], est[c]["dsp"], c.cycles_per_image, c.mac))

