"""The accelerator's design-space search: PE, SIMD and MAC style per layer, at each bit width.

Design points are FuseSoC parameters of qmlp:accel:mlp (--PE, --SIMD, --MAC per layer, --WBITS,
--ABITS, --MODEL). The search, per bit width (w8a8, w4a4, w2a2):

1. Balance (FINN's folding rule). Layer l takes (N_l/PE_l) * (K_l/SIMD_l) cycles per image
   (PE_l | N_l, SIMD_l | K_l) and an image takes the slowest layer's cycles. For a target
   interval T every layer gets the cheapest folding with at most T cycles, per MAC style: a
   faster layer than the slowest only costs area.
2. Prune with an analytic model (`estimate`): DSP48E1s per style (dsp one product each, dsp2
   two, lut none), LUTs per product by style and bits, and the weight ROM in BRAM18 by its
   depth and width. Only candidates the model places within a margin of the xc7z020 fit rule
   are synthesized; per T the style mix the model finds most comfortable is tried.
3. Yosys (`synth`, the real `fusesoc run --target synth qmlp:accel:mlp ...`) for the fastest
   plausible candidates of each bit width, two at a time, until one fits; then a few slower
   points for the Pareto chart. The synthesis (ABC9) is flattened except the lanes: a layer's
   PEs are instances of one module (qmlp_mlp_lane, kept by QMLP_KEEP_LANES), which Yosys
   synthesizes once per layer and counts once per instance, so the largest design points
   take under 3 minutes instead of 25 fully flattened. Every result is cached by its inputs
   (the core's files, the hooks' code, the parameters, the model file), so a second search
   runs no synthesis.
4. Verilator (`sim_verilator`) on the Pareto-optimal points that fit: the winners over all
   10,000 test images (bit-exact, 0 mismatches, or the search fails), the others on fewer.

The fit rule: DSP <= 220, BRAM18 <= 280, LUT <= 85 % of 53,200 (room left for placement),
FF <= 106,400.

Runs go through a concurrent.futures Executor: a ThreadPoolExecutor driving the fusesoc
subprocesses locally, or, with a scheduler address, a dask.distributed cluster
(`Client(address).get_executor()`, the same interface); workers there need this checkout,
its venv and the build folder on a shared path.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import time
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product
from pathlib import Path
from typing import Callable

from qmlp import lines, params
from qmlp import reference as ref
from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.files import write_text
from qmlp.numerics import acts as actreg
from qmlp.spec import LAB, NetSpec

CORE = "qmlp:accel:mlp"
# the bit widths searched by default: name, weight bits per layer, activation bits per hidden layer
BIT_NAMES = ("w8a8", "w4a4", "w2a2")


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
LUT_SHARE = 0.85
FIT = {"dsp": ref.XC7Z020["dsp"], "bram18": ref.XC7Z020["bram18"], "lut": int(LUT_SHARE * ref.XC7Z020["lut"]),
       "ff": ref.XC7Z020["ff"]}
# the analytic model may be this far over a LUT, FF or BRAM18 limit and the candidate is still
# synthesized (its DSP count is exact)
MARGIN = 1.25
# what the cores' pre-build hooks and the synthesis report run (`qmlp hook ...`; the CLI only
# dispatches to them), with everything of qmlp they import: part of every cache key. Not the
# CLI module itself: it imports every stage, so an edit of the search or the report would
# make every cached synthesis stale.
CODE = ("qmlp.eda.hooks", "qmlp.eda.resources")


def _log(msg: str) -> None:
    print(f"qmlp bench: {msg}", file=sys.stderr, flush=True)


def divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def layer_cycles(k: int, n: int, pe: int, simd: int) -> int:
    """Cycles per image of one layer: (N/PE) groups of PE neurons, (K/SIMD) input chunks each."""
    if n % pe or k % simd:
        raise QmlpError(f"PE={pe} must divide {n} and SIMD={simd} must divide {k}")
    return (n // pe) * (k // simd)


# ----------------------------------------------------------------------------- MAC styles

def mac_styles() -> tuple[str, ...]:
    """The MAC styles the accelerator takes (the parameter table's)."""
    return params.MAC_STYLES


def style_ok(style: str, pe: int, wbits: int) -> bool:
    """Whether a layer may use `style` at this PE and weight width (the parameter table's check)."""
    try:
        params.check_mac((style,), (pe,), (wbits,))
    except QmlpError:
        return False
    return True


# ----------------------------------------------------------------------------- analytic model

# Calibrated on Yosys 0.23 synth_xilinx runs of the accelerator, e.g. the
# default point PE=4,16,2 SIMD=49,1,1 (w8a8, dsp): 10,212 LUT, 11,118 FF, 214 DSP, 48 BRAM18.
# LUTs and FFs outside the lanes (input slots, control, the output argmax)
BASE_LUT, BASE_FF = 3500, 1500
# BRAM18 shapes (depth, width) for a ROM; Yosys picks a shape per ROM
BRAM18_SHAPES = ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1))
# Every ROM is in block RAM, however shallow: the layer's ROMs carry rom_style = "block"
# (without it Yosys put ROMs of up to 128 words in LUTs: 62,074 LUT instead of 33,115 at w4a4
# PE=16,4,5 SIMD=49,16,1).


