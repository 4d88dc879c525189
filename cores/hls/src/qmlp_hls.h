// qmlp HLS kernels: block parameters, number formats and the three top functions (SPEC 4, 5).
//
// The block is fixed at compile time, as HLS needs it: pass -DROWS=... (g++ for C simulation,
// `add_files -cflags` in Vitis HLS; flows/vitis_hls/run_hls.tcl does it). Defaults are the
// lab's layer-2 block. Plain C++14 types only (no ap_int.h), so the same files compile with
// g++ here and with Vitis HLS / Vivado HLS; the pragmas are ignored by g++.
#ifndef QMLP_HLS_H
#define QMLP_HLS_H

#include <cstdint>
#include <cstring>

#ifndef ROWS
#define ROWS 64      // rows of A and C
#endif
#ifndef INNER
#define INNER 128    // columns of A, rows of B
#endif
#ifndef COLS
#define COLS 64      // columns of B and C
#endif
#ifndef LANES
#define LANES 1      // MACs per cycle = B and C banks (cyclic partition); must divide COLS
#endif
#ifndef ACC_W
#define ACC_W 32     // int8: accumulator width 16..32, wraps (16 = the lab's `int16 sum`)
#endif
#ifndef SHIFT
#define SHIFT 0      // int8: requantization shift 0..ACC_W-1, round half up (0 = the lab's)
#endif
#ifndef FL_B
#define FL_B 4       // float32 x int8: B holds int8 codes of Q(8, FL_B)
#endif

static_assert(ROWS >= 1 && INNER >= 1 && COLS >= 1, "ROWS, INNER, COLS must be positive");
static_assert(LANES >= 1 && COLS % LANES == 0, "LANES must divide COLS");
static_assert(ACC_W >= 16 && ACC_W <= 32, "ACC_W must be 16..32: an int8 product needs 16 bits");
static_assert(SHIFT >= 0 && SHIFT < ACC_W, "SHIFT must be 0..ACC_W-1");
static_assert(FL_B >= -120 && FL_B <= 149, "FL_B must be -120..149 for int8 codes to convert exactly");

// ------------------------------------------------------------------------------- int8 x int8

// wrap_ACC_W: the low ACC_W bits of the 32-bit accumulator, read as two's complement.
// The accumulator is unsigned (wraps mod 2**32 with no undefined behaviour); the sign
// extension goes through int64_t, so nothing here depends on implementation-defined casts.
static inline int64_t qmlp_wrap_acc(uint32_t acc) {
    const uint64_t mask = (ACC_W == 32) ? 0xFFFFFFFFull : ((1ull << ACC_W) - 1);
    const uint64_t sign = 1ull << (ACC_W - 1);
    const uint64_t v = acc & mask;
    return (int64_t)(v ^ sign) - (int64_t)sign;
}

// requant: (v + 2**(SHIFT-1)) >> SHIFT, round half up; exact in 64 bits. `>>` of a negative
// value is an arithmetic shift in GCC, Clang and Vitis HLS (and defined so since C++20).
static inline int64_t qmlp_requant(int64_t v) {
    return (SHIFT == 0) ? v : (v + ((int64_t)1 << (SHIFT > 0 ? SHIFT - 1 : 0))) >> SHIFT;
}

// sat8: clamp to [-128, 127]. (The lab's listing wrote `sum = 128` on the negative side.)
static inline int8_t qmlp_sat8(int64_t v) {
    return (int8_t)(v > 127 ? 127 : (v < -128 ? -128 : v));
}

// --------------------------------------------------------------------------------- float32

// Every NaN leaves the kernel as the canonical quiet NaN 0x7FC00000 (SPEC 4). NaN-ness
// propagates through * and +, so canonicalizing once at the output write is enough.
static inline float qmlp_canonical_nan(float x) {
    uint32_t u;
    std::memcpy(&u, &x, sizeof u);
    if ((u & 0x7FFFFFFFu) > 0x7F800000u) u = 0x7FC00000u;
    float y;
    std::memcpy(&y, &u, sizeof y);
    return y;
}

// 2**-FL_B as a float constant, exactly (every power of two from 2**-149 to 2**127 is a float).
static constexpr float qmlp_pow2(int e) {
    double r = 1.0;
    for (int i = 0; i < e; i++) r *= 2.0;
    for (int i = 0; i > e; i--) r *= 0.5;
    return (float)r;
}
#define QMLP_B_SCALE qmlp_pow2(-(FL_B))

// Float accumulation has a loop-carried dependency through the adder (several cycles deep in
// hardware), so the float kernels interleave F32_TILE independent output groups: the same
// accumulator is touched every F32_TILE cycles, and the pipeline still starts one MAC group per
// cycle. The default is the largest divisor of COLS/LANES not above 8 (an fadd at 100 MHz on
// xc7 takes about 4 to 5 cycles). Interleaving does not change any output's summation order.
static constexpr int qmlp_tile(int groups) {
    int t = 1;
    for (int d = 1; d <= 8 && d <= groups; d++)
        if (groups % d == 0) t = d;
    return t;
}
#ifndef F32_TILE
#define F32_TILE qmlp_tile(COLS / LANES)
#endif

// ------------------------------------------------------------------------------ top functions
// SPEC 5: ap_ctrl_hs + ap_memory, row-major arrays. Vitis names the RTL after the top function:
// the `qmlp_hls_` prefix keeps those modules apart from the packaged wrappers (qmlp_matmul_i8,
// ...), which carry the handwritten IP's name and parameters (python/qmlp/hls/core.py).

void qmlp_hls_matmul_i8(int8_t A[ROWS * INNER], int8_t B[INNER * COLS], int8_t C[ROWS * COLS]);
void qmlp_hls_matmul_f32i8(float A[ROWS * INNER], int8_t B[INNER * COLS], float C[ROWS * COLS]);
void qmlp_hls_matmul_f32(float A[ROWS * INNER], float B[INNER * COLS], float C[ROWS * COLS]);

#endif
