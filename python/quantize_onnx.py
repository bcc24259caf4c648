"""Quantise an exported sentence-embedding ONNX model for the CPU: int8 weights (one scale per output
channel) for every MatMul with a constant weight, activations quantised on the fly (dynamic quantisation);
attention's activation-by-activation products, layer norms and embeddings stay fp32. Writes the file
transformers.js loads for `dtype: q8`, atomically. Prints one JSON line on success.
Usage: quantize_onnx.py MODEL_ONNX OUT_ONNX"""
import json, os, sys


def main(source: str, out: str) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = out + ".partial"
    quantize_dynamic(source, partial, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
    os.replace(partial, out)
    print(json.dumps({"ok": True, "out": out}))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: quantize_onnx.py MODEL_ONNX OUT_ONNX")
    main(sys.argv[1], sys.argv[2])
