"""Writes a PEFT LoRA adapter as a llama.cpp GGUF LoRA adapter.

llama.cpp expects, per adapted base tensor `<name>` (ne = [in, out]):
  `<name>.lora_a` with numpy shape (r, in)  -> ne = [in, r]
  `<name>.lora_b` with numpy shape (out, r) -> ne = [r, out]
which is PEFT's own orientation, so tensors are written as they are. For the llama architecture
llama.cpp's converter permutes the rows of q/k projections (rotary layout); lora_b's rows are the
output rows, so q/k lora_b get the same permutation (n_head for q, n_head_kv for k). For qwen2 it
does not (convert_hf_to_gguf.py's Qwen2Model has no permute, and transformers' GGUF loader undoes
none), so qwen2 tensors are written unpermuted. Qwen2's q/k/v biases are not adapted by LoRA.
"""
import re

import numpy as np

HF_TO_GGUF = {
    'self_attn.q_proj': 'attn_q', 'self_attn.k_proj': 'attn_k', 'self_attn.v_proj': 'attn_v',
    'self_attn.o_proj': 'attn_output', 'mlp.gate_proj': 'ffn_gate', 'mlp.up_proj': 'ffn_up',
    'mlp.down_proj': 'ffn_down',
}
PATTERN = re.compile(r'layers\.(\d+)\.(self_attn\.[qkvo]_proj|mlp\.(?:gate|up|down)_proj).lora_([AB])(?:\.[A-Za-z0-9_]+)?\.weight$')


def permute(weights, n_head):
    """llama.cpp convert_hf_to_gguf.py's q/k row permutation (HF rotary halves -> interleaved)."""
    rows = weights.shape[0]
    return weights.reshape(n_head, 2, rows // n_head // 2, *weights.shape[1:]).swapaxes(1, 2).reshape(weights.shape)


# architectures whose GGUF tensor names follow llama's blk.N.attn_q/… scheme; True: q/k rows permuted
ARCHITECTURES = {'llama': True, 'qwen2': False}


def gguf_architecture(base_gguf):
    import gguf
    field = gguf.GGUFReader(base_gguf).fields['general.architecture']
    return bytes(field.parts[field.data[0]]).decode()


def base_tensor_names(base_gguf):
    if not base_gguf:
        return None
    import gguf
    return {tensor.name for tensor in gguf.GGUFReader(base_gguf).tensors}


def export_gguf(peft_model, path, alpha, n_head, n_head_kv, base_gguf=None, architecture='llama'):
    import gguf
    import torch

    if architecture not in ARCHITECTURES:
        raise ValueError(f'GGUF LoRA export supports {", ".join(ARCHITECTURES)} bases, not {architecture}')
    permuted = ARCHITECTURES[architecture]
    known = base_tensor_names(base_gguf)
    pairs = {}
    for name, tensor in peft_model.state_dict().items():
        match = PATTERN.search(name)
        if not match:
            continue
        layer, module, which = match.groups()
        target = f'blk.{layer}.{HF_TO_GGUF[module]}.weight'
        if known is not None and target not in known:
            raise ValueError(f'adapter tensor {name} maps to {target}, which the base GGUF does not have')
        array = tensor.detach().to(torch.float32).cpu().numpy()
        if permuted and which == 'B' and module == 'self_attn.q_proj':
            array = permute(array, n_head)
        elif permuted and which == 'B' and module == 'self_attn.k_proj':
            array = permute(array, n_head_kv)
        pairs[f'{target}.lora_{which.lower()}'] = np.ascontiguousarray(array)
    if not pairs:
        raise ValueError('the PEFT model has no LoRA tensors on attention or MLP projections')
    writer = gguf.GGUFWriter(path, architecture)
    writer.add_string('general.type', 'adapter')
    writer.add_string('adapter.type', 'lora')
    writer.add_float32('adapter.lora.alpha', float(alpha))
    for name in sorted(pairs):
        writer.add_tensor(name, pairs[name])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return len(pairs)
