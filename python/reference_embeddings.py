"""Reference sentence embeddings computed with PyTorch from the sha256-checked safetensors of a
BERT-style sentence-embedding model (mean pooling over the attention mask, then L2 normalisation: the
sentence-transformers definition of all-MiniLM-L6-v2). attune compares its ONNX export's outputs with
these at set-up, so a different export is an error, not a silent change in answers.
Prints one JSON object. Usage: reference_embeddings.py SRC_DIR SENTENCES_JSON"""
import json, sys

def reference(src: str, sentences: list) -> dict:
    """The sentences and their vectors (6 decimals), as the committed reference files hold them."""
    import torch
    from transformers import AutoModel, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(src)
    model = AutoModel.from_pretrained(src).eval()
    with torch.no_grad():
        batch = tokenizer(sentences, padding=True, truncation=True, max_length=512, return_tensors='pt')
        hidden = model(**batch).last_hidden_state
        mask = batch['attention_mask'].unsqueeze(-1).float()
        pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        vectors = torch.nn.functional.normalize(pooled, p=2, dim=1)
    return {'sentences': sentences, 'vectors': [[round(float(x), 6) for x in row] for row in vectors]}

def main(src: str, sentences_file: str) -> None:
    with open(sentences_file, encoding='utf-8') as handle:
        sentences = json.load(handle)
    print(json.dumps(reference(src, sentences)))

if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit('usage: reference_embeddings.py SRC_DIR SENTENCES_JSON')
    main(sys.argv[1], sys.argv[2])
