"""The training data as tensors: chats to token ids and answer-only labels, and the batch order (seeded, replayable)."""

import json


def read_jsonl(path):
    with open(path, encoding='utf-8') as handle:
        return [json.loads(line) for line in handle if line.strip()]


def ids_of(tokenizer, messages, generation_prompt):
    out = tokenizer.apply_chat_template(messages, tokenize=True, add_generation_prompt=generation_prompt)
    if isinstance(out, dict) or hasattr(out, 'input_ids'):
        out = out['input_ids']
    return list(out)


def encode(tokenizer, example):
    """Token ids of the whole chat and labels that count only the last assistant answer."""
    messages = example['messages']
    full = ids_of(tokenizer, messages, False)
    prompt = ids_of(tokenizer, messages[:-1], True)
    if full[:len(prompt)] != prompt:
        raise ValueError('the chat template does not extend the prompt with the answer')
    labels = [-100] * len(prompt) + full[len(prompt):]
    return full, labels


def batches(encoded, batch_size, pad_id, rng):
    import torch
    order = list(range(len(encoded)))
    rng.shuffle(order)
    # group by length inside windows of 8 batches (less padding), then shuffle the batches
    window = batch_size * 8
    order = [i for start in range(0, len(order), window)
             for i in sorted(order[start:start + window], key=lambda i: len(encoded[i][0]))]
    groups = [order[start:start + batch_size] for start in range(0, len(order), batch_size)]
    rng.shuffle(groups)
    for group in groups:
        yield collate([encoded[i] for i in group], pad_id)


def collate(chunk, pad_id):
    import torch
    width = max(len(ids) for ids, _ in chunk)
    input_ids = torch.full((len(chunk), width), pad_id, dtype=torch.long)
    labels = torch.full((len(chunk), width), -100, dtype=torch.long)
    mask = torch.zeros((len(chunk), width), dtype=torch.long)
    for row, (ids, labs) in enumerate(chunk):
        input_ids[row, :len(ids)] = torch.tensor(ids)
        labels[row, :len(labs)] = torch.tensor(labs)
        mask[row, :len(ids)] = 1
    return input_ids, labels, mask
