"""The search: per bit width the fastest plausible candidates through Yosys until one fits,
a few slower points for the chart, and Verilator on the Pareto-optimal points that fit.

1. Yosys (`synth`, the real `fusesoc run --target synth qmlp:accel:mlp ...`) for the fastest
   plausible candidates of each bit width (qmlp.flow.dse.space.plan), `jobs` at a time, until
   one fits; then a few slower points for the Pareto chart. The synthesis (ABC9) is flattened
   except the lanes: a layer's PEs are instances of one module (qmlp_mlp_lane, kept by
   QMLP_KEEP_LANES), which Yosys synthesizes once per layer and counts once per instance, so
   the largest design points take under 3 minutes instead of 25 fully flattened. Every result
   is cached by its inputs (qmlp.flow.dse.runs), so a second search runs no synthesis.
2. Verilator (`sim_verilator`) on the Pareto-optimal points that fit: the winners over all
   10,000 test images (bit-exact, 0 mismatches, or the search fails), the others on fewer.
3. With `netlist_images` (qmlp bench --netlist N), each winner's (and each smallest design meeting
   --fps) Yosys xc7 netlist (`sim_synth`: the synth flow's netlist with the primitives' models,
   docs/netlist.md) on the first N test images, after the Verilator runs passed; a netlist that
   mismatches is recorded in bench.json and then fails the search (qmlp.flow.dse.output.run).
"""

from __future__ import annotations

import time
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from qmlp.config import Paths
from qmlp.errors import QmlpError
from qmlp.flow.dse.device import XC7, Device
from qmlp.flow.dse.model import MARGIN, Candidate, implausible
from qmlp.flow.dse.point import Point, pareto
from qmlp.flow.dse.runs import Runs, Task, executor, run_task, stderr_log
from qmlp.flow.dse.space import BIT_WIDTHS, meeting, plan
from qmlp.spec import LAB, NetSpec

@dataclass
class Options:
    bit_widths: tuple = BIT_WIDTHS
    jobs: int = 2
    scheduler: str | None = None
    budget: int = 6                  # syntheses at most per bit width to find the winner
    chart: int = 3                   # slower points per bit width for the chart
    winner_images: int = 10000
    images: int = 500                # Verilator images of the other Pareto points (0: none)
    netlist_images: int = 0          # images of each winner's xc7 netlist run (sim_synth; 0: none)
    styles: tuple | None = None      # None: the parameter table's
    margin: float = MARGIN
    synth_timeout: float = 3600.0    # a synthesis that takes longer is a failed point
    model: str | None = None         # a float model to search (default: the build folder's)
    spec: NetSpec = LAB              # its network
    device: Device = XC7             # what the designs must fit (qmlp.flow.dse.device)
    fps: float | None = None         # a throughput target: also find the smallest design that meets it
    clock_mhz: float = 100.0         # ... at this clock (and the clock pnr_ecp5 routes for)
    fps_tries: int = 3               # measured candidates among the cheapest by the model
    source: dict | None = None       # an imported model's origin and its check against qonnx (qmlp.flow.bench.bring)

    @property
    def max_cycles(self) -> int | None:
        """Cycles per image the throughput target allows at the clock."""
        return int(self.clock_mhz * 1e6 // self.fps) if self.fps else None


@dataclass
class Search:
    points: list = field(default_factory=list)
    winners: dict = field(default_factory=dict)       # bits name -> Point (or None)
    fps: dict = field(default_factory=dict)           # bits name -> the smallest Point meeting --fps (or None)
    plans: dict = field(default_factory=dict)          # bits name -> number of plausible candidates
    wall_s: float = 0.0
    calls: int = 0
    hits: int = 0


def models(paths: Paths, bit_widths, model: str | None = None) -> dict[str, str]:
    """The quantized model of each bit width, made before any run (the runs read the files):
    w8a8 the post-training wl=8 choice (what the accelerator's runs use by default), lower
    widths the quantization-aware trained models (qmlp.nn.cache, once, under its lock)."""
    from qmlp.nn import cache, quant

    if model and quant.is_quantized_file(model):
        return {name: str(Path(model).resolve()) for name, _, _ in bit_widths}    # searched at its own bits
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
           model_paths: dict | None = None, log=stderr_log, cache_dir: Path | None = None) -> Search:
    """The whole search (qmlp.flow.dse). `evaluate` runs one Task (tests pass a fake)."""
    t0 = time.perf_counter()
    res = Search()
    model_paths = model_paths if model_paths is not None else models(paths, opts.bit_widths, opts.model)
    ex, close = executor(opts.jobs, opts.scheduler)
    runs = Runs(ex, Path(cache_dir or Path(paths.build) / "bench"), evaluate, log)
    try:
        queues = {}
        for name, wb, ab in opts.bit_widths:
            cands = plan(wb, ab, opts.styles, opts.margin, opts.spec, opts.device)
            res.plans[name] = len(cands)
            queues[name] = [_point(c, model_paths.get(name), "tried", opts) for c in cands]
            log(f"{name}: {len(cands)} plausible intervals by the analytic model on the {opts.device.name}"
                + (f", fastest {cands[0].cycles_per_image} cycles/image ({cands[0].label()})" if cands else ""))
        _find_winners(res, queues, runs, opts, log)
        _chart_points(res, queues, runs, opts, log)
        if opts.fps:
            _find_fps(res, runs, opts, model_paths, log)
        _simulate(res, runs, opts, log)
    except BaseException:
        close(False)
        raise
    close()
    res.calls, res.hits = runs.calls, runs.hits
    res.wall_s = round(time.perf_counter() - t0, 1)
    return res


