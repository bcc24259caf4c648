"""attune's LoRA trainer: one JSON config line on stdin (or a config file named by the first argument),
JSON event lines on stdout. Under `accelerate launch` each rank runs this script (see distributed.py).

Events: start, stats, progress, eval, checkpoint, done, error ({kind, message}). The full trace of
any failure goes to <run_dir>/train.log; stdout carries only JSON lines.
"""
import errno
import functools
import json
import math
import os
import random
import resource
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_data import batches, collate, encode, ids_of, read_jsonl  # noqa: E402 - the worker's own folder first

# transformers/peft print to stdout on import in some versions; keep stdout for events only
EVENTS = sys.stdout
sys.stdout = sys.stderr


def emit(event, **fields):
    EVENTS.write(json.dumps({'event': event, **fields}) + '\n')
    EVENTS.flush()


def resolve_base(config):
    """(folder, kwargs) for from_pretrained. A GGUF base is dequantised once into a Hugging Face folder
    under cache_dir, keyed by the file's path, size and mtime and the library versions: dequantising takes ~15 s on 2 cores, loading
    the saved fp32 copy ~1 s, and the weights are the same (fp32 safetensors are lossless)."""
    import hashlib
    import shutil
    base_dir, gguf_file = config['base_dir'], config.get('gguf_file')
    if not gguf_file:
        return base_dir, {}
    if not config.get('cache_dir'):
        return base_dir, {'gguf_file': gguf_file}
    path = os.path.abspath(os.path.join(base_dir, gguf_file))
    info = os.stat(path)
    # the copy depends on the libraries that dequantised it too: a cache left by other versions is not reused
    from importlib.metadata import version
    libraries = '\0'.join(f'{name}={version(name)}' for name in ('torch', 'transformers', 'gguf', 'safetensors'))
    key = hashlib.sha256(f'{path}\0{info.st_size}\0{info.st_mtime_ns}\0{libraries}'.encode()).hexdigest()[:16]
    folder = os.path.join(config['cache_dir'], 'dequantised', f'{os.path.splitext(gguf_file)[0]}-{key}')
    if os.path.exists(os.path.join(folder, 'done')):
        return folder, {}
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(base_dir, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(base_dir, gguf_file=gguf_file, dtype=torch.float32)
    staging = f'{folder}.tmp-{os.getpid()}'
    os.makedirs(staging, exist_ok=True)
    # save_pretrained refuses GGUF-loaded models ("quantized"): the weights are plain fp32 now, so
    # write them and the config directly (save_model drops the tied lm_head copy)
    from safetensors.torch import save_model
    if hasattr(model.config, 'quantization_config'):
        del model.config.quantization_config
    model.config.save_pretrained(staging)
    model.generation_config.save_pretrained(staging)
    save_model(model, os.path.join(staging, 'model.safetensors'))
    tokenizer.save_pretrained(staging)
    open(os.path.join(staging, 'done'), 'w').close()
    try:
        os.rename(staging, folder)
    except OSError:  # another worker finished first
        shutil.rmtree(staging, ignore_errors=True)
    return folder, {}


def load_tokenizer(config):
    from transformers import AutoTokenizer
    folder, kwargs = resolve_base(config)
    tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_model(config, quantize=None, device=None):
    """The base in fp32, or (quantize='nf4') in 4-bit NF4 through bitsandbytes as QLoRA trains it: the linear
    layers' weights quantised on load (with double quantisation of their constants), computing in bf16,
    placed on `device` (bitsandbytes quantises there; CPU and CUDA both work)."""
    import torch
    from transformers import AutoModelForCausalLM
    folder, kwargs = resolve_base(config)
    if quantize == 'nf4':
        from transformers import BitsAndBytesConfig
        nf4 = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', bnb_4bit_use_double_quant=True,
                                 bnb_4bit_compute_dtype=torch.bfloat16)
        return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.bfloat16, quantization_config=nf4,
                                                    device_map={'': str(device or 'cpu')}, **kwargs)
    if quantize:
        raise ValueError(f'quantize: unknown mode {quantize!r} (nf4 is the one there is)')
    return AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **kwargs)


