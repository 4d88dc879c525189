"""examples/: what a PYNQ-Z2 user copies to the board, run here on the driver's simulation backend.

No board is attached here. The example script runs end to end against the RTL (qmlp.driver's
sim backend, Icarus, a few images), and its results are compared with the golden models bit for
bit: the accelerator's classes with the integer network (qmlp.numerics.intnet), the lab's
feed_forward_hw with layer 2 on the simulated int8 matmul IP with the same function with
golden.matmul_i8 in layer 2. The folder examples/pack_board.py makes for the board is checked
to run on its own (the driver package files it copies are enough, no torch); its board path
stops cleanly when the pynq package cannot be imported (the test hides it, installed or not). The notebook is checked as a
file: valid JSON, small, no outputs, its code compiles and calls what the script defines.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp.config import DEFAULT_DATA
from qmlp.eda.runner import tool_env

REPO = Path(__file__).resolve().parents[1]
EX = REPO / "examples"
SCRIPT = EX / "pynq_classify.py"
N = 8


def example_module():
    spec = importlib.util.spec_from_file_location("pynq_classify", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_example(*args, cwd=None, timeout=600):
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], cwd=cwd, capture_output=True, text=True,
                          env=tool_env(), timeout=timeout)


def golden_logits(work_root: Path, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(logits, classes) of the integer network of the model whose ROMs the simulated design holds."""
    from qmlp.nn import quant
    from qmlp.numerics import intnet

    man = json.loads((work_root / "qmlp_roms" / "manifest.json").read_text())
    net = intnet.build(quant.load(man["source"]["quant"]))
    return intnet.forward(net, intnet.pixels_to_codes(images))


def test_example_classifies_on_the_sim_backend_bit_exact(tmp_path):
    from qmlp.driver import sim

    design = sim.write_design(tmp_path / "qmlp_mlp.json", "mlp", {"PE": "4,16,2", "SIMD": "49,1,1"}, tool="icarus")
    p = run_example("--backend", "sim", "--bit", design, "--data", DEFAULT_DATA, "--images", N,
                    "--save", tmp_path / "out.npz")
    assert p.returncode == 0, p.stdout + p.stderr
    last = p.stdout.strip().splitlines()
    assert last[-1].startswith("ACCURACY mode=overlay-mlp accuracy=") and last[-1].endswith(f" images={N}")
    assert f"{N} images in " in last[-2] and "images/s (sim)" in last[-2]
    got = np.load(tmp_path / "out.npz")
    x, y = example_module().load_test_set(DEFAULT_DATA, N)
    logits, classes = golden_logits(sim.Model(design).build(), x)   # the cached build: no second compile
    assert np.array_equal(got["logits"], logits) and np.array_equal(got["classes"], classes)
    assert last[-1] == f"ACCURACY mode=overlay-mlp accuracy={100 * np.mean(classes == y):.2f} images={N}"
    bad = got["logits"].copy()
    bad[3, 0] += 1                                                 # the comparison catches one wrong word
    assert not np.array_equal(bad, logits)