def _point(c: Candidate, model: str | None, role: str, opts: Options) -> Point:
    return Point(c, model, role=role, device=opts.device, clock_mhz=opts.clock_mhz)


def _synth_task(p: Point, timeout: float = 3600.0) -> Task:
    """The run that measures a point on its device: Yosys synth (xc7) or a pnr_ecp5 route."""
    return Task(p.device.target, tuple(sorted(p.measure_params().items())), timeout)


def _describe(p: Point) -> str:
    c, e = p.cand, p.device.estimate(p.cand)
    s = (f"{c.bits} {c.cycles_per_image} cycles/image (layers {'/'.join(map(str, c.layer_cycles))}) {c.label()}: "
         f"est DSP {e['dsp']} LUT {e['lut']:,} BRAM18 {e['bram18']}")
    if p.error:
        return s + f" -> failed: {p.error.splitlines()[-1][:200]}"
    if p.synth and p.synth.get("estimate_only"):
        # a dry run: nothing was synthesized; say what would be, and what the model expects
        return s + f" -> would synthesize ({'fits' if p.fits else 'does not fit'} by the analytic model)"
    if p.synth:
        r = p.resources
        tool = "nextpnr" if p.device.target == "pnr_ecp5" else "Yosys"
        fmax = f" fmax {p.fmax_mhz:.2f} MHz" if p.fmax_mhz else ""
        return s + (f" -> {tool} DSP {r['dsp']} LUT {r['lut']:,} FF {r['ff']:,} BRAM18 {r['bram18']}{fmax}"
                    f" ({'fits' if p.fits else 'does not fit'}{', cached' if p.synth.get('cached') else ''})")
    return s


def _collect(fut: Future, p: Point, log) -> None:
    try:
        r = fut.result()
    except Exception as e:  # noqa: BLE001 - one failed synthesis does not end the search
        p.error = str(e)
    else:
        why = implausible(p.cand, r) if p.device.target == "synth" else None   # a route is real resources
        if why:
            p.error = why                # recorded (with its figures), never a winner
            p.synth = None
            p.rejected = {k: r.get(k) for k in ("lut", "ff", "dsp", "bram18")}
        else:
            p.synth = r
    log("  " + _describe(p))


@dataclass
class _Width:
    """One bit width in the winner search: its candidates fastest first (at most the budget)."""
    name: str
    queue: list
    tried: int = 0                   # candidates submitted (the first `tried` of the queue)
    running: int = 0                 # of those, still running
    done: bool = False
    winner: Point | None = None

    def decide(self) -> None:
        """The winner is the fastest fitting candidate once every faster one has its result;
        none once every candidate has its result and none fits."""
        for p in self.queue[:self.tried]:
            if p.synth is None and p.error is None:
                return                   # a faster candidate is still running
            if p.fits:
                self.winner, self.done = p, True
                return
        self.done = self.tried == len(self.queue)


