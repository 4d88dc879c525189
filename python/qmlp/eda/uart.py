"""The host side of the ULX3S board top (cores/board/ulx3s): test images over a UART.

Protocol (8N1, no flow control; the board's default rate is BAUD = 1,000,000), for the network
of the ROM folder's model (its manifest's spec: K1 inputs, C classes, C <= 256):
    host -> board   K1 bytes per image: the Q(8, 7) input codes in input order
    board -> host   1 byte per image: the class 0..C-1, in image order
The images, the golden model's classes and the labels come from a ROM folder (`qmlp roms`, or
the qmlp_roms/ folder of a FuseSoC work root): images.hex holds input-stream words of SIMD1
bytes, first input in the lowest byte, so the byte stream is the same for every design point;
expected.hex holds C logits and the class per image.

`qmlp board classify --port /dev/ttyUSB0` streams the images and prints accuracy and
images/s; the simulated board top is driven by the same encoder and, in the tests, by
`classify()` itself through a pseudo-terminal.
"""

from __future__ import annotations

import json
import os
import select
import time
from dataclasses import dataclass
from pathlib import Path

from qmlp.errors import QmlpError

DEFAULT_BAUD = 1_000_000
UART_DIR = "qmlp_uart"
HOST_TX = "host_tx.bin"


@dataclass
class TestSet:
    images: list[bytes]          # `inputs` input-code bytes each
    expected: list[int]          # the golden int8 model's class per image
    labels: list[int]
    inputs: int = 0              # K1: bytes per image
    classes: int = 0             # C: the class bytes the board may send are 0..C-1

    def __len__(self) -> int:
        return len(self.images)


def _hex_lines(path: Path) -> list[str]:
    try:
        return [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("@")]
    except OSError as e:
        raise QmlpError(f"cannot read {path}: {e.strerror} (a ROM folder from `qmlp roms` or `qmlp hook accel`)") from None


def read_test_set(roms: Path, limit: int | None = None) -> TestSet:
    """Images, golden classes and labels of a ROM folder (first `limit` images)."""
    roms = Path(roms)
    try:
        n, words, bits = (int(x) for x in (roms / "vectors.txt").read_text().split()[:3])
    except (OSError, ValueError) as e:
        raise QmlpError(f"{roms / 'vectors.txt'}: not a ROM folder's vectors.txt ({e})") from None
    if bits % 8 or words < 1 or bits < 8:
        raise QmlpError(f"{roms / 'vectors.txt'}: {words} words of {bits} bits per image: not whole bytes")
    inputs = words * bits // 8
    total = n
    n = min(n, limit) if limit else n
    img, exp, lab = _hex_lines(roms / "images.hex"), _hex_lines(roms / "expected.hex"), _hex_lines(roms / "labels.hex")
    classes = _classes(roms, inputs, len(exp), total)
    per = classes + 1
    if len(img) < n * words or len(exp) < n * per or len(lab) < n:
        raise QmlpError(f"{roms}: images.hex, expected.hex or labels.hex holds fewer than {n} images")
    try:
        images = [b"".join(bytes.fromhex(w)[::-1] for w in img[i * words:(i + 1) * words]) for i in range(n)]
        expected = [int(exp[i * per + classes], 16) for i in range(n)]
        labels = [int(v, 16) for v in lab[:n]]
    except ValueError as e:
        raise QmlpError(f"{roms}: a hex file is corrupt ({e})") from None
    if any(len(b) != inputs for b in images):
        raise QmlpError(f"{roms / 'images.hex'}: words of the wrong width")
    return TestSet(images, expected, labels, inputs, classes)


def _classes(roms: Path, inputs: int, exp_lines: int, images: int) -> int:
    """C of the ROM folder's network: its manifest's (checked against vectors.txt), or, without
    a manifest, what expected.hex holds per image (C logits and the class)."""
    mp = roms / "manifest.json"
    if mp.is_file():
        try:
            v = json.loads(mp.read_text())["vectors"]
            k, c = int(v["inputs"]), int(v["classes"])
        except (OSError, ValueError, KeyError, TypeError) as e:
            raise QmlpError(f"{mp}: no vectors.inputs / vectors.classes ({e.__class__.__name__}: {e})") from None
        if k != inputs:
            raise QmlpError(f"{mp}: the network has {k} inputs, but vectors.txt says {inputs} bytes per image")
    else:
        c = exp_lines // images - 1 if images else 0
        if not images or exp_lines % images:
            raise QmlpError(f"{roms / 'expected.hex'}: {exp_lines} lines are not whole images of {images}")
    if not 2 <= c <= 256:
        raise QmlpError(f"{roms}: {c} classes; the board sends a class as one byte (2..256)")
    return c


def encode(images: list[bytes], inputs: int) -> bytes:
    """The host -> board byte stream: `inputs` bytes per image."""
    for i, b in enumerate(images):
        if len(b) != inputs:
            raise QmlpError(f"image {i} has {len(b)} bytes, not {inputs} (the network's inputs)")
    return b"".join(images)


