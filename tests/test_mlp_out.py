"""qmlp_mlp_out, the accelerator's output stage, on its own (Icarus, a second or so per case).

The logits are drawn with many ties and the int32 extremes, which the lab's images rarely
give: the class beat must be numpy's argmax (the first maximum) whatever the data, after the
N logits unchanged, and an image must leave every N + 5 cycles when the stream never stalls.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
RTL = REPO / "cores" / "accel" / "mlp" / "rtl" / "qmlp_mlp_out.v"
TB = REPO / "cores" / "accel" / "mlp" / "tb" / "qmlp_tb_mlp_out.v"
EXTREMES = [-2**31, 2**31 - 1, -1, 0, 1]


def draw(rng, images, n):
    """Logits from a handful of values (ties in most images), some images all equal."""
    pool = np.array(EXTREMES + list(rng.integers(-2**31, 2**31, 3)), dtype=np.int64)
    x = pool[rng.integers(0, len(pool), (images, n))]
    x[::5] = x[::5, :1]                       # every fifth image: all logits equal
    return x


def simulate(tmp_path, x, pe, stall):
    images, n = x.shape
    (tmp_path / "logits.hex").write_text("\n".join(f"{int(v) & 0xFFFFFFFF:08x}" for v in x.ravel()) + "\n")
    params = dict(N=n, PE=pe, IMAGES=images, STALL=stall)
    c = subprocess.run(["iverilog", "-g2005-sv", "-o", "tb.vvp", "-s", "qmlp_tb_mlp_out",
                        *[f"-Pqmlp_tb_mlp_out.{k}={v}" for k, v in params.items()], str(TB), str(RTL)],
                       cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert c.returncode == 0 and not c.stderr.strip(), c.stderr
    s = subprocess.run(["vvp", "-n", "tb.vvp"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert s.returncode == 0 and s.stdout.rstrip().endswith("DONE"), s.stdout[-2000:]
    return [tuple(map(int, l.split()[1:])) for l in s.stdout.splitlines() if l.startswith("B ")]


def mismatches(beats, x):
    """Beats that differ from the logits then numpy's argmax, tlast on the class beat only."""
    images, n = x.shape
    want = [(i, j, int(x[i, j]) if j < n else int(np.argmax(x[i])), int(j == n))
            for i in range(images) for j in range(n + 1)]
    got = [b[:4] for b in beats]
    return [(g, w) for g, w in zip(got, want) if g != w] + ([("count", len(got), len(want))]
                                                            if len(got) != len(want) else [])


@pytest.mark.parametrize("n,pe,stall", [(10, 2, 0), (10, 5, 30), (7, 1, 0), (1, 1, 20), (2, 2, 0), (4, 1, 50)])
def test_logits_and_first_maximum_bit_exact(tmp_path, n, pe, stall):
    x = draw(np.random.default_rng(n * 100 + pe), 40, n)
    beats = simulate(tmp_path, x, pe, stall)
    assert mismatches(beats, x) == []
    if stall == 0:
        firsts = [b[4] for b in beats if b[1] == 0]
        assert set(np.diff(firsts)) == {n + 5}, np.diff(firsts)
    # the checker sees a corrupted class word and a corrupted logit
    bad = [list(b) for b in beats]
    bad[n][2] ^= 1
    bad[0][2] ^= 1 << 31
    assert len(mismatches([tuple(b) for b in bad], x)) == 2