def tree_width(wb: int, ab: int, simd: int) -> int:
    """Bits of a lane's adder tree (qmlp_mlp_layer: TW = AB + WB + clog2(SIMD))."""
    return ab + wb + (math.ceil(math.log2(simd)) if simd > 1 else 0)


# synth_xilinx maps a `*` to a DSP48E1 only when its product has at least this many bits
# (mul2dsp's DSP_Y_MINWIDTH for xc7): 4 x 4-bit dsp products are LUTs, 2 x 8-bit ones DSPs.
DSP_Y_MIN = 9


def in_luts(style: str, wb: int, ab: int) -> bool:
    """A product Yosys builds in LUTs: the lut style, and dsp products under DSP_Y_MIN bits
    (dsp2 packs two into one wide product, a DSP48E1 at any code width)."""
    return style == "lut" or (style == "dsp" and wb + ab < DSP_Y_MIN)


def lut_per_product(style: str, wb: int, ab: int, simd: int) -> float:
    """LUTs per product: its share of the adder tree (one adder of the tree's width), and for
    the lut style the multiplier: radix-4 Booth digits of the weight (WB/2 of them), each an
    adder of AB+2 bits (qmlp_mul_lut; Yosys measured 24 LUT per MAC at w2a8 and 38 at w4a8,
    tree included)."""
    lut = tree_width(wb, ab, simd) * (simd - 1) / simd
    if in_luts(style, wb, ab):
        lut += -(-wb // 2) * (ab + 2)       # a `*` Yosys keeps out of DSPs: about the same
    elif style == "dsp2":
        lut += 1.0                    # the two 16-bit fields of P, sign bit flipped
    return lut


def ff_per_product(style: str, wb: int, ab: int, simd: int) -> float:
    """FFs per product: the weight register before the multipliers, the product and tree registers."""
    tw = tree_width(wb, ab, simd)
    return wb + tw + (tw * (simd - 1) / simd)


def dsp_of(style: str, pe: int, simd: int, wb: int, ab: int) -> int:
    """DSP48E1s of a layer: one per two products sharing an activation (dsp2), none where the
    products are in LUTs (`in_luts`), else one per product."""
    if style == "dsp2":
        return -(-pe // 2) * simd
    return 0 if in_luts(style, wb, ab) else pe * simd


def rom_bram18(depth: int, width: int) -> int:
    """BRAM18s of a ROM depth x width bits in the cheapest shape."""
    return min(math.ceil(depth / d) * math.ceil(width / w) for d, w in BRAM18_SHAPES)


@dataclass(frozen=True)
class LayerPoint:
    k: int
    n: int
    pe: int
    simd: int
    mac: str
    wb: int
    ab: int            # bits of this layer's input activations

    @property
    def cycles(self) -> int:
        return layer_cycles(self.k, self.n, self.pe, self.simd)

    @property
    def macs(self) -> int:
        return self.pe * self.simd

    def estimate(self, hidden: bool, act: str | None = "tanh", bias: bool = False) -> dict:
        depth, width = self.cycles, self.macs * self.wb
        bram = rom_bram18(depth, width)
        lut = self.macs * lut_per_product(self.mac, self.wb, self.ab, self.simd)
        # accumulator; requantize and the activation: a table (80 LUT per PE) or a clamp (about 20)
        table = hidden and actreg.get(act).hw == "table"
        lut += self.pe * (32 + ((80 if table else 20) if hidden else 0))
        ff = self.macs * ff_per_product(self.mac, self.wb, self.ab, self.simd) + self.simd * 8
        ff += self.pe * (32 + (16 if hidden else 0) + (24 if bias else 0))
        return {"dsp": dsp_of(self.mac, self.pe, self.simd, self.wb, self.ab), "lut": int(lut),
                "bram18": bram, "ff": int(ff)}


@dataclass(frozen=True)
class Candidate:
    """One design point: PE, SIMD and MAC style per layer, weight and activation bits."""
    pe: tuple
    simd: tuple
    mac: tuple
    wbits: tuple
    abits: tuple
    spec: NetSpec = LAB

    @property
    def bits(self) -> str:
        return f"w{''.join(map(str, sorted(set(self.wbits))))}a{''.join(map(str, sorted(set(self.abits))))}" \
            if len(set(self.wbits)) == 1 and len(set(self.abits)) == 1 else \
            f"w{''.join(map(str, self.wbits))}a{''.join(map(str, self.abits))}"

    def layers(self) -> list[LayerPoint]:
        return [LayerPoint(k, n, self.pe[i], self.simd[i], self.mac[i], self.wbits[i], ain)
                for i, ((k, n), ain) in enumerate(zip(self.spec.shapes, input_bits(self.spec, self.abits)))]

    @property
    def layer_cycles(self) -> tuple:
        return tuple(l.cycles for l in self.layers())

    @property
    def cycles_per_image(self) -> int:
        return max(self.layer_cycles)

    @property
    def macs(self) -> int:
        return sum(l.macs for l in self.layers())

    def estimate(self) -> dict:
        est = {"dsp": 0, "lut": BASE_LUT, "bram18": 0, "ff": BASE_FF}
        n = self.spec.n_layers
        for i, l in enumerate(self.layers()):
            act = self.spec.layers[i].act
            for k, v in l.estimate(hidden=i < n - 1, act=act, bias=self.spec.layers[i].bias).items():
                est[k] += v
        return est

    def fusesoc_params(self) -> dict:
        """The FuseSoC parameters (without MODEL): what `fusesoc run ... qmlp:accel:mlp` takes."""
        return {"PE": _csv(self.pe), "SIMD": _csv(self.simd), "WBITS": _csv(self.wbits),
                "ABITS": _csv(self.abits) or "8", "MAC": _csv(self.mac)}

    def check(self) -> None:
        """The parameter table's own validation (the hooks run the same)."""
        params.validate("accel", self.fusesoc_params(), spec=self.spec)

    def label(self) -> str:
        return f"PE={_csv(self.pe)} SIMD={_csv(self.simd)} MAC={_csv(self.mac)}"

    @classmethod
    def from_params(cls, p: dict, spec: NetSpec = LAB) -> "Candidate":
        """The candidate of a run's FuseSoC parameters (one value = every layer, as the core takes them)."""
        v = params.validate("accel", {k: p[k] for k in ("PE", "SIMD", "WBITS", "ABITS", "MAC") if k in p}, spec=spec)
        return cls(tuple(v["PE"]), tuple(v["SIMD"]), tuple(v["MAC"]), tuple(v["WBITS"]), tuple(v["ABITS"]), spec)


def input_bits(spec: NetSpec, abits) -> list[int]:
    """Signed bits of each layer's input codes: 8 for the input, then each hidden layer's output
    format (qmlp.numerics.acts: an unsigned activation takes one bit more, up to 8)."""
    return [8] + [actreg.get(a).xbits(b) for a, b in zip(spec.acts, abits)]


def _csv(v) -> str:
    return ",".join(map(str, v))


def score(est: dict) -> float:
    """Utilization against the fit rule: the largest share of any limit (1.0 = exactly full)."""
    return max(est[k] / FIT[k] for k in ("dsp", "lut", "bram18", "ff"))


def plausible(est: dict, margin: float = MARGIN) -> bool:
    """Worth a synthesis: DSP48s within the limit (the model counts them exactly: one or half a
    DSP per product by style), LUT, FF and BRAM18 within `margin` of theirs (estimates)."""
    return est["dsp"] <= FIT["dsp"] and all(est[k] <= margin * FIT[k] for k in ("lut", "ff", "bram18"))


def fits(r: dict) -> bool:
    """The fit rule on Yosys resources (or an estimate)."""
    return all(int(r[k]) <= FIT[k] for k in FIT)


def layer_options(k: int, n: int, wb: int, ab: int, styles=None) -> dict[str, list[LayerPoint]]:
    """Per style, every legal (PE, SIMD) of a layer: PE | N, SIMD | K, at least 2 cycles."""
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
            out[style] = opts
    return out


def cheapest(opts: list[LayerPoint], t: int, hidden: bool) -> LayerPoint | None:
    """The folding of a layer with at most t cycles and the fewest products, then the smallest
    estimate summed over the resources (not the largest share: two foldings with the same DSP
    count tie on that, whatever their LUTs; PE=64 SIMD=2 has 32 times the accumulators and
    activation tables of PE=2 SIMD=64), then the smaller SIMD (a shallower adder tree)."""
    ok = [o for o in opts if o.cycles <= t]
    if not ok:
        return None
    return min(ok, key=lambda o: (o.macs, total(_alone(o, hidden)), o.simd, o.pe))


def total(est: dict) -> float:
    """The estimate's shares of the fit rule's limits, summed."""
    return sum(est[k] / FIT[k] for k in ("dsp", "lut", "bram18", "ff"))


def _alone(l: LayerPoint, hidden: bool) -> dict:
    e = l.estimate(hidden)
    return {**e, "lut": e["lut"] + BASE_LUT, "ff": e["ff"] + BASE_FF}


def intervals(spec: NetSpec = LAB) -> list[int]:
    """Every image interval T some layer folding reaches exactly, fastest first."""
    ts = set()
    for k, n in spec.shapes:
        for pe in divisors(n):
            for simd in divisors(k):
                c = layer_cycles(k, n, pe, simd)
                if c >= 2:
                    ts.add(c)
    return sorted(ts)


def balanced(wbits, abits, t: int, styles=None, spec: NetSpec = LAB) -> list[Candidate]:
    """Every style mix at interval t: per layer and style the cheapest folding within t cycles
    (FINN's rule: every layer as close to t as its divisors allow), the slowest layer exactly
    at t, and the buffers' rule kept (a layer's PE and the next one's SIMD: one divides the
    other). Sorted by the analytic utilization, lowest first."""
    ain = input_bits(spec, abits)
    n_l = spec.n_layers
    per_layer = []
    for i, (k, n) in enumerate(spec.shapes):
        opts = layer_options(k, n, wbits[i], ain[i], styles)
        picks = [c for c in (cheapest(o, t, i < n_l - 1) for o in opts.values()) if c is not None]
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
    return sorted(set(out), key=lambda c: (score(c.estimate()), c.macs, c.mac))


def plan(wbits, abits, styles=None, margin: float = MARGIN, spec: NetSpec = LAB) -> list[Candidate]:
    """The plausible candidates of one bit width, fastest first: per interval the plausible
    style mix with the lowest analytic utilization."""
    return list(_plan(tuple(wbits), tuple(abits), tuple(styles) if styles else None, margin, spec))


@lru_cache(maxsize=64)
def _plan(wbits, abits, styles, margin, spec) -> tuple:
    out = []
    for t in intervals(spec):
        mixes = [c for c in balanced(wbits, abits, t, styles, spec) if plausible(c.estimate(), margin)]
        if mixes:
            out.append(mixes[0])
    return tuple(out)


# ----------------------------------------------------------------------------- evaluation

@dataclass(frozen=True)
class Task:
    """One fusesoc run: a target and its parameters (MODEL included)."""
    target: str                      # synth | sim_verilator
    params: tuple                    # sorted (name, value) pairs
    timeout: float = 3600.0          # seconds for the run (not an input of its result)

    @property
    def pdict(self) -> dict:
        return dict(self.params)

    @property
    def name(self) -> str:
        h = hashlib.sha256(json.dumps(self.params).encode()).hexdigest()[:16]
        return f"{self.target}-{h}"


def run_task(task: Task) -> dict:
    """The real evaluator: `fusesoc run --target <target> qmlp:accel:mlp --P=v ...` in the run's own
    build root (qmlp.eda.runner), its summary fields. Module level: dask workers import it."""
    from qmlp.eda.runner import run_checked

    what = "RESOURCES" if task.target == "synth" else "RESULT"
    r = run_checked(CORE, task.target, task.pdict, what, timeout=task.timeout)
    out = {k: v for k, v in r.items()}
    if task.target == "synth":
        rj = Path(r["work_root"]) / "resources.json"
        if rj.is_file():
            full = json.loads(rj.read_text())
            out.update({k: full[k] for k in ("lut_logic", "lut_memory", "carry4") if k in full})
    return out


def inputs_key(files=None) -> dict:
    """What every run of the core depends on besides its parameters: the core's files (RTL,
    testbench, flow scripts, as FuseSoC uses them; `files` is their list, qmlp.eda.cores) and
    the code its hooks run. Hashed when a run is submitted: the checkout may change under a
    long search, and a result is keyed by the files its run read."""
    from qmlp.eda.cores import core_files
    from qmlp.hashing import file_sha256, module_closure_sha256

    files = core_files(CORE) if files is None else files
    return {"code": module_closure_sha256(*CODE), "core": [(str(f), file_sha256(f)) for f in files]}


def task_spec(pdict: dict) -> NetSpec:
    """The network of a run's --MODEL (the lab's when none is named)."""
    m = pdict.get("MODEL")
    if not m:
        return LAB
    from qmlp.nn.quant import spec_of_file

    return spec_of_file(m)


def analytic_evaluate(task: Task) -> dict:
    """An evaluator without tools (`qmlp bench --dry-run`, tests): synthesis answers the analytic
    estimate, simulation a passing run at the folding's cycles. Module level: dask workers import it."""
    import os

    c = Candidate.from_params(task.pdict, task_spec(task.pdict))
    if task.target == "synth":
        return {**{k: str(v) for k, v in c.estimate().items()}, "wall_s": 0.0, "estimate_only": True,
                "pid": os.getpid()}
    n = int(task.pdict.get("IMAGES", 32))
    return {"pass": "1", "images": str(n), "mismatches": "0", "accuracy": "na",
            "cycles_per_image": str(c.cycles_per_image), "wall_s": 0.0, "estimate_only": True, "pid": os.getpid()}


def task_key(task: Task, base: dict) -> str:
    """The cache key of a run: `inputs_key()`, the target, the parameters and the model file's
    contents (the same parts qmlp.flow.pipeline.Step.key hashes)."""
    from qmlp.hashing import file_sha256

    model = task.pdict.get("MODEL")
    parts = {**base, "target": task.target, "params": task.pdict,
             "model": file_sha256(Path(model)) if model else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Runs:
    """Runs tasks through an Executor, each at most once per cache key.

    `submit(task)` returns a Future: a cached result (no run), or the executor's. `calls` counts
    the tasks that really ran.
    """

    def __init__(self, executor: Executor, cache_dir: Path, evaluate: Callable[[Task], dict] = run_task,
                 log=_log):
        from qmlp.flow.pipeline import Cache

        self.executor, self.evaluate, self.log = executor, evaluate, log
        self.cache = Cache(cache_dir)
        self.calls, self.hits = 0, 0
        from qmlp.eda.cores import core_files

        self._files = core_files(CORE)      # the list (slow to resolve); contents hashed per run

    def key(self, task: Task) -> str:
        return task_key(task, inputs_key(self._files))

    def _step(self, task: Task):
        from qmlp.flow.pipeline import Step

        return Step(task.name, lambda: {})

    def cached(self, task: Task, key: str | None = None) -> dict | None:
        return self.cache.get(self._step(task), key or self.key(task))

    def submit(self, task: Task) -> Future:
        key = self.key(task)
        hit = self.cached(task, key)
        if hit is not None:
            self.hits += 1
            f: Future = Future()
            f.set_result(dict(hit, cached=True))
            return f
        self.calls += 1
        inner = self.executor.submit(self.evaluate, task)
        outer: Future = Future()

        def done(fut):
            try:
                r = dict(fut.result())
            except BaseException as e:  # noqa: BLE001 - a failed run is a result of the search
                outer.set_exception(e)
                return
            try:
                self.cache.put(self._step(task), key, r)
            except OSError as e:            # an unwritable cache costs a re-run later, not this result
                self.log(f"could not cache {task.name}: {e}")
            outer.set_result(dict(r, cached=False))
        inner.add_done_callback(done)
        return outer


def executor(jobs: int = 2, scheduler: str | None = None, timeout: float = 30.0):
    """(executor, close): local threads driving fusesoc subprocesses, or a dask.distributed
    cluster's concurrent.futures interface when given a scheduler address."""
    if not scheduler:
        ex = ThreadPoolExecutor(max_workers=jobs)
        # on an error or Ctrl-C nothing new starts; the runs under way finish (each has its time limit)
        return ex, lambda ok=True: ex.shutdown(wait=ok, cancel_futures=not ok)
    try:
        from distributed import Client
    except ImportError:
        raise QmlpError("--scheduler needs dask.distributed: pip install 'qmlp[dask]' "
                        "(or pip install distributed)") from None
    try:
        client = Client(scheduler, timeout=timeout)
    except (OSError, TimeoutError) as e:
        raise QmlpError(f"--scheduler {scheduler}: cannot reach the dask scheduler ({e})") from None
    ex = client.get_executor()
    return ex, lambda ok=True: client.close()


# ----------------------------------------------------------------------------- the search

@dataclass
class Point:
    cand: Candidate
    model: str | None
    synth: dict | None = None
    error: str | None = None
    sim: dict | None = None
    role: str = ""                   # tried | chart | default
    rejected: dict | None = None     # resources of a synthesis judged implausible (see implausible)

    @property
    def resources(self) -> dict | None:
        return {k: int(self.synth[k]) for k in ("lut", "ff", "dsp", "bram18")} if self.synth else None

    @property
    def fits(self) -> bool:
        return self.synth is not None and fits(self.synth)

    def params(self) -> dict:
        p = self.cand.fusesoc_params()
        if self.model:
            p["MODEL"] = self.model
        return p

    def command(self, target: str = "synth") -> str:
        return f"fusesoc run --target {target} {CORE} " + " ".join(f"--{k}={v}" for k, v in self.params().items())

    def row(self) -> dict:
        c = self.cand
        return {"bits": c.bits, "pe": list(c.pe), "simd": list(c.simd), "mac": list(c.mac),
                "wbits": list(c.wbits), "abits": list(c.abits), "layer_cycles": list(c.layer_cycles),
                "cycles_per_image": c.cycles_per_image, "macs": c.macs, "estimate": c.estimate(),
                "resources": self.resources, "fits": self.fits, "error": self.error, "role": self.role,
                "synth_s": (self.synth or {}).get("wall_s"), "cached": (self.synth or {}).get("cached"),
                "params": self.params(), "command": self.command(), "rejected": self.rejected,
                "sim": _sim_fields(self.sim)}


def _sim_fields(s: dict | None) -> dict | None:
    if not s:
        return None
    keys = ("pass", "images", "mismatches", "accuracy", "cycles_per_image", "latency", "wall_s", "cached")
    return {k: s.get(k) for k in keys if k in s}


def pareto(points: list[Point]) -> list[Point]:
    """Synthesized points that no other point of the same bit width beats in cycles per image,
    LUT and DSP at once (lower is better in each)."""
    done = [p for p in points if p.synth]
    out = []
    for p in done:
        a = (p.cand.cycles_per_image, p.resources["lut"], p.resources["dsp"])
        dominated = False
        for q in done:
            if q is p or q.cand.bits != p.cand.bits:
                continue
            b = (q.cand.cycles_per_image, q.resources["lut"], q.resources["dsp"])
            if all(y <= x for x, y in zip(a, b)) and b != a:
                dominated = True
                break
        if not dominated:
            out.append(p)
    return out


@dataclass
class Options:
    bit_widths: tuple = BIT_WIDTHS
    jobs: int = 2
    scheduler: str | None = None
    budget: int = 6                  # syntheses at most per bit width to find the winner
    chart: int = 3                   # slower points per bit width for the chart
    winner_images: int = 10000
    images: int = 500                # Verilator images of the other Pareto points (0: none)
    styles: tuple | None = None      # None: the parameter table's
    margin: float = MARGIN
    synth_timeout: float = 3600.0    # a synthesis that takes longer is a failed point
    model: str | None = None         # a float model to search (default: the build folder's)
    spec: NetSpec = LAB              # its network


@dataclass
class Search:
    points: list = field(default_factory=list)
    winners: dict = field(default_factory=dict)       # bits name -> Point (or None)
    plans: dict = field(default_factory=dict)          # bits name -> number of plausible candidates
    wall_s: float = 0.0
    calls: int = 0
    hits: int = 0


def models(paths: Paths, bit_widths, model: str | None = None) -> dict[str, str]:
    """The quantized model of each bit width, made before any run (the runs read the files):
    w8a8 the post-training wl=8 choice (what the accelerator's runs use by default), lower
    widths the quantization-aware trained models (qmlp.nn.cache, once, under its lock)."""
    from qmlp.nn import cache

    fm = cache.float_model(paths, model, progress=False)
    out = {}
    for name, wb, ab in bit_widths:
        if set(wb) == {8} and set(ab) == {8}:
            _, q = cache.wl8_model(paths, fm)
        else:
            _, q = cache.qat_model(paths, fm, wb, ab)
        out[name] = str(Path(q).resolve())
    return out


def search(paths: Paths, opts: Options = Options(), evaluate: Callable[[Task], dict] = run_task,
           model_paths: dict | None = None, log=_log, cache_dir: Path | None = None) -> Search:
    """The whole search (see the module docstring). `evaluate` runs one Task (tests pass a fake)."""
    t0 = time.perf_counter()
    res = Search()
    model_paths = model_paths if model_paths is not None else models(paths, opts.bit_widths, opts.model)
    ex, close = executor(opts.jobs, opts.scheduler)
    runs = Runs(ex, Path(cache_dir or Path(paths.build) / "bench"), evaluate, log)
    try:
        queues = {}
        for name, wb, ab in opts.bit_widths:
            cands = plan(wb, ab, opts.styles, opts.margin, opts.spec)
            res.plans[name] = len(cands)
            queues[name] = [Point(c, model_paths.get(name), role="tried") for c in cands]
            log(f"{name}: {len(cands)} plausible intervals by the analytic model"
                + (f", fastest {cands[0].cycles_per_image} cycles/image ({cands[0].label()})" if cands else ""))
        _find_winners(res, queues, runs, opts, log)
        _chart_points(res, queues, runs, opts, log)
        _simulate(res, runs, opts, log)
    except BaseException:
        close(False)
        raise
    close()
    res.calls, res.hits = runs.calls, runs.hits
    res.wall_s = round(time.perf_counter() - t0, 1)
    return res


def _synth_task(p: Point, timeout: float = 3600.0) -> Task:
    return Task("synth", tuple(sorted(p.params().items())), timeout)


def _describe(p: Point) -> str:
    c, e = p.cand, p.cand.estimate()
    s = (f"{c.bits} {c.cycles_per_image} cycles/image (layers {'/'.join(map(str, c.layer_cycles))}) {c.label()}: "
         f"est DSP {e['dsp']} LUT {e['lut']:,} BRAM18 {e['bram18']}")
    if p.error:
        return s + f" -> failed: {p.error.splitlines()[-1][:200]}"
    if p.synth:
        r = p.resources
        return s + (f" -> Yosys DSP {r['dsp']} LUT {r['lut']:,} FF {r['ff']:,} BRAM18 {r['bram18']}"
                    f" ({'fits' if p.fits else 'does not fit'}{', cached' if p.synth.get('cached') else ''})")
    return s


LUT_FLOOR = 0.2     # a result below this share of the LUT estimate lost logic (the model is within 2x)


def implausible(cand: Candidate, r: dict) -> str | None:
    """Why a synthesis result cannot be the design, if it cannot: fewer DSP48s than its products
    need (the model's DSP count is exact: one per product, one per pair for dsp2), i.e. Yosys
    removed logic - an undriven net or a constant output in the RTL, not a smaller design."""
    need = sum(dsp_of(l.mac, l.pe, l.simd, l.wb, l.ab) for l in cand.layers())
    if int(r["dsp"]) < need:
        return (f"Yosys kept {r['dsp']} DSP48E1 of the {need} its products need: logic was removed "
                "(look for undriven nets in yosys.log)")
    lut = cand.estimate()["lut"]
    if int(r["lut"]) < LUT_FLOOR * lut:
        return (f"Yosys kept {int(r['lut']):,} LUTs where the model expects about {lut:,}: logic was removed "
                "(look for undriven nets in yosys.log)")
    return None


def _collect(fut: Future, p: Point, log) -> None:
    try:
        r = fut.result()
    except Exception as e:  # noqa: BLE001 - one failed synthesis does not end the search
        p.error = str(e)
    else:
        why = implausible(p.cand, r)
        if why:
            p.error = why                # recorded (with its figures), never a winner
            p.synth = None
            p.rejected = {k: r.get(k) for k in ("lut", "ff", "dsp", "bram18")}
        else:
            p.synth = r
    log("  " + _describe(p))


def _find_winners(res: Search, queues: dict, runs: Runs, opts: Options, log) -> None:
    """Per bit width, synthesize plausible candidates fastest first until one fits (at most
    `budget`); `jobs` runs at a time across the bit widths. The winner is the fastest fitting
    candidate once every faster one has its result."""
    nxt = {b: 0 for b in queues}
    pending: dict[Future, tuple[str, Point]] = {}
    resolved = {b: not q for b, q in queues.items()}
    for b, q in queues.items():
        if not q:
            res.winners[b] = None

    def decide(b):
        q = queues[b]
        for p in q[:nxt[b]]:
            if p.synth is None and p.error is None:
                return False             # a faster candidate is still running
            if p.fits:
                res.winners[b] = p
                return True
        if nxt[b] >= min(len(q), opts.budget):
            res.winners[b] = None        # budget spent (or candidates exhausted): nothing fits
            return True
        return False

    while True:
        # fill the slots, one run at a time, each bit width at most `budget` deep
        filled = True
        while len(pending) < max(1, opts.jobs) and filled:
            filled = False
            # the bit width with the fewest runs under way first (then the fewest tried): every
            # width gets its fastest candidate going before any runs ahead on a second one
            inflight = {b: sum(1 for bb, _ in pending.values() if bb == b) for b in queues}
            for b in sorted(queues, key=lambda b: (inflight[b], nxt[b])):
                q = queues[b]
                if len(pending) >= max(1, opts.jobs):
                    break
                if resolved[b] or nxt[b] >= min(len(q), opts.budget):
                    continue
                # do not run ahead more than `jobs` candidates within one bit width
                if inflight[b] >= max(1, opts.jobs):
                    continue
                p = q[nxt[b]]
                nxt[b] += 1
                res.points.append(p)
                f = runs.submit(_synth_task(p, opts.synth_timeout))
                if f.done():
                    _collect(f, p, log)
                    resolved[b] = resolved[b] or decide(b)
                else:
                    pending[f] = (b, p)
                filled = True
                break                    # re-rank the bit widths before the next slot
        if not pending:
            if all(resolved.values()):
                break
            for b in queues:
                if not resolved[b]:
                    resolved[b] = decide(b) or nxt[b] >= min(len(queues[b]), opts.budget)
                    if resolved[b] and b not in res.winners:
                        res.winners[b] = None
            if all(resolved.values()):
                break
            continue
        done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
        for f in done:
            b, p = pending.pop(f)
            _collect(f, p, log)
            if not resolved[b]:
                resolved[b] = decide(b)
    for b in queues:
        w = res.winners.get(b)
        if w is None:
            log(f"{b}: no candidate fits within {min(len(queues[b]), opts.budget)} syntheses")
        else:
            log(f"{b}: winner {w.cand.cycles_per_image} cycles/image, {w.cand.label()}")


def _chart_points(res: Search, queues: dict, runs: Runs, opts: Options, log) -> None:
    """A few slower candidates per bit width (about 2x, 4x, ... the winner's interval) so the
    chart shows the trade-off; cheap: small designs synthesize quickly."""
    if opts.chart <= 0:
        return
    todo = []
    for b, q in queues.items():
        w = res.winners.get(b)
        base = w.cand.cycles_per_image if w else (q[0].cand.cycles_per_image if q else None)
        if base is None:
            continue
        taken = {p.cand for p in res.points}
        want = [base * 2 ** (i + 1) for i in range(opts.chart)]
        for t in want:
            slower = [p for p in q if p.cand.cycles_per_image >= t and p.cand not in taken]
            if slower:
                p = slower[0]
                p.role = "chart"
                taken.add(p.cand)
                todo.append(p)
    futs = {runs.submit(_synth_task(p, opts.synth_timeout)): p for p in todo}
    res.points.extend(todo)
    for f in list(futs):
        _collect(f, futs[f], log)


def _simulate(res: Search, runs: Runs, opts: Options, log) -> None:
    """Verilator on the Pareto-optimal points that fit: winners on `winner_images` (must be
    bit-exact), the others on `images`."""
    winners = {id(p) for p in res.winners.values() if p is not None}
    todo = []
    for p in pareto(res.points):
        if not p.fits:
            continue
        n = opts.winner_images if id(p) in winners else opts.images
        if n <= 0:
            continue
        todo.append((p, Task("sim_verilator", tuple(sorted(dict(p.params(), IMAGES=n).items())))))
    futs = [(p, runs.submit(t)) for p, t in todo]
    for p, f in futs:
        try:
            p.sim = f.result()
        except Exception as e:  # noqa: BLE001
            p.sim = {"pass": "0", "error": str(e)}
        s = p.sim
        log(f"  Verilator {p.cand.bits} {p.cand.label()}: pass={s.get('pass')} images={s.get('images')} "
            f"mismatches={s.get('mismatches')} accuracy={s.get('accuracy')} "
            f"cycles_per_image={s.get('cycles_per_image')}{' (cached)' if s.get('cached') else ''}")
    bad = [p for p in res.winners.values() if p is not None and (not p.sim or p.sim.get("pass") != "1")]
    if bad and opts.winner_images > 0:
        p = bad[0]
        raise QmlpError(f"the {p.cand.bits} winner ({p.cand.label()}) failed its Verilator run: "
                        f"{(p.sim or {}).get('error') or p.sim}")
    for p in res.winners.values():
        if p is not None and p.sim and "cycles_per_image" in p.sim and \
                int(p.sim["cycles_per_image"]) != p.cand.cycles_per_image:
            raise QmlpError(f"the {p.cand.bits} winner simulated at {p.sim['cycles_per_image']} cycles/image, "
                            f"the folding gives {p.cand.cycles_per_image}")


# ----------------------------------------------------------------------------- output

def to_json(res: Search, opts: Options) -> dict:
    par = {id(p) for p in pareto(res.points)}
    rows = []
    for p in res.points:
        r = p.row()
        r["pareto"] = id(p) in par
        rows.append(r)
    winners = {}
    for b, p in res.winners.items():
        if p is None:
            winners[b] = None
            continue
        winners[b] = {"cycles_per_image": p.cand.cycles_per_image, "layer_cycles": list(p.cand.layer_cycles),
                      "params": p.params(), "resources": p.resources, "sim": _sim_fields(p.sim),
                      "command": p.command("synth"), "sim_command": p.command("sim_verilator")}
    return {"winners": winners, "points": rows, "fit_rule": FIT, "lut_share": LUT_SHARE,
            "styles": list(opts.styles or mac_styles()), "plausible": res.plans, "budget": opts.budget,
            "syntheses_run": sum(1 for p in res.points if p.synth and not p.synth.get("cached")),
            "runs": res.calls, "cached_runs": res.hits, "wall_s": res.wall_s, "jobs": opts.jobs,
            "scheduler": opts.scheduler}


def bench_line(data: dict, json_path: Path) -> str:
    """SPEC 3's BENCH line (qmlp.lines.bench): `na` for a bit width without a fitting design."""
    w = data["winners"]
    return lines.bench({b: (w[b]["cycles_per_image"] if w.get(b) else None) for b in w}, json_path)


def write(res: Search, opts: Options, out_dir: Path) -> tuple[dict, Path]:
    data = to_json(res, opts)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "bench.json"
    write_text(path, json.dumps(data, indent=1, default=str) + "\n")
    chart(data, out_dir / "pareto.png")
    return data, path


def chart(data: dict, png: Path) -> None:
    """Cycles per image against LUT and against DSP, one colour per bit width: synthesized points
    (crosses: does not fit), each panel's Pareto front as a line, winners starred, limits dashed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import ScalarFormatter

    colours = {"w8a8": "tab:blue", "w4a4": "tab:orange", "w2a2": "tab:green"}
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120, sharey=True)
    for ax, key in zip(axes, ("lut", "dsp")):
        for b, col in colours.items():
            pts = [r for r in data["points"] if r["bits"] == b and r["resources"]]
            if not pts:
                continue
            ok = [r for r in pts if r["fits"]]
            bad = [r for r in pts if not r["fits"]]
            ax.scatter([r["resources"][key] for r in ok], [r["cycles_per_image"] for r in ok], s=24, color=col)
            ax.scatter([r["resources"][key] for r in bad], [r["cycles_per_image"] for r in bad], s=30, color=col,
                       marker="x")
            front, best = [], None
            for r in sorted(pts, key=lambda r: (r["resources"][key], r["cycles_per_image"])):
                if best is None or r["cycles_per_image"] < best:
                    front.append(r)
                    best = r["cycles_per_image"]
            ax.step([r["resources"][key] for r in front], [r["cycles_per_image"] for r in front], where="post",
                    color=col, lw=1.2, label=b)
            w = data["winners"].get(b)
            if w:
                ax.plot(w["resources"][key], w["cycles_per_image"], "*", ms=15, color=col, mec="k")
        ax.axvline(FIT[key], color="r", lw=0.8, ls="--", label=f"fit limit ({FIT[key]:,})")
        ax.set_xlabel(f"{key.upper()} (Yosys estimate, xc7)")
        ax.set_yscale("log", base=2)
        ax.yaxis.set_major_formatter(ScalarFormatter())
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("cycles per image")
    axes[0].legend(fontsize=7)
    fig.suptitle("Design-space search: cycles per image against resources (star: fastest that fits; x: does not fit)",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)


def table_rows(data: dict) -> list[list]:
    """Rows for a markdown table of the synthesized points (fastest first)."""
    rows = []
    for r in sorted(data["points"], key=lambda r: (r["bits"], r["cycles_per_image"])):
        res = r["resources"] or {}
        w = data["winners"].get(r["bits"])
        win = bool(w) and w["params"] == r["params"]
        sim = r.get("sim") or {}
        rows.append([r["bits"] + (" **winner**" if win else ""), r["cycles_per_image"],
                     "/".join(map(str, r["layer_cycles"])), _csv(r["pe"]), _csv(r["simd"]), _csv(r["mac"]),
                     f"{res.get('lut', '-'):,}" if res else "-", res.get("ff", "-"), res.get("dsp", "-"),
                     res.get("bram18", "-"), "yes" if r["fits"] else ("failed" if r["error"] else "no"),
                     "yes" if r.get("pareto") else "",
                     f"{sim.get('mismatches')} / {sim.get('images')}" if sim.get("images") else "-"])
    return rows


TABLE_HEADERS = ["bits", "cycles/image", "per layer", "PE", "SIMD", "MAC", "LUT", "FF", "DSP", "BRAM18", "fits",
                 "Pareto", "Verilator mismatches / images"]


def run(paths: Paths, opts: Options = Options(), out_dir: Path | None = None, log=_log, dry_run: bool = False) \
        -> tuple[dict, Path]:
    """`qmlp bench`: the search, bench.json and pareto.png in BUILD/bench; (data, json path).
    dry_run: the analytic model answers for the tools (nothing is synthesized or simulated)."""
    out_dir = out_dir or Path(paths.build) / ("bench-dry-run" if dry_run else "bench")
    if dry_run:
        res = search(paths, opts, analytic_evaluate, {b: opts.model for b, _, _ in opts.bit_widths}, log=log,
                     cache_dir=out_dir)
    else:
        res = search(paths, opts, log=log)
    data, path = write(res, opts, out_dir)
    for b, w in data["winners"].items():
        if w:
            log(f"{b}: {w['cycles_per_image']} cycles/image (layers {'/'.join(map(str, w['layer_cycles']))}), "
                f"LUT {w['resources']['lut']:,} DSP {w['resources']['dsp']} BRAM18 {w['resources']['bram18']}; "
                f"reproduce: {w['command']}")
    log(f"{data['syntheses_run']} syntheses run, {data['cached_runs']} results from the cache, {res.wall_s:.0f} s")
    return data, path

