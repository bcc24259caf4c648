"""Data-parallel training for train_worker.py under `accelerate launch` (DDP: NCCL on GPUs, gloo on CPUs),
or fully sharded (`sharding: fsdp`: torch's FSDP2 `fully_shard`, each rank holding 1/N of every weight).

One process is a cluster of one: every collective below is then a no-op, so the single-process run and
the N-process run share one code path. Every rank builds the same global batch (same seed, same data
order); each computes the rows `shard` gives it, and the loss is normalised by the *global* batch's
token count, so the averaged gradient is the one-process gradient of the same global batch.

Under FSDP every forward and backward is collective (each layer gathers its weights from all ranks), so
every rank runs every forward, in step: a rank without rows, in training or validation, computes a
placeholder row whose labels are all ignored. Checkpoints and the adapter hold whole tensors gathered from
the shards, in the format a one-process run writes (resuming fsdp from fsdp is tested; other pairs are not).
"""
import os
import sys


class Tee:
    """A rank's stderr, also kept in <run_dir>/ranks/rank-<n>.log: the TypeScript side quotes its last
    lines when that rank fails (the launcher interleaves every rank's stderr otherwise)."""

    def __init__(self, stream, path):
        self.stream = stream
        self.file = open(path, 'a', encoding='utf-8', buffering=1)

    def write(self, text):
        self.stream.write(text)
        self.file.write(text)
        return len(text)

    def flush(self):
        self.stream.flush()
        self.file.flush()

    def __getattr__(self, name):
        return getattr(self.stream, name)


