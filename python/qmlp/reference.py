"""The lab report's figures (SPEC 6), shown beside qmlp's own measurements, never instead of them."""

LAB_FLOAT_ACCURACY = 97.59            # MNIST, float model
LAB_WL_ACCURACY = {1: 13.14, 2: 85.75, 3: 96.61, 4: 97.11, 5: 97.11, 6: 97.11, 7: 97.11, 8: 97.11}
LAB_W_AND_ACT_ACCURACY = 97.02        # weights and layer-1 activations at wl=8, fl=4

# per IP: HLS latency (cycles, 64x128 . 128x64), estimated clock (ns), resources, board time (s)
LAB_IP = {
    "f32": {"latency": 2_134_108, "clock_ns": None, "bram18": 80, "dsp": None, "ff": 900, "lut": 2200,
            "board_s": 142.97, "approx": True},
    "f32i8": {"latency": 2_134_108, "clock_ns": 15.21, "bram18": 56, "dsp": 5, "ff": 1503, "lut": 2838,
              "board_s": 122.0, "approx": False},
    "i8": {"latency": 561_234, "interval": 548_940, "clock_ns": 8.097, "bram18": 20, "dsp": 1, "ff": 643,
           "lut": 1588, "board_s": 109.99, "approx": False},
}

XC7Z020 = {"lut": 53_200, "ff": 106_400, "dsp": 220, "bram18": 280}
MLP_MACS = 784 * 128 + 128 * 64 + 64 * 10   # 109,184 per image
