"""The search's runs: one fusesoc run per Task, through a concurrent.futures Executor, cached.

A Task is a target (synth, pnr_ecp5, sim_verilator, sim_synth) of qmlp:accel:mlp and its FuseSoC parameters. `Runs`
submits it at most once per cache key: the key is the task's parameters, the model file's
contents and everything else a run reads (the core's files, the hooks' code), hashed when the
task is submitted. The executor is a ThreadPoolExecutor driving the fusesoc subprocesses
locally or, with a scheduler address, a dask.distributed cluster (`Client(address).get_executor()`,
the same interface); workers there need this checkout, its venv and the build folder on a
shared path.
"""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from qmlp import hashing
from qmlp.eda.cores import core_files
from qmlp.errors import QmlpError
from qmlp.flow.dse.model import Candidate
from qmlp.flow.pipeline import Cache
from qmlp.spec import LAB, NetSpec

CORE = "qmlp:accel:mlp"

# what the cores' pre-build hooks and the synthesis report run (`qmlp hook ...`; the CLI only
# dispatches to them), with everything of qmlp they import: part of every cache key. Not the
# CLI module itself: it imports every stage, so an edit of the search or the report would
# make every cached synthesis stale.
CODE = ("qmlp.eda.hooks", "qmlp.eda.resources")
# a netlist run (`qmlp bench --netlist N`: sim_synth, the Yosys xc7 netlist in Verilator) also runs the
# netlist flow's code (`qmlp hook netlist-sim`); only its keys hold it, so an edit there leaves every
# cached synthesis and RTL simulation valid
NETLIST_TARGETS = ("sim_synth",)
NETLIST_CODE = ("qmlp.eda.netlist",)
NETLIST_TIMEOUT = 3 * 3600.0      # the hook's own limits: an hour for Yosys + the Verilator build, an hour to simulate


def stderr_log(msg: str) -> None:
    from qmlp.progress import say

    say(f"qmlp bench: {msg}")             # one whole line, never glued to another thread's


@dataclass(frozen=True)
class Task:
    """One fusesoc run: a target and its parameters (MODEL included)."""
    target: str                      # synth | pnr_ecp5 | sim_verilator | sim_synth (the netlist)
    params: tuple                    # sorted (name, value) pairs
    timeout: float = 3600.0          # seconds for the run (not an input of its result)

    @property
    def pdict(self) -> dict:
        return dict(self.params)

    @property
    def name(self) -> str:
        h = hashlib.sha256(json.dumps(self.params).encode()).hexdigest()[:16]
        return f"{self.target}-{h}"


# ----------------------------------------------------------------------------- evaluators

def run_task(task: Task) -> dict:
    """The real evaluator: `fusesoc run --target <target> qmlp:accel:mlp --P=v ...` in the run's own
    build root (qmlp.eda.runner), its summary fields. Module level: dask workers import it."""
    from qmlp.eda.runner import run_checked

    if task.target == "pnr_ecp5":
        return _route(task)
    if task.target in NETLIST_TARGETS:
        return _netlist(task)
    what = "RESOURCES" if task.target == "synth" else "RESULT"
    r = run_checked(CORE, task.target, task.pdict, what, timeout=task.timeout)
    out = {k: v for k, v in r.items()}
    if task.target == "synth":
        rj = Path(r["work_root"]) / "resources.json"
        if rj.is_file():
            full = json.loads(rj.read_text())
            out.update({k: full[k] for k in ("lut_logic", "lut_memory", "carry4") if k in full})
    return out


def _route(task: Task) -> dict:
    """A pnr_ecp5 run: its resources.json (LUT4, FF, MULT18X18D, DP16KD, fmax), also when the route
    missed its target clock (the run then exits non-zero, but the design fits and has an fmax)."""
    from qmlp.eda.runner import failure_reason, run_fusesoc

    import time

    t0 = time.time()
    res = run_fusesoc(CORE, task.target, task.pdict, timeout=task.timeout)
    rj = Path(res.work_root) / "resources.json"
    if not rj.is_file() or rj.stat().st_mtime < t0 - 1:     # none, or an earlier run's
        tail = "\n".join(res.output.strip().splitlines()[-15:])
        reason = failure_reason(res.output)
        raise QmlpError(f"fusesoc run --target pnr_ecp5 {CORE} failed (work root {res.work_root}):\n{tail}"
                        + (f"\n{reason}" if reason else ""))
    full = json.loads(rj.read_text())
    out = {k: str(full[k]) for k in ("lut", "ff", "dsp", "bram18")}
    out.update(fmax_mhz=full["fmax_mhz"], target_mhz=full["target_mhz"], timing_pass=bool(full["timing_pass"]),
               wall_s=round(res.seconds, 1), work_root=str(res.work_root))
    return out


