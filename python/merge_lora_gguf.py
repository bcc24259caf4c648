"""Merges a llama.cpp GGUF LoRA adapter into its GGUF base: one model file, no adapter at serving time.

Merged from the GGUF adapter, not from PEFT, so the merge applies exactly what llama.cpp applies at run time
(tensor names and the q/k row layout are already llama.cpp's): W' = W + (alpha / r) * B @ A, per adapted
tensor. GGUF numpy shapes are the reverse of ggml's ne: W (out, in), A (r, in), B (out, r).
Adapted tensors are dequantised, merged and written as Q8_0 (default; near-lossless) or F16: requantising to
the base's 4-bit type would round most of the adapter's small update away. Every other tensor and all metadata
(chat template, EOS token) are copied unchanged. Written to `<out>.partial`, then renamed: no half-written file.

Usage: merge_lora_gguf.py BASE.gguf ADAPTER.gguf OUT.gguf [q8_0|f16]   (prints one JSON line)
"""
import json
import os
import sys

import numpy as np


def merge(base_path, adapter_path, out_path, out_type='q8_0'):
    import gguf
    from gguf.quants import dequantize, quantize

    base = gguf.GGUFReader(base_path)
    adapter = gguf.GGUFReader(adapter_path)
    arch_field = base.fields['general.architecture']
    architecture = bytes(arch_field.parts[arch_field.data[0]]).decode()
    alpha = float(adapter.fields['adapter.lora.alpha'].contents())
    lora = {tensor.name: np.asarray(tensor.data, dtype=np.float32) for tensor in adapter.tensors}
    qtype = {'q8_0': gguf.GGMLQuantizationType.Q8_0, 'f16': gguf.GGMLQuantizationType.F16}[out_type]

    merged = {}
    for tensor in base.tensors:
        a, b = lora.get(f'{tensor.name}.lora_a'), lora.get(f'{tensor.name}.lora_b')
        if a is None or b is None:
            continue
        weights = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
        weights = weights + (alpha / a.shape[0]) * (b @ a)
        merged[tensor.name] = weights.astype(np.float16) if qtype == gguf.GGMLQuantizationType.F16 else quantize(weights, qtype)
    if len(merged) * 2 != len(lora):
        raise ValueError(f'the adapter has {len(lora)} tensors but {len(merged)} pairs match tensors of the base: trained on another base?')

    partial = f'{out_path}.partial'
    writer = gguf.GGUFWriter(partial, architecture)
    for field in base.fields.values():
        if field.name == gguf.Keys.General.ARCHITECTURE or field.name.startswith('GGUF.'):
            continue
        value_type = field.types[0]
        sub_type = field.types[-1] if value_type == gguf.GGUFValueType.ARRAY else None
        if field.name == 'general.file_type':
            continue  # no longer one type throughout
        writer.add_key_value(field.name, field.contents(), value_type, sub_type=sub_type)
    for tensor in base.tensors:
        data = merged.get(tensor.name, tensor.data)
        # numpy shapes throughout: quantised data is given by its byte shape, which the writer converts back
        writer.add_tensor_info(tensor.name, data.shape, data.dtype, data.nbytes, qtype if tensor.name in merged else tensor.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in base.tensors:
        writer.write_tensor_data(merged.get(tensor.name, tensor.data), tensor_endianess=base.endianess)
    writer.close()
    os.replace(partial, out_path)
    return {'event': 'merged', 'path': out_path, 'tensors': len(merged), 'type': out_type, 'bytes': os.path.getsize(out_path)}


def main():
    try:
        base, adapter, out = sys.argv[1:4]
        print(json.dumps(merge(base, adapter, out, sys.argv[4] if len(sys.argv) > 4 else 'q8_0')), flush=True)
    except Exception as error:  # noqa: BLE001 - one error line for the TypeScript side
        if len(sys.argv) > 3 and os.path.exists(f'{sys.argv[3]}.partial'):
            os.remove(f'{sys.argv[3]}.partial')
        print(json.dumps({'event': 'error', 'message': f'{type(error).__name__}: {error}'}), flush=True)
        sys.exit(1)


if __name__ == '__main__':
    main()
