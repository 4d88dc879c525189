"""Bring your own model, take ours elsewhere: QONNX export and import, PyTorch import.

  qonnx_export  qmlp's quantized models as QONNX graphs (Quant, Gemm, Floor-rounded clamps,
                table Gathers) that qonnx's executor runs bit-exact with qmlp.numerics.intnet
  qonnx_import  Brevitas `export_qonnx` graphs (Quant, Gemm/MatMul+Add, Relu) as QuantModels
  torch_import  PyTorch nn.Sequential (state_dict, or a trusted pickle) as FloatModels
  onnxfile      reading ONNX files with one-line errors; running them in qonnx's executor

onnx, qonnx and onnxruntime are the `onnx` extra of the package: imported lazily, so the
rest of qmlp (and qmlp.driver) never needs them.
"""
