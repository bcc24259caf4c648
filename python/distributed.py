"""Data-parallel training for train_worker.py under `accelerate launch` (DDP: NCCL on GPUs, gloo on CPUs).

One process is a cluster of one: every collective below is then a no-op, so the single-process run and
the N-process run share one code path. Every rank builds the same global batch (same seed, same data
order); each computes the rows `shard` gives it, and the loss is normalised by the *global* batch's
token count, so the averaged gradient is the one-process gradient of the same global batch.
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
        # cpu=True without CUDA makes accelerate pick gloo for a multi-process CPU run (else it silently runs N copies)
        self.accelerator = Accelerator(cpu=not torch.cuda.is_available(), mixed_precision=config.get('mixed_precision') or 'no')
        kind = str(self.accelerator.distributed_type)
        if 'FSDP' in kind or 'DEEPSPEED' in kind:
            # the checkpoint and the adapter export read whole LoRA tensors, which are shards there
            raise ValueError(f'{kind} is not supported by attune\'s trainer (data-parallel DDP only): '
                             'remove it from the accelerate config')
        self.rank = self.accelerator.process_index
        self.world = self.accelerator.num_processes
        self.device = self.accelerator.device
        # one reporter per machine: events, checkpoints and the adapter go to that machine's attune home
        self.reports = self.accelerator.is_local_main_process
        if self.world > 1 and config.get('run_dir'):
            folder = os.path.join(config['run_dir'], 'ranks')
            os.makedirs(folder, exist_ok=True)
            sys.stderr = Tee(sys.stderr, os.path.join(folder, f'rank-{self.rank}.log'))

    def prepare(self, model, optimizer):
        return self.accelerator.prepare(model, optimizer)

    def unwrap(self, model):
        return self.accelerator.unwrap_model(model)

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
        # DDP averages gradients over ranks; each rank's loss is its share of the global sum, so scale back up
        self.accelerator.backward(loss * self.world)

    def clip(self, params, max_norm):
        self.accelerator.clip_grad_norm_(params, max_norm)

    def finish(self):
        # the other ranks wait here while the reporter exports, so the launcher sees every rank end together
        if self.world > 1:
            import torch.distributed as dist
            self.accelerator.wait_for_everyone()
            dist.destroy_process_group()
