#!/usr/bin/env python3
"""FuseSoC generator (qmlp_roms): package the accelerator's ROMs as a core.

FuseSoC runs this with a YAML file (files_root, parameters, vlnv) in a fresh folder. It makes
the ROM folder up to date with `qmlp roms` logic (training and quantizing a default model if
there is none), copies the files here and writes the core named `vlnv` with:
  params  qmlp_mlp_params.vh (include): the hardware parameters, from the manifest
  roms    fc1/fc2/fc3/tanh .mem (file_type mem: Vivado's read_mem; copied to qmlp_roms/)
  vectors images/expected/labels/vectors.txt for the testbench (copied to qmlp_roms/)
The parallelism is chosen with `qmlp roms --pe ... --simd ...`; this generator keeps whatever
configuration the ROM folder has (default: the one in qmlp.roms).
"""

import shutil
import sys
from pathlib import Path

import yaml


def main() -> int:
    try:
        from qmlp import roms
        from qmlp.config import Paths
        from qmlp.errors import QmlpError
    except ImportError as e:
        print(f"ERROR: qmlp_roms generator: cannot import qmlp ({e}); put the project's .venv/bin first on PATH",
              file=sys.stderr)
        return 1
    cfg = yaml.safe_load(Path(sys.argv[1]).read_text())
    vlnv = cfg["vlnv"]
    try:
        man, regen = roms.ensure(Paths(), progress=False)
        src = Path(Paths().roms_dir)
        roms.verify(src)
    except QmlpError as e:
        print(f"ERROR: qmlp_roms generator: {e}")
        print("RESULT pass=0 images=0 mismatches=0 accuracy=0.00 cycles_per_image=0")
        return 1
    mems = ["fc1.mem", "fc2.mem", "fc3.mem", "tanh.mem"]
    vectors = ["images.hex", "expected.hex", "labels.hex", "vectors.txt"]
    for f in ["qmlp_mlp_params.vh", "manifest.json"] + mems + vectors:
        shutil.copy2(src / f, f)
    core = {
        "name": vlnv,
        "description": f"qmlp accelerator ROMs from {src} (PE={[l['pe'] for l in man['layers']]}, "
                       f"SIMD={[l['simd'] for l in man['layers']]})",
        "filesets": {
            "params": {"files": [{"qmlp_mlp_params.vh": {"is_include_file": True}}], "file_type": "verilogSource"},
            "roms": {"files": [{m: {"copyto": f"qmlp_roms/{m}"}} for m in mems], "file_type": "mem"},
            "vectors": {"files": [{v: {"copyto": f"qmlp_roms/{v}"}} for v in vectors], "file_type": "user"},
        },
        "targets": {"default": {"filesets": ["params", "roms", "vectors"]}},
    }
    name = vlnv.split(":")[2] if vlnv.count(":") >= 2 else vlnv
    Path(f"{name}.core").write_text("CAPI=2:\n" + yaml.safe_dump(core, sort_keys=False))
    print(f"qmlp_roms: {'regenerated' if regen else 'packaged'} ROMs ({man['cycles_per_image']} cycles/image)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