class Cluster:
    """Where this process stands in the run: rank, world size, device, and whether it reports."""

    def __init__(self, config):
        import torch
        from accelerate import Accelerator
        self.mixed_precision = config.get('mixed_precision') or 'no'
        fsdp = config.get('sharding') == 'fsdp'
        if fsdp and self.mixed_precision == 'fp16':
            # fp16 needs a gradient scaler that knows the shards; bf16 needs none
            raise ValueError('--sharding fsdp trains in fp32 or bf16, not fp16: pass --mixed-precision bf16 or no')
        # cpu=True without CUDA makes accelerate pick gloo for a multi-process CPU run (else it silently runs N copies);
        # under FSDP the precision is the sharding's own policy (shard_model), not accelerate's autocast
        self.accelerator = Accelerator(cpu=not torch.cuda.is_available(),
                                       mixed_precision='no' if fsdp else self.mixed_precision)
        kind = str(self.accelerator.distributed_type)
        if 'FSDP' in kind or 'DEEPSPEED' in kind:
            # accelerate's own FSDP would wrap the model behind attune's back (and it applies to GPU processes only)
            raise ValueError(f'{kind} in the accelerate config is not used by attune\'s trainer: remove it, and pass '
                             '--sharding fsdp (training.sharding) for a model sharded over the processes')
        self.rank = self.accelerator.process_index
        self.world = self.accelerator.num_processes
        self.fsdp = fsdp and self.world > 1
        self.device = self.accelerator.device
        # one reporter per machine: events, checkpoints and the adapter go to that machine's attune home
        self.reports = self.accelerator.is_local_main_process
        if self.world > 1 and config.get('run_dir'):
            folder = os.path.join(config['run_dir'], 'ranks')
            os.makedirs(folder, exist_ok=True)
            sys.stderr = Tee(sys.stderr, os.path.join(folder, f'rank-{self.rank}.log'))

    def shard_model(self, model):
        """FSDP: shards every decoder layer, then the rest, over the processes (in place). Else the model as it was."""
        if not self.fsdp:
            return model
        import torch
        import torch.distributed as dist
        from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard
        # every rank drew its own LoRA init (seeds differ per rank, for dropout); DDP would copy rank 0's weights
        # at wrapping, fully_shard keeps each rank's own slice: give every rank rank 0's weights first
        with torch.no_grad():
            for p in model.parameters():
                if p.requires_grad:
                    dist.broadcast(p.data, src=0)
        dtype = torch.bfloat16 if self.mixed_precision == 'bf16' else None
        # bf16 weights in the forward and backward, gradients reduced and kept in fp32 (the optimizer's copy)
        policy = MixedPrecisionPolicy(param_dtype=dtype, reduce_dtype=torch.float32) if dtype else MixedPrecisionPolicy()
        layers = set(getattr(model.get_base_model(), '_no_split_modules', None) or [])
        units = [m for m in model.modules() if type(m).__name__ in layers]
        if not units:
            raise ValueError(f'--sharding fsdp: no decoder layers ({", ".join(sorted(layers)) or "no _no_split_modules"}) '
                             f'found in {type(model.get_base_model()).__name__}')
        # untied input and output embeddings get units of their own (a quarter to a half of a small model's
        # weights, e.g. Qwen2.5-0.5B's): in the root's unit they would stay whole through each forward and backward
        base = model.get_base_model()
        inputs, outputs = base.get_input_embeddings(), base.get_output_embeddings()
        if inputs is not None and outputs is not None and outputs.weight is not inputs.weight:
            units += [inputs, outputs]
        for module in units:
            fully_shard(module, mp_policy=policy)
        fully_shard(model, mp_policy=policy)
        return model

    def parameter_shares(self, model):
        """(every rank's count of the weights it holds, the model's count): a check that the model is sharded."""
        local = sum(p.to_local().numel() if hasattr(p, 'to_local') else p.numel() for p in model.parameters())
        return self.gather(local), sum(p.numel() for p in model.parameters())

    def lora_state(self, model):
        """The LoRA weights as whole tensors on the CPU (collective under FSDP: every rank calls it, in step)."""
        if not self.fsdp:
            return {k: v.detach().clone() for k, v in model.state_dict().items() if 'lora_' in k}
        return {name: p.detach().full_tensor().cpu().clone() for name, p in model.named_parameters() if 'lora_' in name}

    def load_lora(self, model, state):
        """Whole LoRA tensors (lora_state's) into the model, sharding them under FSDP."""
        if not self.fsdp:
            model.load_state_dict(state, strict=False)
            return
        import torch
        from torch.distributed.tensor import distribute_tensor
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name in state:
                    p.copy_(distribute_tensor(state[name].to(device=p.device, dtype=p.dtype), p.device_mesh, p.placements))

    def optimizer_state(self, optimizer):
        """optimizer.state_dict() with whole tensors (collective under FSDP), the same format in every layout."""
        saved = optimizer.state_dict()
        if self.fsdp:
            for index in sorted(saved['state']):
                saved['state'][index] = {k: v.full_tensor().cpu() if hasattr(v, 'full_tensor') else v
                                         for k, v in saved['state'][index].items()}
        return saved

    def load_optimizer(self, optimizer, saved):
        optimizer.load_state_dict(saved)
        if not self.fsdp:
            return
        from torch.distributed.tensor import distribute_tensor
        # load_state_dict moved the whole tensors beside each (sharded) weight: shard them like it
        for group in optimizer.param_groups:
            for p in group['params']:
                state = optimizer.state.get(p, {})
                for key, value in state.items():
                    if hasattr(value, 'dim') and value.dim() > 0 and not hasattr(value, 'full_tensor'):
                        state[key] = distribute_tensor(value, p.device_mesh, p.placements)

    def prepare(self, model, optimizer):
        if self.fsdp:
            return model, optimizer  # shard_model did it; accelerate would wrap it in DDP as well
        return self.accelerator.prepare(model, optimizer)

    def unwrap(self, model):
        return model if self.fsdp else self.accelerator.unwrap_model(model)

    def shard(self, batch):
        """This rank's rows of the global batch (contiguous slices). A rank left without rows (a last batch
        smaller than the world) computes one row whose labels are all ignored: zero loss, zero gradient, but
        it still joins the gradient all-reduce that DDP needs from every rank."""
        import torch
        input_ids, labels, mask = batch
        rows = torch.tensor_split(torch.arange(input_ids.shape[0]), self.world)[self.rank]
        if len(rows) == 0:
            return input_ids[:1], torch.full_like(labels[:1], -100), mask[:1]
        return input_ids[rows], labels[rows], mask[rows]

    def sum(self, values):
        """Element-wise sum of a list of floats over all ranks."""
        if self.world == 1:
            return list(values)
        import torch
        import torch.distributed as dist
        tensor = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(tensor)
        return tensor.tolist()

    def gather(self, obj):
        """Every rank's obj, in rank order."""
        if self.world == 1:
            return [obj]
        import torch.distributed as dist
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def broadcast(self, obj):
        """Rank 0's obj on every rank."""
        if self.world == 1:
            return obj
        import torch.distributed as dist
        box = [obj if self.rank == 0 else None]
        dist.broadcast_object_list(box, src=0)
        return box[0]

    def backward(self, loss):
        # DDP and FSDP average gradients over ranks; each rank's loss is its share of the global sum, so scale back up
        self.accelerator.backward(loss * self.world)

    def clip(self, params, max_norm):
        self.accelerator.clip_grad_norm_(params, max_norm)

    def finish(self):
        # the other ranks wait here while the reporter exports, so the launcher sees every rank end together
        if self.world > 1:
            import torch.distributed as dist
            self.accelerator.wait_for_everyone()
            dist.destroy_process_group()
