// C simulation testbench of the qmlp HLS kernels: runs one kernel on the IP test vectors and
// checks every output word bit for bit against the golden model's.
//
//   g++ -std=c++17 -O2 -ffp-contract=off -fno-fast-math -DQMLP_KERNEL_I8 -DROWS=.. ...
//       csim_main.cpp matmul_i8.cpp -o csim
//   ./csim <vector folder>
//
// The vector folder is what `qmlp.vectors.write` produces, and what the RTL testbench
// (cores/ip/tb/qmlp_tb_matmul.v) reads from qmlp_vectors/:
//   meta.txt   "<vectors> <ROWS> <INNER> <COLS> <A_W> <B_W> <C_W>"
//   A.hex, B.hex, C.hex   one hex word per line, vector after vector, row-major;
//                         C.hex holds the expected outputs.
// The last line printed is the SPEC 3 RESULT line (cycles=na: C simulation has no clock), and
// the exit status is 0 only for a pass. `qmlp csim` compiles and runs this; Vitis HLS can use it
// as its csim testbench too (add_files -tb, with the folder as -argv).
#include <cfloat>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "qmlp_hls.h"

// Float results are compared as bit patterns, so x87 extended precision would be a silent
// difference: insist on float arithmetic in float (SSE on x86-64).
static_assert(FLT_EVAL_METHOD == 0, "float arithmetic must be evaluated in float precision");

#if defined(QMLP_KERNEL_I8)
typedef int8_t a_t;
typedef int8_t b_t;
typedef int8_t c_t;
static const char *KIND = "i8";
static void kernel(a_t *A, b_t *B, c_t *C) { qmlp_hls_matmul_i8(A, B, C); }
#elif defined(QMLP_KERNEL_F32I8)
typedef float a_t;
typedef int8_t b_t;
typedef float c_t;
static const char *KIND = "f32i8";
static void kernel(a_t *A, b_t *B, c_t *C) { qmlp_hls_matmul_f32i8(A, B, C); }
#elif defined(QMLP_KERNEL_F32)
typedef float a_t;
typedef float b_t;
typedef float c_t;
static const char *KIND = "f32";
static void kernel(a_t *A, b_t *B, c_t *C) { qmlp_hls_matmul_f32(A, B, C); }
#else
#error "define one of QMLP_KERNEL_I8, QMLP_KERNEL_F32I8, QMLP_KERNEL_F32"
#endif

static const int MAX_REPORT = 10;

static void fail(const char *msg, const std::string &detail) {
    std::printf("ERROR: %s%s\n", msg, detail.c_str());
    std::printf("RESULT pass=0 vectors=0 mismatches=0 cycles=na\n");
    std::exit(1);
}

static FILE *open_in(const std::string &dir, const char *name) {
    const std::string path = dir + "/" + name;
    FILE *f = std::fopen(path.c_str(), "r");
    if (!f) fail("cannot open ", path);
    return f;
}

// Word <-> value: the files hold the raw bits (int8 as two's complement, float as binary32).
template <typename T> static T from_word(uint32_t w) {
    T v;
    if (sizeof(T) == 1) {
        const uint8_t b = (uint8_t)w;
        std::memcpy(&v, &b, 1);
    } else {
        std::memcpy(&v, &w, 4);
    }
    return v;
}

template <typename T> static uint32_t to_word(T v) {
    if (sizeof(T) == 1) {
        uint8_t b;
        std::memcpy(&b, &v, 1);
        return b;
    }
    uint32_t w;
    std::memcpy(&w, &v, 4);
    return w;
}

// Read n words of `bits` bits from f into out.
template <typename T>
static void read_block(FILE *f, const char *name, int vec, std::vector<T> &out, int bits) {
    for (size_t n = 0; n < out.size(); n++) {
        unsigned long long w;
        if (std::fscanf(f, "%llx", &w) != 1)
            fail(name, " ended (or holds a non-hex word) before the vectors that meta.txt declares, in vector " +
                           std::to_string(vec));
        if (w >> bits)
            fail(name, " holds a word wider than " + std::to_string(bits) + " bits");
        out[n] = from_word<T>((uint32_t)w);
    }
}

static void expect_eof(FILE *f, const char *name) {
    unsigned long long w;
    if (std::fscanf(f, "%llx", &w) == 1) fail(name, " holds more words than meta.txt declares");
}

int main(int argc, char **argv) {
    if (argc != 2) {
        std::printf("usage: %s <vector folder>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const int a_w = 8 * (int)sizeof(a_t), b_w = 8 * (int)sizeof(b_t), c_w = 8 * (int)sizeof(c_t);

    FILE *fm = open_in(dir, "meta.txt");
    int nvec, rows, inner, cols, mw_a, mw_b, mw_c;
    if (std::fscanf(fm, "%d %d %d %d %d %d %d", &nvec, &rows, &inner, &cols, &mw_a, &mw_b, &mw_c) != 7)
        fail("meta.txt must hold 7 integers: vectors ROWS INNER COLS A_W B_W C_W", "");
    std::fclose(fm);
    if (rows != ROWS || inner != INNER || cols != COLS || mw_a != a_w || mw_b != b_w || mw_c != c_w) {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      "vectors are for ROWS=%d INNER=%d COLS=%d widths %d/%d/%d, the %s kernel was compiled "
                      "for ROWS=%d INNER=%d COLS=%d widths %d/%d/%d",
                      rows, inner, cols, mw_a, mw_b, mw_c, KIND, ROWS, INNER, COLS, a_w, b_w, c_w);
        fail(buf, "");
    }
    if (nvec < 1) fail("meta.txt declares no vectors", "");

    FILE *fa = open_in(dir, "A.hex"), *fb = open_in(dir, "B.hex"), *fc = open_in(dir, "C.hex");
    std::vector<a_t> A(ROWS * INNER);
    std::vector<b_t> B(INNER * COLS);
    std::vector<c_t> C(ROWS * COLS), expected(ROWS * COLS);
    long mismatches = 0;
    int shown = 0;
    for (int v = 0; v < nvec; v++) {
        read_block(fa, "A.hex", v, A, a_w);
        read_block(fb, "B.hex", v, B, b_w);
        read_block(fc, "C.hex", v, expected, c_w);
        // a poison pattern, so that an output the kernel never writes cannot pass
        for (auto &c : C) c = from_word<c_t>(0xA5A5A5A5u);
        kernel(A.data(), B.data(), C.data());
        long vec_mism = 0;
        for (int i = 0; i < ROWS * COLS; i++) {
            const uint32_t got = to_word(C[i]), exp = to_word(expected[i]);
            if (got != exp) {
                vec_mism++;
                if (shown < MAX_REPORT) {
                    std::printf("MISMATCH vector %d C[%d][%d]: got %0*x expected %0*x\n", v, i / COLS, i % COLS,
                                c_w / 4, got, c_w / 4, exp);
                    shown++;
                }
            }
        }
        mismatches += vec_mism;
        std::printf("vector %d/%d: mismatches=%ld\n", v + 1, nvec, vec_mism);
    }
    expect_eof(fa, "A.hex");
    expect_eof(fb, "B.hex");
    expect_eof(fc, "C.hex");
    std::printf("RESULT pass=%d vectors=%d mismatches=%ld cycles=na\n", mismatches == 0, nvec, mismatches);
    return mismatches == 0 ? 0 : 1;
}
