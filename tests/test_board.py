"""The ULX3S board top (qmlp:board:ulx3s) against the golden model, through a UART model.

- fusesoc sim_verilator: 100 test images as 8N1 frames into the simulated board (the host byte
  stream comes from qmlp.eda.uart, the encoder `qmlp board classify` uses); every class byte
  it sends back is checked against the golden model's class.
- `qmlp board classify`'s own serial code (termios, select loop) against the same simulation:
  the Verilator binary reads and writes named pipes, a bridge connects them to a
  pseudo-terminal, and uart.classify() talks to the pty as it would to /dev/ttyUSB0.
- The same two on a network other than the lab's (22 float features, 16 relu units with bias,
  3 classes; trained here): bytes per image and classes come from the model.
- The protocol code on its own: byte order, decoding, a silent board.
No board is attached here: the bitstream (pnr_ecp5 on this core) is built, not run.
"""

import json
import os
import pty
import subprocess
import threading
import time
import tty

import pytest

from fusesoc_conf import private_fusesoc  # noqa: F401  (autouse: FuseSoC cache in a temp folder)
from qmlp.eda import uart
from qmlp.eda.runner import run_fusesoc
from qmlp.errors import QmlpError
from qmlp.spec import LAB

CORE = "qmlp:board:ulx3s"


@pytest.fixture(scope="module")
def board_sim(tmp_path_factory):
    res = run_fusesoc(CORE, "sim_verilator", build_root=tmp_path_factory.mktemp("board"), timeout=1800)
    return res


def test_board_classifies_100_images_over_the_uart(board_sim):
    res = board_sim
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    assert f["pass"] == "1" and f["images"] == "100" and f["mismatches"] == "0", res.output[-3000:]
    # the bytes the board sent, decoded by the host code, equal the golden model's classes
    ts = uart.read_test_set(res.work_root / "qmlp_roms", 100)
    got = uart.decode(bytes(int(v, 16) for v in (res.work_root / "qmlp_uart" / "board_rx.hex").read_text().split()),
                      ts.classes)
    assert got == ts.expected
    assert f["accuracy"] == f"{uart.score(got, ts, 1.0).accuracy:.2f}"
    # the lab's 784 bytes of 10 bits at 5 clock cycles per bit (the simulation's rate)
    assert ts.inputs == LAB.inputs and ts.classes == LAB.classes
    assert int(f["cycles_per_image"]) == LAB.inputs * 10 * 5


def _bridge(master: int, fifo_in, fifo_out, errors: list):
    """The 'FTDI chip': pty master <-> the simulation's named pipes."""
    def host_to_board():
        try:
            with open(fifo_in, "wb", buffering=0) as w:
                while True:
                    try:
                        data = os.read(master, 4096)
                    except OSError:          # the host closed the pty
                        return
                    if not data:
                        return
                    w.write(data)
        except BrokenPipeError:
            return                               # the simulation finished
        except Exception as e:                   # noqa: BLE001 - reported by the test
            errors.append(e)

    def board_to_host():
        try:
            with open(fifo_out, "r") as r:
                for ln in r:
                    os.write(master, bytes([int(ln, 16)]))
        except Exception as e:                   # noqa: BLE001
            errors.append(e)

    ts = [threading.Thread(target=host_to_board, daemon=True), threading.Thread(target=board_to_host, daemon=True)]
    for t in ts:
        t.start()
    return ts


def test_classify_command_over_a_pty_against_the_simulated_board(board_sim, tmp_path):
    _classify_over_pty(board_sim, 20, tmp_path)


