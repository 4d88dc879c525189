"""A small cached pipeline: steps that declare their inputs, keyed by what they declare.

A step names what its result depends on, and its cache key is derived from exactly that:
  code    qmlp modules it runs: each module's source and that of every qmlp module it imports
          (qmlp.hashing.module_closure), so no module can be forgotten in a hand-made list
  cores   FuseSoC cores it builds: every file of the core and of the cores it depends on
          (qmlp.eda.cores), as FuseSoC would use them
  files   input files (contents; a missing file hashes as missing)
  globs   other source files, as glob patterns relative to the checkout
  params  parameters (anything JSON can write)
  after   upstream steps: their results are part of the key
A cached result counts only while its declared outputs exist. Keys are computed when a step
is about to run, after its upstream steps, because inputs may be their outputs.

Why not doit: it would own the command line and its database, and still need the same
declarations; what is left here is ~100 lines with the concurrency the report needs (heavy
steps - simulations, syntheses - two at a time, the rest in order).
"""

from __future__ import annotations

import hashlib
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from qmlp.files import write_text
from qmlp.hashing import file_sha256, module_closure_sha256, sources_sha256
from qmlp.progress import say


@dataclass
class Step:
    name: str
    run: Callable[[], dict]
    code: tuple[str, ...] = ()
    cores: tuple[str, ...] = ()
    files: tuple = ()
    globs: tuple[str, ...] = ()
    params: dict = field(default_factory=dict)
    after: tuple[str, ...] = ()
    heavy: bool = False          # a subprocess (simulation, synthesis): may run beside another
    outputs: tuple = ()          # files the step writes: a cached result counts only while they exist

    def key(self, done: dict[str, dict]) -> str:
        from qmlp.eda.cores import core_files

        parts = {
            "code": module_closure_sha256(*self.code) if self.code else None,
            "cores": {c: [(str(f), file_sha256(f)) for f in core_files(c)] for c in self.cores},
            "files": [(str(f), file_sha256(f)) for f in self.files],
            "globs": sources_sha256(list(self.globs)) if self.globs else None,
            "params": self.params,
            "after": {a: _strip(done[a]) for a in self.after},
        }
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _strip(result: dict) -> dict:
    """An upstream result without its timings: a re-run that took longer changes nothing."""
    return {k: v for k, v in result.items() if k not in ("seconds", "wall_s", "work_root")}


class Cache:
    """One JSON file per name: {"key": ..., "result": ...}; a missing or unreadable file is a miss.

    `get`/`put` take a Step (a result counts only while the step's outputs exist); `load`/`save`
    take a name, for results that are not steps (qmlp.flow.dse's runs).
    """

    def __init__(self, folder: Path):
        self.folder = Path(folder) / "cache"
        self.folder.mkdir(parents=True, exist_ok=True)

    def load(self, name: str, key: str):
        """The result stored under `name` if it was stored with `key`, else None."""
        try:
            d = json.loads((self.folder / f"{name}.json").read_text())
            return d["result"] if d.get("key") == key else None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, name: str, key: str, result: dict) -> None:
        write_text(self.folder / f"{name}.json", json.dumps({"key": key, "result": result}, indent=1))

    def get(self, step: Step, key: str):
        if not all(Path(f).is_file() for f in step.outputs):
            return None
        return self.load(step.name, key)

    def put(self, step: Step, key: str, result: dict) -> None:
        self.save(step.name, key, result)


def log(msg: str) -> None:
    """A progress line of the report; steps that run side by side write whole lines (progress.say)."""
    say(f"qmlp report: {msg}")


def run(steps: list[Step], cache: Cache, jobs: int = 2, log=log) -> dict[str, dict]:
    """Run the steps in order, reusing cached results; consecutive heavy steps whose upstream
    steps are done run `jobs` at a time. Returns {name: result}."""
    done: dict[str, dict] = {}
    counter = {"ran": 0}

    def go(s: Step, key: str):
        t0 = time.perf_counter()
        log(f"{s.name}: running")
        r = s.run()
        r["seconds"] = round(time.perf_counter() - t0, 1)
        cache.put(s, key, r)
        counter["ran"] += 1
        log(f"{s.name}: done in {r['seconds']:.1f} s")
        return r

    i = 0
    while i < len(steps):
        batch = [steps[i]]
        if steps[i].heavy:
            while i + len(batch) < len(steps) and steps[i + len(batch)].heavy and \
                    not set(steps[i + len(batch)].after) & {b.name for b in batch}:
                batch.append(steps[i + len(batch)])
        i += len(batch)
        keys = {s.name: s.key(done) for s in batch}
        todo = []
        for s in batch:
            hit = cache.get(s, keys[s.name])
            if hit is not None:
                done[s.name] = hit
                log(f"{s.name}: up to date")
            else:
                todo.append(s)
        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=jobs) as ex:
                for s, r in zip(todo, ex.map(lambda s: go(s, keys[s.name]), todo)):
                    done[s.name] = r
        else:
            for s in todo:
                done[s.name] = go(s, keys[s.name])
    return done
