"""attune's embedder fine-tuning: a sentence-transformers model trained with the multiple-negatives ranking
loss on (question, passage[, hard negative]) rows, then exported to ONNX for transformers.js.
One JSON config line on stdin; JSON event lines on stdout (start, progress, exported, done, error).

Config: base_dir (a sentence-transformers folder), train_file (JSONL {anchor, positive, negative?}),
output_dir (written: hf/ the trained PyTorch folder; config.json, tokenizer files and onnx/model.onnx in the
layout transformers.js loads; reference.json, PyTorch vectors of reference_sentences for the export check),
epochs, batch_size, lr, warmup, seed, threads, reference_sentences, run_dir (train.log on failure).
"""
import json
import os
import random
import shutil
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# importing train_worker keeps stdout for events only (it rebinds sys.stdout to stderr)
from train_worker import classify, emit  # noqa: E402
from train_data import read_jsonl  # noqa: E402


def texts_of(row):
    return [row['anchor'], row['positive']] + ([row['negative']] if row.get('negative') else [])


def no_duplicate_batches(rows, size, rng):
    """Shuffled batches in which no text occurs twice: the loss takes every other passage of a batch as a
    negative, so a passage repeated in the batch (two questions about one chunk) would be its own negative."""
    pending = rows[:]
    rng.shuffle(pending)
    batches = []
    while pending:
        batch, seen, rest = [], set(), []
        for row in pending:
            texts = set(texts_of(row))
            if len(batch) < size and not (texts & seen):
                batch.append(row)
                seen |= texts
            else:
                rest.append(row)
        batches.append(batch)
        pending = rest
    return batches


def columns(batch):
    """anchors, positives and (when every row has one) hard negatives: the loss needs equal-length columns."""
    cols = [[row['anchor'] for row in batch], [row['positive'] for row in batch]]
    if all(row.get('negative') for row in batch):
        cols.append([row['negative'] for row in batch])
    return cols


def train(config):
    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    torch.set_num_threads(int(config.get('threads') or os.cpu_count() or 1))
    seed = int(config.get('seed', 7))
    random.seed(seed)
    torch.manual_seed(seed)
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    rows = read_jsonl(config['train_file'])
    if not rows:
        raise ValueError(f"{config['train_file']}: no training rows")
    model = SentenceTransformer(config['base_dir'], device=device)
    loss_fn = MultipleNegativesRankingLoss(model)
    rng = random.Random(seed)
    epochs = int(config.get('epochs', 1))
    plan = [no_duplicate_batches(rows, int(config.get('batch_size', 16)), rng) for _ in range(epochs)]
    total = sum(len(batches) for batches in plan)
    optimizer = torch.optim.AdamW(model.parameters(), lr=float(config.get('lr', 2e-5)))
    warmup = max(1, int(total * float(config.get('warmup', 0.1))))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
    emit('start', total=total, rows=len(rows), device=device, epochs=epochs)
    model.train()
    history, started, step = [], time.time(), 0
    for epoch, batches in enumerate(plan):
        for batch in batches:
            features = []
            for texts in columns(batch):
                tokens = model.tokenize(texts)
                features.append({key: value.to(device) if hasattr(value, 'to') else value for key, value in tokens.items()})
            loss = loss_fn(features, None)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            step += 1
            value = float(loss.detach())
            history.append({'step': step, 'loss': round(value, 5)})
            elapsed = time.time() - started
            emit('progress', step=step, total=total, epoch=epoch + 1, loss=value,
                 eta_seconds=elapsed / step * (total - step))
    seconds = time.time() - started
    model.eval()
    out = config['output_dir']
    hf = os.path.join(out, 'hf')
    model.save(hf)
    export(hf, out)
    sentences = config.get('reference_sentences') or []
    if sentences:
        from reference_embeddings import reference
        with open(os.path.join(out, 'reference.json'), 'w', encoding='utf-8') as handle:
            json.dump(reference(hf, sentences), handle)
    tail = history[-5:]
    emit('done', steps=step, train_loss=sum(p['loss'] for p in tail) / max(len(tail), 1), history=history,
         seconds=seconds, device=device)


def export(hf, out):
    """The ONNX export of the base model's set-up (export_onnx.py), moved into out beside hf/."""
    from export_onnx import main as export_onnx
    staging = os.path.join(out, 'export')
    export_onnx(hf, staging)
    for name in os.listdir(staging):
        os.replace(os.path.join(staging, name), os.path.join(out, name))
    shutil.rmtree(staging, ignore_errors=True)


def main():
    config = {}
    try:
        config = json.loads(sys.stdin.readline())
        train(config)
    except BaseException as error:  # noqa: BLE001 - every failure becomes an error event
        if isinstance(error, KeyboardInterrupt):
            raise
        kind, message = classify(error)
        sys.stderr.write(traceback.format_exc())
        log = None
        if config.get('run_dir'):
            try:
                os.makedirs(config['run_dir'], exist_ok=True)
                log = os.path.join(config['run_dir'], 'train.log')
                with open(log, 'a', encoding='utf-8') as handle:
                    handle.write(traceback.format_exc())
            except OSError:
                log = None
        emit('error', kind=kind, message=message, log=log)
        sys.exit(1)


if __name__ == '__main__':
    main()
