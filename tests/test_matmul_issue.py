"""qmlp_matmul_issue, the issue and address generator of both matmul engines, on its own.

Icarus runs cores/ip/matmul_issue/tb/qmlp_tb_matmul_issue.v, which prints the generator's outputs
cycle by cycle; the test compares them with the loop nest written out in Python:
    for tile: for k: for slot: output (i, g) = outputs[tile * SLOTS + slot]
SLOTS = 1 is the int8 engine's schedule, SLOTS = 4 the float engine's (adder latency 4).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
RTL = REPO / "cores" / "ip" / "matmul_issue" / "rtl" / "qmlp_matmul_issue.v"
TB = REPO / "cores" / "ip" / "matmul_issue" / "tb" / "qmlp_tb_matmul_issue.v"


def expected(rows, inner, groups, slots):
    """[(issue, first, last, end, a, b, c)] per cycle; None for the addresses of empty slots."""
    outs = [(i, g) for i in range(rows) for g in range(groups)]
    tiles = -(-len(outs) // slots)
    seq = []
    for t in range(tiles):
        for k in range(inner):
            for r in range(slots):
                o = t * slots + r
                first, last = int(k == 0), int(k == inner - 1)
                if o < len(outs):
                    i, g = outs[o]
                    seq.append((1, first, last, 0, i * inner + k, k * groups + g, i * groups + g))
                else:
                    seq.append((0, first, last, 0, None, None, None))
    seq[-1] = seq[-1][:3] + (1,) + seq[-1][4:]
    return seq


def simulate(tmp_path, rows, inner, groups, slots, stop=0):
    params = dict(ROWS=rows, INNER=inner, GROUPS=groups, SLOTS=slots, STOP=stop)
    c = subprocess.run(["iverilog", "-g2005-sv", "-Wall", "-o", "tb.vvp", "-s", "qmlp_tb_matmul_issue",
                        *[f"-Pqmlp_tb_matmul_issue.{k}={v}" for k, v in params.items()], str(TB), str(RTL)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert c.returncode == 0 and not c.stderr.strip(), c.stderr
    s = subprocess.run(["vvp", "-n", "tb.vvp"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert s.returncode == 0 and "ERROR" not in s.stdout and s.stdout.rstrip().endswith("DONE"), s.stdout[-2000:]
    blocks = {0: [], 1: []}
    for line in s.stdout.splitlines():
        if line.startswith("I "):
            f = list(map(int, line.split()[1:]))
            blocks[f[0]].append(tuple(f[1:]))
    return blocks


def compare(got, want):
    assert len(got) == len(want), f"{len(got)} issue cycles, expected {len(want)}"
    for n, (g, w) in enumerate(zip(got, want)):
        if w[4] is None:   # an empty slot: no read, its addresses do not matter
            g, w = g[:4], w[:4]
        assert g == w, f"cycle {n}: got {g}, expected {w} (issue first last end a b c)"


SHAPES = [(3, 5, 2, 4),     # 6 outputs: a full tile and a half-empty one
          (2, 3, 2, 4),     # 4 outputs: one full tile
          (1, 4, 3, 4),     # 3 outputs: a single tile, one empty slot
          (5, 7, 3, 1),     # int8 schedule, odd sizes
          (4, 1, 4, 1),     # INNER = 1: every term is first and last
          (1, 2, 1, 4),     # one output, three empty slots
          (3, 2, 5, 2)]     # another slot count


@pytest.mark.parametrize("rows,inner,groups,slots", SHAPES)
def test_issue_order_matches_the_loop_nest(tmp_path, rows, inner, groups, slots):
    blocks = simulate(tmp_path, rows, inner, groups, slots)
    want = expected(rows, inner, groups, slots)
    compare(blocks[0], want)
    compare(blocks[1], want)     # a second block starts from the beginning again


def test_reset_stops_a_block_and_the_next_starts_clean(tmp_path):
    rows, inner, groups, slots = 3, 5, 2, 4
    want = expected(rows, inner, groups, slots)
    blocks = simulate(tmp_path, rows, inner, groups, slots, stop=13)
    compare(blocks[0], want[:13])
    compare(blocks[1], want)


def test_checker_can_fail():
    want = expected(3, 5, 2, 4)
    bad = list(want)
    bad[9] = (1, 0, 0, 0, 0, 0, 0)
    with pytest.raises(AssertionError, match="cycle 9"):
        compare(bad, want)
    with pytest.raises(AssertionError, match="issue cycles"):
        compare(want[:-1], want)


@pytest.mark.parametrize("slots", [1, 4])
def test_lint_clean(tmp_path, slots):
    r = subprocess.run(["verilator", "--lint-only", "-Wall", "--top-module", "qmlp_matmul_issue",
                        f"-GSLOTS={slots}", "-GROWS=5", "-GINNER=7", "-GGROUPS=3", str(RTL)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