def _find_winners(res: Search, queues: dict, runs: Runs, opts: Options, log) -> None:
    """Per bit width, synthesize plausible candidates fastest first until one fits (at most
    `budget`); `jobs` run at a time across the bit widths, each free slot to the bit width with
    the fewest runs under way (then the fewest tried): every width gets its fastest candidate
    going before any runs ahead on a second one."""
    widths = [_Width(b, q[:max(0, opts.budget)]) for b, q in queues.items()]
    running: dict[Future, tuple[_Width, Point]] = {}

    def settle(w: _Width, p: Point, f: Future) -> None:
        _collect(f, p, log)
        if not w.done:
            w.decide()

    def fill() -> bool:
        """Start runs in the free slots; whether any started."""
        started = False
        while len(running) < max(1, opts.jobs):
            open_ = [w for w in widths if not w.done and w.tried < len(w.queue)]
            if not open_:
                break
            w = min(open_, key=lambda w: (w.running, w.tried))
            p = w.queue[w.tried]
            w.tried += 1
            res.points.append(p)
            f = runs.submit(_synth_task(p, opts.synth_timeout))
            if f.done():                 # from the cache: settled now, the slot stays free
                settle(w, p, f)
            else:
                w.running += 1
                running[f] = (w, p)
                started = True
        return started

    fill()
    while running:
        for f in as_completed(list(running)):
            w, p = running.pop(f)
            w.running -= 1
            settle(w, p, f)
            if fill():
                break                    # as_completed again, over the new runs too
    for w in widths:
        res.winners[w.name] = w.winner
        if w.winner is None:
            log(f"{w.name}: no candidate fits within {len(w.queue)} syntheses")
        elif w.winner.synth and w.winner.synth.get("estimate_only"):
            log(f"{w.name}: would-be winner by the analytic model (dry run) {w.winner.cand.cycles_per_image} "
                f"cycles/image, {w.winner.cand.label()}")
        else:
            log(f"{w.name}: winner {w.winner.cand.cycles_per_image} cycles/image by the model (Verilator measures it "
                f"below), {w.winner.cand.label()}")


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


def meets(p: Point, opts: Options) -> bool:
    """A measured point that fits and meets the throughput target: at most max_cycles per image,
    and on a routed device a clock of at least --clock (its images/s then >= --fps)."""
    if not p.fits or p.cycles_per_image > opts.max_cycles:
        return False
    return p.fmax_mhz is None or p.fmax_mhz >= opts.clock_mhz


def _find_fps(res: Search, runs: Runs, opts: Options, model_paths: dict, log) -> None:
    """Per bit width, the smallest design that meets --fps at --clock: the model's cheapest
    candidates within max_cycles (qmlp.flow.dse.space.meeting) measured `fps_tries` at a time
    (at most `budget`), and of those that meet it the fewest LUTs, then DSP blocks."""
    t = opts.max_cycles
    for name, wb, ab in opts.bit_widths:
        cands = meeting(wb, ab, t, opts.styles, opts.margin, opts.spec, opts.device)
        log(f"{name}: {opts.fps:,.0f} images/s at {opts.clock_mhz:g} MHz allows {t} cycles/image: "
            f"{len(cands)} plausible candidates, measuring the cheapest by the model")
        known = {(p.cand, p.device.target): p for p in res.points}
        best, tried, queue = None, 0, list(cands[:max(1, opts.budget)])
        while queue and best is None:
            batch, queue = queue[:max(1, opts.fps_tries)], queue[max(1, opts.fps_tries):]
            pts, futs = [], []
            for c in batch:
                p = known.get((c, opts.device.target))
                if p is None:
                    p = _point(c, model_paths.get(name), "fps", opts)
                    res.points.append(p)
                    futs.append((runs.submit(_synth_task(p, opts.synth_timeout)), p))
                pts.append(p)
            for f, p in futs:
                _collect(f, p, log)
            tried += len(batch)
            ok = [p for p in pts if meets(p, opts)]
            if ok:
                best = min(ok, key=lambda p: (p.resources["lut"], p.resources["dsp"], p.cycles_per_image))
        res.fps[name] = best
        if best is None:
            log(f"{name}: no design meets {opts.fps:,.0f} images/s at {opts.clock_mhz:g} MHz on the "
                f"{opts.device.name} ({tried} measured)")
        elif best.synth.get("estimate_only"):
            log(f"{name}: would-be smallest meeting {opts.fps:,.0f} images/s by the analytic model (dry run): "
                f"{best.cand.cycles_per_image} cycles/image, {best.cand.label()}")
        else:
            log(f"{name}: smallest meeting {opts.fps:,.0f} images/s by the model: {best.cand.cycles_per_image} "
                f"cycles/image (Verilator measures it below), "
                f"{best.cand.label()}, LUT {best.resources['lut']:,} DSP {best.resources['dsp']}")


