"""Reading Yosys `stat -json` (qmlp.eda.resources): flattened, hierarchical (Yosys 0.23 writes
the hierarchy as text inside the JSON) and malformed reports."""

import json

import pytest

from qmlp.eda.resources import read_stat, resources_from_cells
from qmlp.errors import QmlpError

# the shape of Yosys 0.23's report of a hierarchical design (from a w4a4 accelerator run)
HIER = """{
   "creator": "Yosys 0.23 (git sha1 7ce5011c24b)",
   "modules": {
      "$paramod$96bced\\\\qmlp_mul_lut": {
         "num_cells":         3,
         "num_cells_by_type": {
            "LUT4": 2,
            "FDRE": 1
         }
      },
      "\\\\qmlp_mlp_accel": {
         "num_cells":         2,
         "num_cells_by_type": {
            "$paramod$96bced\\\\qmlp_mul_lut": 784,
            "BUFG": 1
         }
      }
   },
       $paramod$96bced\\qmlp_mul_lut    784
      "design": {
         "num_cells":         2353,
         "num_cells_by_type": {
            "BUFG": 1,
            "DSP48E1": 32,
            "FDRE": 784,
            "LUT4": 1568,
            "RAM32M": 3
         }
      }
}
"""


def test_hierarchical_report_sums_the_design(tmp_path):
    f = tmp_path / "stat.json"
    f.write_text(HIER)
    cells = read_stat(f)
    assert cells == {"BUFG": 1, "DSP48E1": 32, "FDRE": 784, "LUT4": 1568, "RAM32M": 3}
    r = resources_from_cells(cells)
    assert (r["lut"], r["ff"], r["dsp"], r["bram18"]) == (1568 + 4 * 3, 784, 32, 0)


def test_flattened_report(tmp_path):
    f = tmp_path / "stat.json"
    f.write_text(json.dumps({"modules": {"\\top": {"num_cells_by_type": {"LUT6": 5, "RAMB36E1": 2}}}}))
    r = resources_from_cells(read_stat(f))
    assert (r["lut"], r["bram18"]) == (5, 4)


@pytest.mark.parametrize("text", ["", "{\"modules\": ", HIER.replace('"design"', '"design" oops')])
def test_malformed_report_names_the_file(tmp_path, text):
    f = tmp_path / "stat.json"
    f.write_text(text)
    with pytest.raises(QmlpError, match="stat.json: not a Yosys `stat -json` report"):
        read_stat(f)
