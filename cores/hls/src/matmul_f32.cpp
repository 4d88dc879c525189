// float32 x float32 matrix multiply for Vitis HLS (SPEC 4): IEEE binary32, round to nearest
// even, unfused: p = a*b, acc = acc + p, k ascending from acc = +0.0; NaN out as 0x7FC00000.
//
// Compile the C simulation with -ffp-contract=off (no FMA) and without -ffast-math; Vitis HLS
// keeps * and + separate unless told to fuse them (no `BIND_OP ... impl=fmacc` here).
//
// Schedule: an fadd takes several cycles in hardware, so `acc = acc + p` on one output cannot
// start every cycle. The loop order interleaves F32_TILE independent column groups inside the
// k loop (i, tiles, k, t): consecutive pipeline iterations update different accumulators, and
// each accumulator is revisited F32_TILE cycles later, when its previous sum is ready. With
// F32_TILE at least the adder's latency this runs at II = 1: one A read, LANES B reads and
// LANES MACs per cycle. The order of the additions into any one output is still k ascending,
// so the result is bit-identical to the plain triple loop.
#include "qmlp_hls.h"

void qmlp_hls_matmul_f32(float A[ROWS * INNER], float B[INNER * COLS], float C[ROWS * COLS]) {
#pragma HLS INTERFACE mode=ap_ctrl_hs port=return
#pragma HLS INTERFACE mode=ap_memory port=A
#pragma HLS INTERFACE mode=ap_memory port=B
#pragma HLS INTERFACE mode=ap_memory port=C
#pragma HLS ARRAY_PARTITION variable=B type=cyclic factor=LANES
#pragma HLS ARRAY_PARTITION variable=C type=cyclic factor=LANES
    const int TILE = F32_TILE;  // a plain constant, so that it can appear in pragmas
    static_assert(COLS % (LANES * F32_TILE) == 0, "F32_TILE * LANES must divide COLS");

    float acc[TILE][LANES];
#pragma HLS ARRAY_PARTITION variable=acc type=complete dim=2
    // The true dependency on acc[t][l] is TILE iterations long: tell the scheduler, so that it
    // neither assumes distance 1 (II = adder latency) nor ignores it.
#pragma HLS DEPENDENCE variable=acc type=inter direction=RAW dependent=true distance=TILE

rows:
    for (int i = 0; i < ROWS; i++) {
    tiles:
        for (int jt = 0; jt < COLS / (LANES * TILE); jt++) {
        dot:
            for (int k = 0; k < INNER; k++) {
            tile:
                for (int t = 0; t < TILE; t++) {
#pragma HLS PIPELINE II=1
                    const float a = A[i * INNER + k];
                lanes:
                    for (int l = 0; l < LANES; l++) {
#pragma HLS UNROLL
                        const int j = (jt * TILE + t) * LANES + l;
                        const float p = a * B[k * COLS + j];
                        // k = 0 adds to +0.0 (not just p): +0 + -0 is +0, as SPEC 4 requires
                        const float sum = (k == 0 ? 0.0f : acc[t][l]) + p;
                        acc[t][l] = sum;
                        if (k == INNER - 1)
                            C[i * COLS + j] = qmlp_canonical_nan(sum);
                    }
                }
            }
        }
    }
}