def _simulate(res: Search, runs: Runs, opts: Options, log) -> None:
    """Verilator on the Pareto-optimal points that fit: winners (and the smallest designs that meet
    --fps) on `winner_images` (must be bit-exact), the others on `images`."""
    winners = {id(p) for p in list(res.winners.values()) + list(res.fps.values()) if p is not None}
    todo = []
    front = pareto(res.points)
    on = {id(p) for p in front}
    for p in front + [p for p in res.fps.values() if p is not None and id(p) not in on]:
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
        if s.get("estimate_only"):
            log(f"  would simulate {p.cand.bits} {p.cand.label()} in Verilator on {s.get('images')} images "
                f"(dry run: not simulated)")
            continue
        log(f"  Verilator {p.cand.bits} {p.cand.label()}: pass={s.get('pass')} images={s.get('images')} "
            f"mismatches={s.get('mismatches')} accuracy={s.get('accuracy')} "
            f"cycles_per_image={s.get('cycles_per_image')}{' (cached)' if s.get('cached') else ''}")
    bad = [p for p in list(res.winners.values()) + list(res.fps.values())
           if p is not None and (not p.sim or p.sim.get("pass") != "1")]
    if bad and opts.winner_images > 0:
        p = bad[0]
        raise QmlpError(f"the {p.cand.bits} winner ({p.cand.label()}) failed its Verilator run: "
                        f"{(p.sim or {}).get('error') or p.sim}")
    _measured(res, opts, log)
    # after the Verilator runs passed: a failed one has ended the search above, with no netlist build
    # (tens of minutes) left running that the process would wait for before it could exit
    _collect_netlists(_submit_netlists(res, runs, opts), log)


def _measured(res: Search, opts: Options, log) -> None:
    """The hardware's figure wins: every simulated point whose Verilator cycles per image differ
    from the model's gets one line saying by how much (its rows, the BENCH and FPS lines, bench.json
    and bench.md then carry the measured figure: Point.cycles_per_image); a design picked for --fps
    that measured more cycles than the target allows does not meet it."""
    for p in res.points:
        m = p.measured_cycles
        if m is not None and m != p.cand.cycles_per_image:
            d = m - p.cand.cycles_per_image
            log(f"  model off: {p.cand.bits} {p.cand.label()} measured {m} cycles/image in Verilator, the model "
                f"predicted {p.cand.cycles_per_image} ({d:+d}, {100.0 * d / p.cand.cycles_per_image:+.1f} %); "
                "the measured figure is reported")
    if not opts.fps:
        return
    for name, p in list(res.fps.items()):
        if p is not None and p.measured_cycles is not None and p.measured_cycles > opts.max_cycles:
            log(f"{name}: {p.cand.label()} measured {p.measured_cycles} cycles/image, over the {opts.max_cycles} "
                f"that {opts.fps:,.0f} images/s at {opts.clock_mhz:g} MHz allow: it does not meet the target")
            res.fps[name] = None


def designs(res: Search) -> list[Point]:
    """The winners and the smallest designs meeting --fps, each once."""
    out, seen = [], set()
    for p in list(res.winners.values()) + list(res.fps.values()):
        if p is not None and id(p) not in seen:
            seen.add(id(p))
            out.append(p)
    return out


def _submit_netlists(res: Search, runs: Runs, opts: Options) -> list[tuple[Point, Future]]:
    """The xc7 netlist run (sim_synth) of each winner that fits, on `netlist_images` test images."""
    if opts.netlist_images <= 0:
        return []
    from qmlp.flow.dse.runs import NETLIST_TIMEOUT

    return [(p, runs.submit(Task("sim_synth", tuple(sorted(dict(p.params(), IMAGES=opts.netlist_images).items())),
                                 NETLIST_TIMEOUT)))
            for p in designs(res) if p.fits]


def _collect_netlists(nets: list[tuple[Point, Future]], log) -> None:
    for p, f in nets:
        try:
            p.netlist = f.result()
        except Exception as e:  # noqa: BLE001 - recorded; netlist_failures fails the search after bench.json
            p.netlist = {"pass": "0", "error": str(e).splitlines()[-1][:300]}
        n = p.netlist
        if n.get("estimate_only"):
            log(f"  would simulate {p.cand.bits} {p.cand.label()} as a Yosys xc7 netlist on {n.get('images')} images "
                f"(dry run: not simulated)")
            continue
        log(f"  netlist {n.get('netlist', 'yosys-xc7')} {p.cand.bits} {p.cand.label()}: pass={n.get('pass')} "
            f"images={n.get('images')} mismatches={n.get('mismatches')} "
            + (f"({n.get('wall_s')} s{', cached' if n.get('cached') else ''})" if n.get("wall_s") is not None else "")
            + (f": {n['error']}" if n.get("error") else ""))


def netlist_failures(res: Search) -> list[Point]:
    """Winners whose netlist run did not pass (none when no netlist ran)."""
    return [p for p in designs(res) if p.netlist is not None and p.netlist.get("pass") != "1"]


