"""A ROM folder's manifest (manifest.json): its version, the model header's name, and `verify`,
which re-hashes every file it lists and checks its counts (untrusted numbers: the testbench and
the board host size their buffers by them) against the files, in Python integers. The writer is
qmlp.hw.roms.write."""

from __future__ import annotations

import json
from pathlib import Path

from qmlp.errors import QmlpError
from qmlp.hashing import file_sha256

MANIFEST_VERSION = 4
MODEL_HEADER = "qmlp_mlp_model.vh"


def verify(folder: Path) -> dict:
    """Re-hash every file listed in the manifest; raise QmlpError naming the first that differs."""
    folder = Path(folder)
    mp = folder / "manifest.json"
    if folder.exists() and not folder.is_dir():
        raise QmlpError(f"{folder} is a file, not a ROM folder (qmlp roms --out makes one)")
    if not mp.is_file():
        raise QmlpError(f"{mp} not found (make the ROMs with: qmlp roms, or run a qmlp:accel:mlp target)")
    try:
        man = json.loads(mp.read_text())
        if man.get("version") != MANIFEST_VERSION:
            raise QmlpError(f"{mp} has manifest version {man.get('version')}, this qmlp writes {MANIFEST_VERSION}: "
                            "regenerate the ROMs")
        want = {f: h for r in man["roms"].values() for f, h in r["sha256"].items()}
        want.update(man["vectors"]["sha256"])
        want[MODEL_HEADER] = man["model_header_sha256"]
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise QmlpError(f"{mp} is not a qmlp ROM manifest ({e.__class__.__name__}: {e})") from None
    for f, h in sorted(want.items()):
        if not isinstance(f, str) or Path(f).name != f or f.startswith("."):
            raise QmlpError(f"{mp} lists {f!r}: a ROM folder's files are plain names inside it")
        p = folder / f
        if not p.is_file():
            raise QmlpError(f"{p} is missing (listed in {mp})")
        if file_sha256(p) != h:
            raise QmlpError(f"{p} does not match the hash in {mp}: regenerate with qmlp roms")
    _check_counts(man, folder, mp)
    return man


def _count(v, what: str, mp: Path, lo: int = 0) -> int:
    """A count from the manifest: an int (not a bool, not a float) from lo up to 2**40."""
    if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= 1 << 40:
        raise QmlpError(f"{mp}: {what}={v!r} is not a count ({lo}..2**40)")
    return v


def _lines(p: Path) -> int:
    return p.read_bytes().count(b"\n")


def _check_counts(man: dict, folder: Path, mp: Path) -> None:
    """The manifest's sizes (untrusted numbers: the testbench and the board host size their
    buffers by them) against the files' actual line counts, in Python integers."""
    try:
        vec = man["vectors"]
        n = _count(vec["images"], "vectors.images", mp)
        words = _count(vec["words_per_image"], "vectors.words_per_image", mp, 1)
        bits = _count(vec["word_bits"], "vectors.word_bits", mp, 8)
        classes = _count(vec["classes"], "vectors.classes", mp, 2)
        _count(man["cycles_per_image"], "cycles_per_image", mp, 1)
        want = {"images.hex": n * words, "labels.hex": n, "expected.hex": n * (classes + 1)}
        for name, r in man["roms"].items():
            want[f"{name}.hex"] = _count(r["depth"], f"roms.{name}.depth", mp, 1)
    except (KeyError, TypeError, AttributeError) as e:
        raise QmlpError(f"{mp} is not a qmlp ROM manifest ({e.__class__.__name__}: {e})") from None
    for f, lines in want.items():
        have = _lines(folder / f)
        if have != lines:
            raise QmlpError(f"{folder / f} has {have} lines, {mp} promises {lines}: regenerate with qmlp roms")
    vt = (folder / "vectors.txt").read_text().split()
    if vt[:3] != [str(n), str(words), str(bits)]:
        raise QmlpError(f"{folder / 'vectors.txt'} says {' '.join(vt[:3])}, {mp} {n} {words} {bits}: regenerate with "
                        "qmlp roms")
