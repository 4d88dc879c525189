"""qmlp: a quantized-MLP-to-FPGA build flow (train, quantize, generate ROMs, check hardware)."""

__version__ = "0.1.0"
