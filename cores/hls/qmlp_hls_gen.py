"""FuseSoC generator of the qmlp:hls cores (registered by hls_generator.core).

FuseSoC runs it as `python3 qmlp_hls_gen.py <input.yml>` in the generator's working folder; the
logic is in python/qmlp/hls/gen.py (where the RTL comes from) and qmlp/hls/package.py (packaging).
"""
import sys

try:
    from qmlp.hls.gen import main
except ImportError as e:  # python3 on PATH is not the venv with qmlp installed
    print(f"ERROR: the qmlp:hls generator needs the qmlp package ({e}): put .venv/bin first on PATH "
          "(make setup; export PATH=$PWD/.venv/bin:$PATH)")
    sys.exit(1)

sys.exit(main())