def weight_bytes(model):
    """(bytes the weights take in memory, bytes they would take in fp32): a 4-bit weight packs two per byte."""
    held = full = 0
    for p in model.parameters():
        local = p.to_local() if hasattr(p, 'to_local') else p
        held += local.numel() * local.element_size()
        state = getattr(p, 'quant_state', None)
        full += (state.shape.numel() if state is not None else p.numel()) * 4
    return held, full


def pick_device():
    import torch
    return torch.device('cuda' if torch.cuda.is_available() else 'cpu')


def batch_loss(model, input_ids, labels, mask, num_items):
    """Summed next-token cross-entropy over the answer tokens, divided by num_items (the global batch's target
    count): the loss transformers computes from `labels`, but with logits only at the positions that have a
    target. The full-vocabulary head and its softmax cost as much per position as several transformer layers
    (49k x 576 for SmolLM2, 152k x 896 for Qwen2.5-0.5B), and a chat's prompt tokens, often most of it, need none.
    A model whose forward takes no `logits_to_keep` gets the full logits, with the same loss."""
    import torch
    targets = labels[:, 1:]
    keep = (targets != -100).any(0).nonzero().squeeze(-1)
    if keep.numel() == 0:  # a rank's placeholder row: zero loss that still reaches every LoRA weight
        keep = torch.zeros(1, dtype=torch.long, device=input_ids.device)
    if accepts_logits_to_keep(model):
        logits = model(input_ids=input_ids, attention_mask=mask, logits_to_keep=keep, use_cache=False).logits
    else:
        logits = model(input_ids=input_ids, attention_mask=mask, use_cache=False).logits[:, :-1][:, keep]
    picked = targets[:, keep]
    loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), picked.reshape(-1),
                                             ignore_index=-100, reduction='sum')
    return loss / num_items


def accepts_logits_to_keep(model):
    inner = getattr(model, 'module', model)  # under DDP
    inner = inner.get_base_model() if hasattr(inner, 'get_base_model') else inner  # under PEFT
    return _forward_takes_logits_to_keep(type(inner))


@functools.lru_cache(maxsize=None)
def _forward_takes_logits_to_keep(model_class):
    """Inspected once per model class, not at every step."""
    import inspect
    return 'logits_to_keep' in inspect.signature(model_class.forward).parameters


def evaluate(model, encoded, batch_size, pad_id, device, cluster):
    """Validation loss per target token; each rank scores its share of the examples."""
    import torch
    if not encoded:
        return None
    model.eval()
    total, count = 0.0, 0
    mine = encoded[cluster.rank::cluster.world]
    # under FSDP every rank runs as many forwards as rank 0 (which has the most examples), in step
    rounds = math.ceil(math.ceil(len(encoded) / cluster.world) / batch_size) if cluster.fsdp else math.ceil(len(mine) / batch_size)
    with torch.no_grad():
        for start in range(0, rounds * batch_size, batch_size):
            chunk = mine[start:start + batch_size]
            input_ids, labels, mask = (t.to(device) for t in collate(chunk or encoded[:1], pad_id))
            if not chunk:  # a placeholder row: its labels are all ignored
                labels = torch.full_like(labels, -100)
            tokens = int((labels[:, 1:] != -100).sum())
            loss = batch_loss(model, input_ids, labels, mask, max(tokens, 1))
            total += float(loss) * tokens
            count += tokens
    model.train()
    total, count = cluster.sum([total, count])
    return total / max(count, 1)


def current_rss_mb():
    """This process's resident memory now, MB (None where /proc is missing)."""
    try:
        with open('/proc/self/status', encoding='ascii') as status:
            return next(round(int(line.split()[1]) / 1024) for line in status if line.startswith('VmRSS:'))
    except (OSError, StopIteration, ValueError):
        return None


def save_atomic(obj, path):
    import torch
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def stats(config):
    import torch  # noqa: F401 - preflight: a broken torch fails here, before the pre-training summary
    tokenizer = load_tokenizer(config)
    lengths = [len(encode(tokenizer, example)[0]) for example in read_jsonl(config['train_file'])]
    emit('stats', lengths=lengths, context_length=getattr(tokenizer, 'model_max_length', None))


