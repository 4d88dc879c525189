"""The ULX3S board top (qmlp:board:ulx3s) against the golden model, through a UART model.

- fusesoc sim_verilator: 100 test images as 8N1 frames into the simulated board (the host byte
  stream comes from qmlp.eda.uart, the encoder `qmlp board classify` uses); every class byte
  it sends back is checked against the golden model's class.
- `qmlp board classify`'s own serial code (termios, select loop) against the same simulation:
  the Verilator binary reads and writes named pipes, a bridge connects them to a
  pseudo-terminal, and uart.classify() talks to the pty as it would to /dev/ttyUSB0.
- The protocol code on its own: byte order, decoding, a silent board.
No board is attached here: the bitstream (pnr_ecp5 on this core) is built, not run.
"""

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
    got = uart.decode(bytes(int(v, 16) for v in (res.work_root / "qmlp_uart" / "board_rx.hex").read_text().split()))
    assert got == ts.expected
    assert f["accuracy"] == f"{uart.score(got, ts, 1.0).accuracy:.2f}"
    # 784 bytes of 10 bits at 5 clock cycles per bit (the simulation's rate)
    assert int(f["cycles_per_image"]) == 784 * 10 * 5


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
    res = board_sim
    assert res.returncode == 0, res.output[-3000:]
    n = 20
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

def _rom_folder(path, simd=49, n=3):
    """A ROM folder's test files with known pixels: image i, pixel p holds (i * 7 + p) % 256."""
    path.mkdir()
    words = 784 // simd
    img = [bytes((i * 7 + p) % 256 for p in range(784)) for i in range(n)]
    lines = [img[i][w * simd:(w + 1) * simd][::-1].hex() for i in range(n) for w in range(words)]
    (path / "images.hex").write_text("\n".join(lines) + "\n")
    (path / "vectors.txt").write_text(f"{n} {words} {simd * 8}\n")
    (path / "expected.hex").write_text("".join("00000000\n" * 10 + f"{i % 10:08x}\n" for i in range(n)))
    (path / "labels.hex").write_text("".join(f"{(i + 1) % 10:x}\n" for i in range(n)))
    return img


@pytest.mark.parametrize("simd", [49, 16, 1])
def test_byte_stream_is_pixel_order_for_every_design_point(tmp_path, simd):
    img = _rom_folder(tmp_path / "r", simd)
    ts = uart.read_test_set(tmp_path / "r")
    assert ts.images == img and ts.expected == [0, 1, 2] and ts.labels == [1, 2, 3]
    assert uart.encode(ts.images) == b"".join(img)
    assert len(uart.read_test_set(tmp_path / "r", 2)) == 2


def test_protocol_errors_are_named(tmp_path):
    with pytest.raises(QmlpError, match="not a class 0..9"):
        uart.decode(bytes([3, 0x41]))
    with pytest.raises(QmlpError, match="has 10 bytes, not 784"):
        uart.encode([bytes(10)])
    with pytest.raises(QmlpError, match="vectors.txt"):
        uart.read_test_set(tmp_path)
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
