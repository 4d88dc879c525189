#!/bin/sh
# A venv with pynq 4.0.0 for tests/test_pynq_model.py (pynq pins numpy < 2, so it cannot share
# the project's venv; about 230 MB and 30 s from the package registry). Usage:
#   sh tests/pynq_stub/make_pynq_venv.sh DIR && export QMLP_PYNQ_PYTHON=DIR/bin/python
set -e
dir=${1:?usage: make_pynq_venv.sh DIR}
python3 -m venv "$dir"
"$dir/bin/pip" install -q pynq==4.0.0 pyyaml
"$dir/bin/python" -c "import pynq; print('pynq', pynq.__version__, 'in', '$dir')"
