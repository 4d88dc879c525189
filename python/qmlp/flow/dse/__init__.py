"""The accelerator's design-space search: PE, SIMD and MAC style per layer, at each bit width.

Design points are FuseSoC parameters of qmlp:accel:mlp (--PE, --SIMD, --MAC per layer, --WBITS,
--ABITS, --MODEL). The search, per bit width (w8a8, w4a4, w2a2), one module each:

  model    the cost model: cycles per image of a folding, DSP48E1s per MAC style (dsp one
           product each, dsp2 two, lut none), LUTs per product by style and bits, the weight
           ROMs in BRAM18, and the xc7z020 fit rule (DSP <= 220, BRAM18 <= 280, LUT <= 85 % of
           53,200, FF <= 106,400)
  space    the design space: the bit widths, and per bit width the candidates worth a
           synthesis - FINN's balance rule (at interval T every layer gets its cheapest folding
           within T cycles), kept if the model places them within a margin of the fit rule
  runs     one fusesoc run per Task through a concurrent.futures Executor (local threads or a
           dask.distributed cluster), each cached by its inputs
  point    a measured design point (synthesis, Verilator and netlist runs, its command), the Pareto front
  search   Yosys on the fastest plausible candidates until one fits per bit width, a few slower
           points for the chart, Verilator on the Pareto-optimal points that fit
  output   bench.json, pareto.png, the BENCH line, report.md's rows; `run` is `qmlp bench`
  device   the devices searched for (--device xc7z020 | lfe5u-85f): limits, exact block counts,
           the run that measures a candidate (Yosys synth, or a pnr_ecp5 route with its fmax)

With --fps N [--clock MHz] the search also finds, per bit width, the smallest design (fewest LUT,
then DSP) within clock/N cycles per image, beside the fastest that fits.

Every name of the modules that callers use is here too: `from qmlp.flow import dse; dse.plan(...)`.
"""

from qmlp.flow.dse.model import (BASE_FF, BASE_LUT, BRAM18_SHAPES, DSP_Y_MIN, FIT, LUT_FLOOR, LUT_SHARE, MARGIN,
                                 Candidate, LayerPoint, commas, divisors, dsp_of, ff_per_product, fits, implausible,
                                 in_luts, input_bits, interval, interval_bounds, layer_cycles, limiting,
                                 lut_per_product, mac_styles, plausible, rom_bram18, score, style_ok, total,
                                 tree_width, write_stage)
from qmlp.flow.dse.device import DEVICES, ECP5, XC7, Device
from qmlp.flow.dse.output import TABLE_HEADERS, bench_line, chart, fps_line, run, table_rows, to_json, write
from qmlp.flow.dse.runs import (CODE, CORE, Runs, Task, analytic_evaluate, executor, inputs_key, run_task,
                                stderr_log, task_key, task_spec)
from qmlp.flow.dse.point import Point, pareto, sim_fields
from qmlp.flow.dse.search import Options, Search, meets, models, search
from qmlp.flow.dse.space import (BENCH_TARGETS, BIT_NAMES, BIT_WIDTHS, LAB_POINTS, balanced, bit_points,
                                 bit_widths, cheapest, intervals, layer_options, meeting, plan)
from qmlp.spec import LAB, NetSpec

__all__ = [
    "BASE_FF", "BASE_LUT", "BENCH_TARGETS", "DEVICES", "ECP5", "XC7", "Device", "fps_line", "meets", "meeting", "BIT_NAMES", "BIT_WIDTHS", "BRAM18_SHAPES", "CODE", "CORE", "DSP_Y_MIN",
    "FIT", "LAB", "LAB_POINTS", "LUT_FLOOR", "LUT_SHARE", "MARGIN", "TABLE_HEADERS", "Candidate", "LayerPoint",
    "NetSpec", "Options", "Point", "Runs", "Search", "Task", "analytic_evaluate", "balanced", "bench_line",
    "bit_points", "bit_widths", "chart", "cheapest", "commas", "divisors", "dsp_of", "executor", "ff_per_product",
    "fits", "implausible", "in_luts", "input_bits", "inputs_key", "interval", "interval_bounds", "intervals",
    "layer_cycles", "layer_options", "limiting", "write_stage",
    "lut_per_product", "mac_styles", "models", "pareto", "plan", "plausible", "rom_bram18", "run", "run_task",
    "score", "search", "sim_fields", "stderr_log", "style_ok", "table_rows", "task_key", "task_spec", "to_json",
    "total", "tree_width", "write",
]
