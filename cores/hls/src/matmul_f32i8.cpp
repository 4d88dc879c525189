// float32 x int8 matrix multiply for Vitis HLS (SPEC 4): B holds int8 codes of Q(8, FL_B),
// converted exactly (b = code * 2**-FL_B), then the float32 x float32 arithmetic of
// matmul_f32.cpp: unfused, k ascending from +0.0, NaN out as 0x7FC00000.
//
// The conversion is exact: an int8 is a float, and multiplying by a power of two in
// 2**-149 .. 2**120 only moves the exponent (a result below FLT_MIN is still a multiple of
// 2**-149, so it is an exact subnormal). In hardware it is an int-to-float converter and an
// exponent adjustment; keeping B as int8 quarters its memory and bandwidth.
//
// Schedule: as matmul_f32.cpp, F32_TILE independent column groups interleaved inside the k loop
// so that the multi-cycle float adder does not limit the pipeline to II > 1.
#include "qmlp_hls.h"

void qmlp_hls_matmul_f32i8(float A[ROWS * INNER], int8_t B[INNER * COLS], float C[ROWS * COLS]) {
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
                        const float b = (float)B[k * COLS + j] * QMLP_B_SCALE;  // exact
                        const float p = a * b;
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
