"""One LoRA training-step speed run for bench/lora-speed.ts: the same length-grouped batches of real
clapnq chats, one way of computing the loss, tokens/s over the steps after the first two.

  python bench/lora_step.py PYTHON_DIR MODELS_DIR GGUF CACHE_DIR closed|rag plain|attune|attune-bf16 STEPS

plain: transformers' own loss from `labels` (full logits), fp32, as a plain PyTorch + PEFT loop computes it.
attune: the worker's batch_loss (logits only where an answer token is the target), fp32.
attune-bf16: the same under torch.autocast(bfloat16), as `attune tune --mixed-precision bf16` runs it."""
import json
import random
import sys
import time

sys.path.insert(0, sys.argv[1])
import torch  # noqa: E402
from peft import LoraConfig, get_peft_model  # noqa: E402
from train_worker import batch_loss, batches, encode, load_model, load_tokenizer  # noqa: E402

models_dir, gguf, cache_dir, shape, variant, steps = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[6], int(sys.argv[7])
torch.manual_seed(0)
torch.set_num_threads(2)
config = {'base_dir': models_dir, 'gguf_file': gguf, 'cache_dir': cache_dir}
rows = [json.loads(line) for line in open(sys.argv[8], encoding='utf-8')][:64]


def chat(row):
    answer = row['output'][0]['answer'][:300]
    passage = row['passages'][0]['text'][:1500]
    question = row['input']
    user = f'Passage: {passage}\nQuestion: {question}' if shape == 'rag' else question
    return {'messages': [{'role': 'user', 'content': user}, {'role': 'assistant', 'content': answer}]}


tokenizer = load_tokenizer(config)
data = [encode(tokenizer, chat(row)) for row in rows]
groups = list(batches(data, 4, tokenizer.pad_token_id, random.Random(42)))
model = get_peft_model(load_model(config), LoraConfig(
    r=16, lora_alpha=32, lora_dropout=0.05, task_type='CAUSAL_LM',
    target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']))
model.train()
optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=2e-4)
seconds, tokens, losses = 0.0, 0, []
for step in range(steps):
    input_ids, labels, mask = groups[step % len(groups)]
    targets = int((labels[:, 1:] != -100).sum())
    started = time.perf_counter()
    if variant == 'plain':
        loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
    else:
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=variant == 'attune-bf16'):
            loss = batch_loss(model, input_ids, labels, mask, targets)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    if step >= 2:
        seconds += time.perf_counter() - started
        tokens += int(mask.sum())
    losses.append(float(loss.detach()))
answer_share = sum(int((y[:, 1:] != -100).sum()) for _, y, _ in groups) / sum(int(m.sum()) for _, _, m in groups)
# the share of each batch that is padding: all that packing the chats into rows could save (the batches are length-grouped)
padding_share = 1 - sum(int(m.sum()) for _, _, m in groups) / sum(m.numel() for _, _, m in groups)
sys.__stdout__.write(json.dumps({'tokens_per_second': tokens / seconds, 'answer_share': answer_share, 'losses': losses,
                                 'padding_share': padding_share,
                                 'mean_tokens': sum(int(m.sum()) for _, _, m in groups) / len(groups) / 4}) + '\n')