def _classify_over_pty(res, n, tmp_path):
    assert res.returncode == 0, res.output[-3000:]
    exe = res.work_root / "Vqmlp_tb_ulx3s"
    fifo_in, fifo_out = tmp_path / "host_tx", tmp_path / "board_rx"
    os.mkfifo(fifo_in)
    os.mkfifo(fifo_out)
    master, slave = pty.openpty()
    tty.setraw(slave)
    errors = []
    sim = subprocess.Popen([str(exe), f"+IMAGES={n}", f"+UART_IN={fifo_in}", f"+UART_OUT={fifo_out}"],
                           cwd=res.work_root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _bridge(master, fifo_in, fifo_out, errors)
        t0 = time.monotonic()
        s = uart.classify(os.ttyname(slave), res.work_root / "qmlp_roms", images=n, timeout=60)
        out, _ = sim.communicate(timeout=120)
    finally:
        if sim.poll() is None:
            sim.kill()
            sim.communicate()
        os.close(slave)
        os.close(master)
    assert not errors, errors
    assert s.images == n and s.mismatches == 0 and s.passed, out
    ts = uart.read_test_set(res.work_root / "qmlp_roms", n)
    assert s.correct == sum(e == lab for e, lab in zip(ts.expected, ts.labels))
    assert 0 < s.seconds <= time.monotonic() - t0 and s.images_per_s > 0
    assert f"RESULT pass=1 images={n} mismatches=0" in out


# ----------------------------------------------------------------------------- protocol alone

def _rom_folder(path, simd=49, n=3, inputs=LAB.inputs, classes=LAB.classes, manifest=False):
    """A ROM folder's test files with known inputs: image i, input p holds (i * 7 + p) % 256."""
    path.mkdir()
    words = inputs // simd
    img = [bytes((i * 7 + p) % 256 for p in range(inputs)) for i in range(n)]
    lines = [img[i][w * simd:(w + 1) * simd][::-1].hex() for i in range(n) for w in range(words)]
    (path / "images.hex").write_text("\n".join(lines) + "\n")
    (path / "vectors.txt").write_text(f"{n} {words} {simd * 8}\n")
    (path / "expected.hex").write_text("".join("00000000\n" * classes + f"{i % classes:08x}\n" for i in range(n)))
    (path / "labels.hex").write_text("".join(f"{(i + 1) % classes:x}\n" for i in range(n)))
    if manifest:
        (path / "manifest.json").write_text(json.dumps({"vectors": {"inputs": inputs, "classes": classes}}))
    return img


@pytest.mark.parametrize("simd,inputs,classes,manifest", [(49, LAB.inputs, LAB.classes, False),
                                                          (16, LAB.inputs, LAB.classes, True),
                                                          (1, LAB.inputs, LAB.classes, False),
                                                          (11, 22, 3, True), (1, 5, 2, False)])
def test_byte_stream_is_input_order_for_every_design_point(tmp_path, simd, inputs, classes, manifest):
    img = _rom_folder(tmp_path / "r", simd, inputs=inputs, classes=classes, manifest=manifest)
    ts = uart.read_test_set(tmp_path / "r")
    assert (ts.inputs, ts.classes) == (inputs, classes)
    assert ts.images == img and ts.expected == [i % classes for i in range(3)]
    assert ts.labels == [(i + 1) % classes for i in range(3)]
    assert uart.encode(ts.images, inputs) == b"".join(img)
    assert len(uart.read_test_set(tmp_path / "r", 2)) == 2


def test_protocol_errors_are_named(tmp_path):
    with pytest.raises(QmlpError, match="not a class 0..9"):
        uart.decode(bytes([3, 0x41]), LAB.classes)
    with pytest.raises(QmlpError, match="not a class 0..2"):
        uart.decode(bytes([2, 3]), 3)
    assert uart.decode(bytes([2, 0]), 3) == [2, 0]
    with pytest.raises(QmlpError, match="has 10 bytes, not 784"):
        uart.encode([bytes(10)], LAB.inputs)
    with pytest.raises(QmlpError, match="vectors.txt"):
        uart.read_test_set(tmp_path)
    # a manifest whose network does not match the vectors, and a folder with no whole images
    _rom_folder(tmp_path / "m", 11, inputs=22, classes=3, manifest=True)
    (tmp_path / "m" / "manifest.json").write_text(json.dumps({"vectors": {"inputs": 24, "classes": 3}}))
    with pytest.raises(QmlpError, match="the network has 24 inputs, but vectors.txt says 22 bytes per image"):
        uart.read_test_set(tmp_path / "m")
    _rom_folder(tmp_path / "e", 11, inputs=22, classes=3)
    with open(tmp_path / "e" / "expected.hex", "a") as f:
        f.write("00000000\n")
    with pytest.raises(QmlpError, match="13 lines are not whole images of 3"):
        uart.read_test_set(tmp_path / "e")
    with pytest.raises(QmlpError, match="--baud 12345"):
        uart.open_port("/dev/null", 12345)


def test_a_silent_board_times_out(tmp_path):
    _rom_folder(tmp_path / "r")
    master, slave = pty.openpty()
    drained = threading.Thread(target=lambda: _drain(master), daemon=True)
    drained.start()
    try:
        with pytest.raises(QmlpError, match="no answer from the board for 1 s: 0 of 3 classes"):
            uart.classify(os.ttyname(slave), tmp_path / "r", timeout=1)
    finally:
        os.close(slave)
        os.close(master)


def _drain(fd):
    try:
        while os.read(fd, 4096):
            pass
    except OSError:
        pass


# ----------------------------------------------------------------------------- another network

TAB_POINT = {"PE": "4,1", "SIMD": "2,4"}


@pytest.fixture(scope="module")
def tab_board_sim(tmp_path_factory):
    """The board top built for a 22-16-3 relu+bias float-input network trained here, 60 images."""
    from test_driver_anynet import FEATURES, HIDDEN, CLASSES, make_tabular, train_model

    tmp = tmp_path_factory.mktemp("tabboard")
    data = make_tabular(tmp / "tab.npz")
    path, net = train_model(tmp, (FEATURES, HIDDEN, CLASSES), "relu", data=data, epochs=3)
    res = run_fusesoc(CORE, "sim_verilator", dict(TAB_POINT, MODEL=str(path), IMAGES=60), build_root=tmp / "fs",
                      timeout=1800)
    return res, net


def test_board_classifies_another_network_over_the_uart(tab_board_sim):
    from test_driver_anynet import FEATURES, CLASSES

    res, net = tab_board_sim
    assert res.returncode == 0 and res.kind == "RESULT", res.output[-3000:]
    f = res.fields
    assert f["pass"] == "1" and f["images"] == "60" and f["mismatches"] == "0", res.output[-3000:]
    ts = uart.read_test_set(res.work_root / "qmlp_roms", 60)
    assert (ts.inputs, ts.classes) == (FEATURES, CLASSES)
    # the host stream is 22 bytes per image; the classes the board sent are the golden model's
    assert (res.work_root / "qmlp_uart" / "host_tx.bin").stat().st_size == 60 * FEATURES
    got = uart.decode(bytes(int(v, 16) for v in (res.work_root / "qmlp_uart" / "board_rx.hex").read_text().split()),
                      ts.classes)
    from qmlp.nn.data import load_raw
    from qmlp.numerics import intnet

    x = load_raw(_data_of(res))[2][:60]
    assert got == ts.expected == intnet.forward(net, intnet.inputs_to_codes(x, net.spec, net.fmt))[1].tolist()
    assert int(f["cycles_per_image"]) == FEATURES * 10 * 5
    print(f"board, {net.spec.describe()}: {res.output.strip().splitlines()[-1]}")


def _data_of(res):
    return json.loads((res.work_root / "qmlp_roms" / "manifest.json").read_text())["source"]["data"]


def test_classify_another_network_over_a_pty(tab_board_sim, tmp_path):
    _classify_over_pty(tab_board_sim[0], 30, tmp_path)
