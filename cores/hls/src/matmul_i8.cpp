// int8 x int8 matrix multiply for Vitis HLS:  C = sat8(requant(wrap_ACC_W(A . B)))  (SPEC 4)
//
// The lab's kernel with its `int16 sum` generalised (-DACC_W=16 -DSHIFT=0 is the lab's
// behaviour) and its `sum = 128` saturation bug fixed.
//
// Schedule (what the pragmas ask Vitis HLS for): one pipelined loop nest, II = 1. Every cycle
// reads one A word (shared by the lanes) and one word from each of the LANES banks of B, and
// does LANES multiply-accumulates. All the work sits in the innermost loop (a "perfect" nest),
// so Vitis flattens i, g and k into one pipeline and the next output starts on the cycle after
// the previous one's last MAC: about ROWS * INNER * COLS / LANES cycles per block. (The lab's
// kernel had code between the loops, which costs a pipeline fill and drain per output.)
// An integer add closes its loop-carried dependency in one cycle, so II = 1 holds.
#include "qmlp_hls.h"

void qmlp_hls_matmul_i8(int8_t A[ROWS * INNER], int8_t B[INNER * COLS], int8_t C[ROWS * COLS]) {
#pragma HLS INTERFACE mode=ap_ctrl_hs port=return
#pragma HLS INTERFACE mode=ap_memory port=A
#pragma HLS INTERFACE mode=ap_memory port=B
#pragma HLS INTERFACE mode=ap_memory port=C
    // Bank l of B and C holds the columns j with j % LANES == l, at address (row*COLS + j)/LANES:
    // the ports B_0_..., B_1_..., which the shared testbench (and a block design) wires up.
#pragma HLS ARRAY_PARTITION variable=B type=cyclic factor=LANES
#pragma HLS ARRAY_PARTITION variable=C type=cyclic factor=LANES

    // One accumulator per lane; unsigned, so that wrapping is well defined in C++.
    uint32_t acc[LANES];
#pragma HLS ARRAY_PARTITION variable=acc type=complete

rows:
    for (int i = 0; i < ROWS; i++) {
    groups:  // LANES adjacent columns, one per bank
        for (int g = 0; g < COLS / LANES; g++) {
        dot:
            for (int k = 0; k < INNER; k++) {
#pragma HLS PIPELINE II=1
                const int16_t a = A[i * INNER + k];
            lanes:
                for (int l = 0; l < LANES; l++) {
#pragma HLS UNROLL
                    const int j = g * LANES + l;
                    // an int8 product is exact in 16 bits; the accumulator wraps at 32 bits
                    // here and at ACC_W bits on the way out (wrapping is associative)
                    const int16_t prod = (int16_t)(a * B[k * COLS + j]);
                    const uint32_t sum = (k == 0 ? 0u : acc[l]) + (uint32_t)(int32_t)prod;
                    acc[l] = sum;
                    if (k == INNER - 1)
                        C[i * COLS + j] = qmlp_sat8(qmlp_requant(qmlp_wrap_acc(sum)));
                }
            }
        }
    }
}