def test_example_classifies_another_network_bit_exact(tmp_path):
    """The example on a network other than the lab's: a tabular .npz (22 float features, 16 relu
    units with bias, 3 classes, trained here), the overlay's sizes from its registers, --manifest
    checking the model and saying the inputs are float features."""
    from test_driver_anynet import CLASSES, FEATURES, HIDDEN, make_tabular, train_model

    from qmlp.driver import sim
    from qmlp.numerics import intnet

    data = make_tabular(tmp_path / "tab.npz")
    path, net = train_model(tmp_path, (FEATURES, HIDDEN, CLASSES), "relu", data=data, epochs=3)
    design = sim.write_design(tmp_path / "qmlp_mlp.json", "mlp", {"PE": "4,1", "SIMD": "2,4", "MODEL": str(path)},
                              tool="icarus")
    manifest = sim.Model(design).build() / "qmlp_roms" / "manifest.json"
    p = run_example("--backend", "sim", "--bit", design, "--data", data, "--images", 30, "--manifest", manifest,
                    "--save", tmp_path / "out.npz")
    assert p.returncode == 0, p.stdout + p.stderr
    x, y = example_module().load_test_set(data, 30)
    assert x.dtype == np.float32 and x.shape == (30, FEATURES)
    logits, classes = intnet.forward(net, intnet.inputs_to_codes(x, net.spec, net.fmt))
    got = np.load(tmp_path / "out.npz")
    assert np.array_equal(got["logits"], logits) and np.array_equal(got["classes"], classes)
    assert p.stdout.strip().splitlines()[-1] == \
        f"ACCURACY mode=overlay-mlp accuracy={100 * np.mean(classes == y):.2f} images=30"
    # without the manifest the driver does not guess what float inputs are
    p = run_example("--backend", "sim", "--bit", design, "--data", data, "--images", 3)
    assert p.returncode == 1 and "float32 features, but the network takes uint8 pixels or int8 codes" in p.stderr
    assert "Traceback" not in p.stderr


def test_lab_feed_forward_hw_on_the_simulated_i8_ip_bit_exact(tmp_path, build_dir):
    """The example's matmul path (the lab's feed_forward_hw, layer 2 on qmlp:axi:matmul KIND=i8)
    against the same function with golden.matmul_i8 in layer 2: logits equal bit for bit."""
    from qmlp.config import Paths
    from qmlp.driver import sim
    from qmlp.nn import cache
    from qmlp.numerics import golden

    ex = example_module()
    model_path = cache.float_model(Paths(build_dir), None)          # the session's default model
    model = ex.load_model(model_path)
    x, y = ex.load_test_set(DEFAULT_DATA, N)
    design = sim.write_design(tmp_path / "qmlp_matmul_i8.json", "matmul", {"KIND": "i8", "LANES": 16}, tool="icarus")
    p = run_example("--backend", "sim", "--bit", design, "--kind", "i8", "--model", model_path, "--data", DEFAULT_DATA,
                    "--images", N, "--save", tmp_path / "out.npz")
    assert p.returncode == 0, p.stdout + p.stderr
    last = p.stdout.strip().splitlines()[-1]
    assert last.startswith("ACCURACY mode=overlay-matmul-i8 accuracy=") and last.endswith(f" images={N}")
    got = np.load(tmp_path / "out.npz")
    fl_b = ex._b_fraction_length(model["fc2w"])

    def golden_matmul(a, b):       # what the IP computes, on codes, scaled back as the driver does
        c = golden.matmul_i8(np.rint(a * 2.0 ** ex.FL_A).astype(np.int8), np.rint(b * 2.0 ** fl_b).astype(np.int8))
        return np.ldexp(c.astype(np.float64), -(ex.FL_A + fl_b)).astype(np.float32)
    want = ex.feed_forward_hw(x, model, golden_matmul, "i8", fl_b)
    assert got["logits"].dtype == np.float32 and np.array_equal(got["logits"], want)
    assert np.array_equal(got["classes"], np.argmax(want, axis=1))
    assert last == f"ACCURACY mode=overlay-matmul-i8 accuracy={100 * np.mean(np.argmax(want, axis=1) == y):.2f} images={N}"