def decode(data: bytes, classes: int) -> list[int]:
    """The board -> host byte stream: one class per byte (a byte >= classes is a protocol error)."""
    bad = [(i, b) for i, b in enumerate(data) if b >= classes]
    if bad:
        raise QmlpError(f"board sent byte {bad[0][1]:#04x} for image {bad[0][0]}: not a class 0..{classes - 1} "
                        "(wrong bit rate, another model's bitstream, or not the qmlp board top?)")
    return list(data)


@dataclass
class Score:
    images: int
    mismatches: int              # classes that differ from the golden model's
    correct: int                 # classes equal to the labels
    seconds: float

    @property
    def accuracy(self) -> float:
        return 100.0 * self.correct / self.images if self.images else 0.0

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds if self.seconds > 0 else 0.0

    @property
    def passed(self) -> bool:
        return self.images > 0 and self.mismatches == 0


def score(classes: list[int], ts: TestSet, seconds: float) -> Score:
    n = len(classes)
    return Score(n, sum(c != e for c, e in zip(classes, ts.expected)),
                 sum(c == l for c, l in zip(classes, ts.labels)), seconds)


# ----------------------------------------------------------------------------- serial port

def open_port(port: str, baud: int = DEFAULT_BAUD) -> int:
    """A raw 8N1 file descriptor for a tty at `baud` (os/termios; no pyserial needed)."""
    import termios
    import tty

    speed = getattr(termios, f"B{baud}", None)
    if speed is None:
        raise QmlpError(f"--baud {baud}: not a rate this system's termios offers (e.g. 115200, 1000000)")
    try:
        fd = os.open(port, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as e:
        raise QmlpError(f"--port {port}: {e.strerror}") from None
    try:
        tty.setraw(fd)
        a = termios.tcgetattr(fd)
        a[2] = (a[2] & ~(termios.CSTOPB | termios.PARENB | termios.CSIZE | getattr(termios, "CRTSCTS", 0))) \
            | termios.CS8 | termios.CREAD | termios.CLOCAL
        a[4] = a[5] = speed
        termios.tcsetattr(fd, termios.TCSANOW, a)
        termios.tcflush(fd, termios.TCIOFLUSH)
    except termios.error as e:
        os.close(fd)
        raise QmlpError(f"--port {port}: not a serial port ({e})") from None
    return fd


def exchange(fd: int, stream: bytes, n_results: int, classes: int, timeout: float = 5.0, progress=None) -> list[int]:
    """Write `stream` to fd while reading the board's answers; n_results bytes, or a QmlpError
    when the board is silent for `timeout` seconds."""
    out, got, last = 0, bytearray(), time.monotonic()
    while len(got) < n_results:
        want_w = [fd] if out < len(stream) else []
        r, w, _ = select.select([fd], want_w, [], 0.1)
        if w:
            try:
                out += os.write(fd, stream[out:out + 4096])
            except BlockingIOError:
                pass
        if r:
            try:
                chunk = os.read(fd, 4096)
            except BlockingIOError:
                chunk = b""
            if chunk:
                got += chunk
                last = time.monotonic()
                if progress:
                    progress(len(got))
        if time.monotonic() - last > timeout:
            raise QmlpError(f"no answer from the board for {timeout:.0f} s: {len(got)} of {n_results} classes "
                            f"received after {out} of {len(stream)} bytes sent (bit rate? bitstream loaded?)")
    if len(got) > n_results:
        raise QmlpError(f"the board sent {len(got)} bytes for {n_results} images")
    return decode(bytes(got), classes)


def classify(port: str, roms: Path, images: int | None = None, baud: int = DEFAULT_BAUD,
             timeout: float = 5.0, progress=None) -> Score:
    ts = read_test_set(roms, images)
    if not len(ts):
        raise QmlpError(f"{roms}: no test images")
    fd = open_port(port, baud)
    try:
        t0 = time.perf_counter()
        classes = exchange(fd, encode(ts.images, ts.inputs), len(ts), ts.classes, timeout, progress)
        seconds = time.perf_counter() - t0
    finally:
        os.close(fd)
    return score(classes, ts, seconds)


# ----------------------------------------------------------------------------- simulation

def write_host_stream(work_root: Path = Path("."), images: int | None = None) -> Path:
    """`qmlp hook board-stream`: the host -> board bytes for the simulated board top
    (qmlp_uart/host_tx.bin from the run's qmlp_roms/), IMAGES images."""
    from qmlp.eda.edam import edam_parameters
    from qmlp.files import write_bytes

    work_root = Path(work_root)
    if images is None:
        raw = edam_parameters(work_root).get("IMAGES")
        images = int(raw) if raw not in (None, "") else 100
    ts = read_test_set(work_root / "qmlp_roms", images)
    if images and len(ts) < images:
        raise QmlpError(f"--IMAGES={images}: the ROM folder holds {len(ts)} test images")
    out = write_bytes(work_root / UART_DIR / HOST_TX, encode(ts.images, ts.inputs))
    (work_root / UART_DIR / "board_rx.hex").unlink(missing_ok=True)
    return out