def train(config):
    import torch
    from distributed import Cluster
    from peft import LoraConfig, get_peft_model

    global EVENTS
    cluster = Cluster(config)
    if not cluster.reports:
        # one process per machine speaks the event protocol; the others' would only crowd their rank log
        EVENTS = open(os.devnull, 'w')
    seed = int(config.get('seed', 42))
    random.seed(seed)
    torch.manual_seed(seed + cluster.rank)  # independent dropout masks per rank
    torch.set_num_threads(int(config.get('threads') or os.cpu_count() or 1))
    run_dir = config['run_dir']
    os.makedirs(run_dir, exist_ok=True)

    tokenizer = load_tokenizer(config)
    train_set = [encode(tokenizer, e) for e in read_jsonl(config['train_file'])]
    val_set = [encode(tokenizer, e) for e in read_jsonl(config['val_file'])] if config.get('val_file') else []
    device = cluster.device
    quantize = config.get('quantize')
    if quantize and cluster.fsdp:
        raise ValueError('--quantize nf4 with --sharding fsdp is not supported (4-bit weights would need their own '
                         'storage type to be sharded): use --sharding ddp or one process')
    # under FSDP the whole base stays in CPU memory: fully_shard moves each rank's shard to the device
    model = load_model(config, quantize=quantize, device=device)
    if quantize:
        from peft import prepare_model_for_kbit_training
        # norms and embeddings to fp32, input gradients on; activation checkpointing stays off, as without nf4
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    elif not cluster.fsdp:
        model = model.to(device)
    rank = int(config.get('rank', 16))
    alpha = float(config.get('alpha', 2 * rank))
    lora = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=float(config.get('dropout', 0.05)), task_type='CAUSAL_LM',
                      target_modules=['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'])
    model = get_peft_model(model, lora)
    model.train()
    model = cluster.shard_model(model)  # --sharding fsdp: each rank keeps 1/N of every weight from here on
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=float(config.get('lr', 2e-4)), weight_decay=0.0)

    # batch_size is the global batch: every rank computes its share of it (see distributed.py)
    batch_size = int(config.get('batch_size', 4))
    steps_per_epoch = math.ceil(len(train_set) / batch_size)
    total = steps_per_epoch * int(config.get('epochs', 3))
    if config.get('max_steps'):
        total = min(total, int(config['max_steps']))
    warmup = min(int(config.get('warmup_steps', 0)), total // 10)

    def schedule(step):
        if step < warmup:
            return (step + 1) / (warmup + 1)
        progress = (step - warmup) / max(1, total - warmup)
        return 0.5 * (1 + math.cos(math.pi * progress))
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, schedule)

    checkpoint_path = os.path.join(run_dir, 'checkpoint.pt')
    state = {'step': 0, 'history': [], 'best_val': None, 'best_state': None, 'bad_evals': 0, 'tokens': 0, 'seconds': 0.0}
    # rank 0's checkpoint is every rank's: on many machines only the main machine's copy is read
    saved = None
    if cluster.rank == 0 and os.path.exists(checkpoint_path):
        saved = torch.load(checkpoint_path, weights_only=False, map_location='cpu')
    saved = cluster.broadcast(saved)
    resumed = saved is not None
    if resumed:
        cluster.load_lora(model, saved['lora'])
        cluster.load_optimizer(optimizer, saved['optimizer'])
        scheduler.load_state_dict(saved['scheduler'])
        state = saved['state']
        # each rank's random state, when the run had as many ranks (else rank 0's)
        rngs = saved.get('rng') or [(saved['python_rng'], saved['torch_rng'])]  # or a checkpoint of an older worker
        python_rng, torch_rng = rngs[cluster.rank if len(rngs) == cluster.world else 0]
        random.setstate(python_rng)
        torch.set_rng_state(torch_rng.cpu())
        saved = None
    model, optimizer = cluster.prepare(model, optimizer)
    pids = cluster.gather(os.getpid())
    shares, parameters = cluster.parameter_shares(model)
    held, full = weight_bytes(model)
    emit('start', total=total, resumed=resumed, step=state['step'], train_examples=len(train_set), val_examples=len(val_set),
         trainable_parameters=sum(p.numel() for p in params), device=str(device), processes=cluster.world, pids=pids,
         sharding='fsdp' if cluster.fsdp else 'ddp' if cluster.world > 1 else 'none', parameters=parameters, rank_parameters=shares,
         quantize=quantize, weight_bytes=held, fp32_weight_bytes=full)

    pad_id = tokenizer.pad_token_id
    eval_every = int(config.get('eval_every', max(1, steps_per_epoch)))
    checkpoint_every = int(config.get('checkpoint_every', 10))
    patience = int(config.get('patience', 3))
    rng = random.Random(seed)
    stopped_early = False
    step = 0
    my_tokens = 0
    epoch_batches = []
    while state['step'] < total and not stopped_early:
        epoch = step // steps_per_epoch
        if step % steps_per_epoch == 0:
            rng = random.Random(seed + epoch)
            epoch_batches = list(batches(train_set, batch_size, pad_id, rng))
        batch = epoch_batches[step % steps_per_epoch]
        step += 1
        if step <= state['step']:
            continue  # replaying the data order up to the checkpoint
        # the global batch's target tokens (labels shifted by one, as the loss counts them)
        targets = int((batch[1][:, 1:] != -100).sum())
        input_ids, labels, mask = (t.to(device) for t in cluster.shard(batch))
        started = time.perf_counter()
        loss = batch_loss(model, input_ids, labels, mask, max(targets, 1))
        cluster.backward(loss)
        cluster.clip(params, 1.0)
        optimizer.step()
        scheduler.step()
        optimizer.zero_grad(set_to_none=True)
        [loss_value] = cluster.sum([float(loss.detach())])
        state['seconds'] += time.perf_counter() - started
        state['tokens'] += int(batch[2].sum())
        if (labels != -100).any():  # not the placeholder row of a rank left without rows
            my_tokens += int(mask.sum())
        state['step'] = step
        tps = state['tokens'] / max(state['seconds'], 1e-9)
        eta = (total - step) * state['seconds'] / step
        point = {'step': step, 'loss': loss_value}
        emit('progress', step=step, total=total, loss=loss_value, lr=scheduler.get_last_lr()[0],
             tokens_per_second=tps, eta_seconds=eta)
        if val_set and (step % eval_every == 0 or step == total):
            val_loss = evaluate(cluster.unwrap(model), val_set, batch_size, pad_id, device, cluster)
            point['val_loss'] = val_loss
            if state['best_val'] is None or val_loss < state['best_val']:
                state['best_val'], state['best_state'], state['bad_evals'] = val_loss, cluster.lora_state(cluster.unwrap(model)), 0
            else:
                state['bad_evals'] += 1
                stopped_early = state['bad_evals'] >= patience
            emit('eval', step=step, total=total, val_loss=val_loss, best_val_loss=state['best_val'], stopped_early=stopped_early)
        state['history'].append(point)
        if step % checkpoint_every == 0 and step < total and not stopped_early:
            rngs = cluster.gather((random.getstate(), torch.get_rng_state()))
            # whole tensors in every layout (gathered from the shards under FSDP: every rank takes part)
            lora_now, optimizer_now = cluster.lora_state(cluster.unwrap(model)), cluster.optimizer_state(optimizer)
            if cluster.reports:
                save_atomic({'lora': lora_now, 'optimizer': optimizer_now,
                             'scheduler': scheduler.state_dict(), 'state': state, 'rng': rngs}, checkpoint_path)
                emit('checkpoint', step=step, total=total, path=checkpoint_path)

    model = cluster.unwrap(model)
    # each rank's peak memory while training (Linux reports KiB) and what it holds at the end of it, before the
    # export below adds an unsharded copy (the peak includes loading the whole base, which every rank does)
    rank_peak_rss = cluster.gather(round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    rank_end_rss = cluster.gather(current_rss_mb())
    if cluster.fsdp:
        # the export reads whole tensors: the reporter puts the adapter (the best state, whole already, or the last
        # one gathered from the shards; every rank takes the same branch) on an unsharded copy of the base (CPU)
        final = state['best_state'] if state['best_state'] is not None else cluster.lora_state(model)
        if cluster.reports:
            model = get_peft_model(load_model(config), lora)
            unknown = model.load_state_dict(final, strict=False).unexpected_keys
            if unknown:
                raise ValueError(f'the gathered adapter has weights the model lacks: {unknown[:3]}')
    elif state['best_state'] is not None:
        cluster.load_lora(model, state['best_state'])
    if cluster.reports:
        export(model, tokenizer, config, alpha)
    train_losses = [p['loss'] for p in state['history']]
    rank_tokens = cluster.gather(my_tokens)  # each rank's share of the tokens this session (a check that the batch is split)
    emit('done', step=state['step'], total=total, steps=state['step'], train_loss=sum(train_losses[-5:]) / max(len(train_losses[-5:]), 1),
         val_loss=state['best_val'], tokens_per_second=state['tokens'] / max(state['seconds'], 1e-9), train_seconds=state['seconds'],
         tokens=state['tokens'], history=state['history'], stopped_early=stopped_early, rank=rank, alpha=alpha, processes=cluster.world, rank_tokens=rank_tokens,
         peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024), rank_peak_rss_mb=rank_peak_rss,
         rank_end_rss_mb=rank_end_rss)
    cluster.finish()