@pytest.mark.parametrize("args,msg", [
    (["--images", "0"], "--images must be at least 1"),
    (["--kind", "i8"], "--kind needs --model"),
    (["--model", "m.npz"], "--model goes with --kind"),
    (["--bit", "missing.bit"], "missing.bit: no such bitstream"),
    (["--bit", "only.bit"], "only.hwh: pynq needs the .hwh beside the .bit"),
    (["--bit", "ok.bit", "--data", "nodata"], "no t10k-images-idx3-ubyte[.gz] in nodata"),
    (["--bit", "ok.bit", "--batch", "0"], "--batch must be at least 1"),
])
def test_example_arguments(tmp_path, args, msg):
    (tmp_path / "only.bit").write_text("x")
    (tmp_path / "ok.bit").write_text("x")
    (tmp_path / "ok.hwh").write_text("x")
    (tmp_path / "nodata").mkdir()
    full = (["--bit", "ok.bit"] if "--bit" not in args else []) + ["--data", str(DEFAULT_DATA)] + args
    p = run_example(*full, cwd=tmp_path, timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert f"pynq_classify: error: {msg}" in p.stderr, p.stderr
    assert "Traceback" not in p.stderr


def test_packed_board_folder_runs_on_its_own(tmp_path):
    spec = importlib.util.spec_from_file_location("pack_board", EX / "pack_board.py")
    pb = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pb)
    built = tmp_path / "build"
    built.mkdir()
    (built / "qmlp_mlp.bit").write_text("placeholder, not a bitstream")
    (built / "qmlp_mlp.hwh").write_text((REPO / "tests/pynq_stub/qmlp_bd.hwh").read_text())
    out = tmp_path / "pynq_qmlp"
    pb.pack(built / "qmlp_mlp.bit", out, DEFAULT_DATA)
    for f in ("qmlp_mlp.bit", "qmlp_mlp.hwh", "pynq_classify.py", "pynq_classify.ipynb", "qmlp/driver/overlay.py",
              "qmlp/driver/regs.py"):
        assert (out / f).is_file(), f
    assert sorted(p.name.split("-")[0] for p in (out / "data").iterdir()) == ["t10k", "t10k"]
    # only the packed folder provides qmlp: every qmlp module the board path loads comes from it
    code = f"""
import sys
sys.path.insert(0, {str(out)!r})
import numpy as np
import pynq_classify as ex
import qmlp, qmlp.driver
from qmlp.driver.overlay import pixel_codes
from qmlp.driver import regs
x, y = ex.load_test_set({str(out / 'data')!r}, 5)
regs.mlp_input_words(pixel_codes(x))
bad = [m for m, v in sys.modules.items() if m.startswith('qmlp') and not str(getattr(v, '__file__', '')).startswith({str(out)!r})]
assert not bad, bad
assert 'torch' not in sys.modules
print('ok', x.shape)
"""
    p = subprocess.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and "ok (5, 784)" in p.stdout, p.stdout + p.stderr
    # the board path from the packed folder: argument and data handling work; pynq itself is made
    # unimportable (None in sys.modules), so the message is the same where pynq is installed
    run = ("import runpy, sys; sys.modules['pynq'] = None; sys.argv = ['pynq_classify.py', '--bit', 'qmlp_mlp.bit', "
           "'--images', '5']; runpy.run_path('pynq_classify.py', run_name='__main__')")
    p = subprocess.run([sys.executable, "-c", run], cwd=out, capture_output=True, text=True, timeout=60)
    assert p.returncode == 1 and "the pynq package is not installed" in p.stderr, p.stdout + p.stderr
    assert "Traceback" not in p.stderr
    with pytest.raises(SystemExit, match="exists and is not empty"):
        pb.pack(built / "qmlp_mlp.bit", out, DEFAULT_DATA)


def test_notebook_is_small_valid_json_without_outputs():
    path = EX / "pynq_classify.ipynb"
    assert path.stat().st_size < 10_000
    nb = json.loads(path.read_text())
    assert nb["nbformat"] == 4 and nb["cells"]
    ex = example_module()
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)
    src = "\n".join("".join(c["source"]) for c in code)
    compile(src, "pynq_classify.ipynb", "exec")
    for name in ("load_test_set", "run_mlp", "run_matmul", "load_model"):
        assert name in src and callable(getattr(ex, name))
    assert "qmlp_mlp.bit" in src and "manifest.json" in src
