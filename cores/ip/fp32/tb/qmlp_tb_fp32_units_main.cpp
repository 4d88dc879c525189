// Verilator driver for qmlp_tb_fp32_units: toggles the clock until $finish.
#include <cstdio>
#include <memory>

#include "Vqmlp_tb_fp32_units.h"
#include "verilated.h"

int main(int argc, char **argv) {
  const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
  ctx->commandArgs(argc, argv);
  const std::unique_ptr<Vqmlp_tb_fp32_units> top{new Vqmlp_tb_fp32_units{ctx.get()}};

  // Guard against a harness that never finishes (e.g. bad plusargs).
  const unsigned long long max_cycles = 1ULL << 24;
  unsigned long long cycles = 0;
  top->clk_i = 0;
  top->eval();
  while (!ctx->gotFinish()) {
    if (++cycles > max_cycles) {
      std::fprintf(stderr, "qmlp_tb_fp32_units_main: no $finish after %llu cycles\n", max_cycles);
      return 2;
    }
    top->clk_i = 1;
    top->eval();
    ctx->timeInc(5);
    top->clk_i = 0;
    top->eval();
    ctx->timeInc(5);
  }
  top->final();
  return 0;
}