def export(model, tokenizer, config, alpha):
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from export_lora_gguf import export_gguf, gguf_architecture
    out = config['output_dir']
    os.makedirs(out, exist_ok=True)
    model.save_pretrained(os.path.join(out, 'peft'))
    base_config = model.get_base_model().config
    base_gguf = os.path.join(config['base_dir'], config['gguf_file']) if config.get('gguf_file') else None
    # the adapter's architecture must be the base's: llama.cpp refuses a mismatch, and it decides the q/k layout
    architecture = gguf_architecture(base_gguf) if base_gguf else base_config.model_type
    export_gguf(model, os.path.join(out, 'adapter.gguf'), alpha, base_config.num_attention_heads,
                base_config.num_key_value_heads, base_gguf=base_gguf, architecture=architecture)


def classify(error):
    """One stable kind per failure, for the TypeScript side's one-line messages."""
    if isinstance(error, ImportError):
        return 'import', f'a Python package failed to import: {error}'
    if isinstance(error, OSError) and error.errno == errno.ENOSPC:
        return 'disk-full', 'no space left on the device while writing the run folder or adapter'
    if isinstance(error, MemoryError) or type(error).__name__ in ('OutOfMemoryError',) or 'out of memory' in str(error).lower():
        return 'oom', 'out of memory: lower --max-seq-len or the batch size'
    if isinstance(error, (KeyError, ValueError, TypeError, json.JSONDecodeError)):
        return 'bad-config', f'{type(error).__name__}: {error}'
    return 'internal', f'{type(error).__name__}: {error}'