def _netlist(task: Task) -> dict:
    """A netlist run (sim_synth): its RESULT fields (netlist=yosys-xc7), also a failing one's (pass=0 with
    its mismatch count: the search records it, then fails); a run without a RESULT line is an error."""
    from qmlp.eda.runner import failure_reason, run_fusesoc

    res = run_fusesoc(CORE, task.target, task.pdict, timeout=task.timeout)
    if res.kind != "RESULT":
        tail = "\n".join(res.output.strip().splitlines()[-15:])
        reason = failure_reason(res.output)
        raise QmlpError(f"fusesoc run --target {task.target} {CORE} printed no RESULT line (work root "
                        f"{res.work_root}):\n{tail}" + (f"\n{reason}" if reason else ""))
    out = dict(res.fields)
    if res.returncode != 0 and out.get("pass") == "1":
        out["pass"] = "0"                    # a passing line but a failed run (SPEC 3: pass=0 and non-zero)
    if out.get("pass") != "1":
        out["error"] = failure_reason(res.output) or f"exit {res.returncode}"
    out.update(wall_s=round(res.seconds, 1), work_root=str(res.work_root))
    return out


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
    from qmlp.flow.dse.device import ECP5, XC7

    c = Candidate.from_params(task.pdict, task_spec(task.pdict))
    if task.target in ("synth", "pnr_ecp5"):
        est = (ECP5 if task.target == "pnr_ecp5" else XC7).estimate(c)
        return {**{k: str(v) for k, v in est.items()}, "wall_s": 0.0, "estimate_only": True, "pid": os.getpid()}
    n = int(task.pdict.get("IMAGES", 32))
    return {"pass": "1", "images": str(n), "mismatches": "0", "accuracy": "na",
            "cycles_per_image": str(c.cycles_per_image), "wall_s": 0.0, "estimate_only": True, "pid": os.getpid()}


# ----------------------------------------------------------------------------- cache keys

def inputs_key(files=None) -> dict:
    """What every run of the core depends on besides its parameters: the core's files (RTL,
    testbench, flow scripts, as FuseSoC uses them; `files` is their list, qmlp.eda.cores) and
    the code its hooks run. Hashed when a run is submitted: the checkout may change under a
    long search, and a result is keyed by the files its run read."""
    files = core_files(CORE) if files is None else files
    return {"code": hashing.module_closure_sha256(*CODE), "core": [(str(f), hashing.file_sha256(f)) for f in files]}


def task_key(task: Task, base: dict) -> str:
    """The cache key of a run: `inputs_key()`, the target, the parameters and the model file's
    contents (the same parts qmlp.flow.pipeline.Step.key hashes)."""
    model = task.pdict.get("MODEL")
    parts = {**base, "target": task.target, "params": task.pdict,
             "model": hashing.file_sha256(Path(model)) if model else None}
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Runs:
    """Runs tasks through an Executor, each at most once per cache key.

    `submit(task)` returns a Future: a cached result (no run; already done), or the executor's.
    `calls` counts the tasks that really ran, `hits` those answered by the cache.
    """

    def __init__(self, executor: Executor, cache_dir: Path, evaluate: Callable[[Task], dict] = run_task,
                 log=stderr_log):
        self.executor, self.evaluate, self.log = executor, evaluate, log
        self.cache = Cache(cache_dir)
        self.calls, self.hits = 0, 0
        self._files = core_files(CORE)      # the list (slow to resolve); contents hashed per run

    def key(self, task: Task) -> str:
        base = inputs_key(self._files)
        if task.target in NETLIST_TARGETS:
            base["netlist_code"] = hashing.module_closure_sha256(*NETLIST_CODE)
        return task_key(task, base)

    def cached(self, task: Task, key: str | None = None) -> dict | None:
        return self.cache.load(task.name, key or self.key(task))

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
                if r.get("pass") != "0":        # a failed simulation runs again next time, as a failed run
                    self.cache.save(task.name, key, r)
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
