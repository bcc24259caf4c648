"""Export a BERT-style sentence-embedding model (safetensors folder) to ONNX in the
folder layout transformers.js loads with remote models off:
  OUT/config.json, OUT/tokenizer.json, OUT/tokenizer_config.json, OUT/onnx/model.onnx
Prints one JSON line on success. Usage: export_onnx.py SRC_DIR OUT_DIR"""
import json, os, shutil, sys

def main(src: str, out: str) -> None:
    import torch
    from transformers import AutoModel

    tmp = out + ".partial"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.join(tmp, "onnx"))
    for name in ("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        if os.path.exists(os.path.join(src, name)):
            shutil.copy(os.path.join(src, name), os.path.join(tmp, name))
    bert = AutoModel.from_pretrained(src).eval()

    class Encoder(torch.nn.Module):
        # positional wrapper: transformers' forward takes keyword arguments
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids).last_hidden_state

    model = Encoder().eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    types = torch.zeros(2, 16, dtype=torch.long)
    dyn = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            model, (ids, mask, types), os.path.join(tmp, "onnx", "model.onnx"),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["last_hidden_state"],
            dynamic_axes={"input_ids": dyn, "attention_mask": dyn, "token_type_ids": dyn, "last_hidden_state": dyn},
            opset_version=17, dynamo=False,
        )
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    print(json.dumps({"ok": True, "out": out}))

if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: export_onnx.py SRC_DIR OUT_DIR")
    main(sys.argv[1], sys.argv[2])