def generate(config):
    """Greedy continuations with the PyTorch model (+ PEFT adapter when given), for equivalence tests."""
    import torch
    torch.set_num_threads(int(config.get('threads') or os.cpu_count() or 1))
    tokenizer = load_tokenizer(config)
    model = load_model(config)
    if config.get('adapter_dir'):
        from peft import PeftModel
        model = PeftModel.from_pretrained(model, config['adapter_dir'])
    device = pick_device()
    model.to(device).eval()
    outputs = []
    for messages in config['prompts']:
        prompt = ids_of(tokenizer, messages, True)
        ids = torch.tensor([prompt], device=device)
        with torch.no_grad():
            out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=int(config.get('max_new_tokens', 16)),
                                 do_sample=False, pad_token_id=tokenizer.pad_token_id)
        new = out[0, ids.shape[1]:].tolist()
        outputs.append({'tokens': new, 'text': tokenizer.decode(new, skip_special_tokens=True), 'prompt_tokens': prompt})
    # what the export parity check compares with the GGUF side: the template and the token that ends an answer
    emit('generated', outputs=outputs, chat_template=tokenizer.chat_template, eos_token=tokenizer.eos_token,
         eos_token_id=tokenizer.eos_token_id)


def main():
    config = {}
    try:
        # under the launcher every rank reads the config from a file (stdin reaches one rank at most)
        if len(sys.argv) > 1:
            with open(sys.argv[1], encoding='utf-8') as handle:
                config = json.load(handle)
        else:
            config = json.loads(sys.stdin.readline())
        if config.get('mode') == 'stats':
            stats(config)
        elif config.get('mode') == 'generate':
            generate(config)
        else:
            train(config)
    except BaseException as error:  # noqa: BLE001 - every failure becomes an error event
        if isinstance(error, KeyboardInterrupt):
            raise
        kind, message = classify(error)
        sys.stderr.write(traceback.format_exc())  # under the launcher, into this rank's log (see distributed.Tee)
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
