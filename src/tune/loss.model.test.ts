import { spawn } from 'node:child_process';
import { expect, it } from 'vitest';
import { cacheDir, modelsDir } from '../config/paths.ts';
import { DEFAULT_GENERATOR_FILE } from '../models/catalog.ts';
import { ensurePythonEnv, PYTHON_DIR } from '../models/python-env.ts';

// The worker's loss takes logits only where an answer token is the target. It must be the loss (and
// give the gradients) that transformers computes from the full logits and `labels`, on a padded batch
// of chats whose answers start at different positions, with a fresh LoRA adapter on the real base.
const CHECK = `
import json, sys, torch
sys.path.insert(0, sys.argv[1])
from train_worker import batch_loss, collate, encode, load_model, load_tokenizer
from peft import LoraConfig, get_peft_model
torch.manual_seed(0)
config = {'base_dir': sys.argv[2], 'gguf_file': sys.argv[3], 'cache_dir': sys.argv[4]}
tokenizer = load_tokenizer(config)
chats = [[('What colour is the moon of Zorblax?', 'Bright purple.')],
         [('Who founded Quellton, the old harbour city on the northern coast of the Vell archipelago?', 'Mira Vass, in 1204.')],
         [('Hi', 'The glimmerfox eats silver berries and sleeps through the winter in hollow trees.')]]
examples = [encode(tokenizer, {'messages': [m for q, a in c for m in ({'role': 'user', 'content': q}, {'role': 'assistant', 'content': a})]}) for c in chats]
input_ids, labels, mask = collate(examples, tokenizer.pad_token_id)
model = get_peft_model(load_model(config), LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, task_type='CAUSAL_LM',
                                                      target_modules=['q_proj', 'v_proj', 'down_proj']))
for name, p in model.named_parameters():  # a non-zero adapter, so gradients reach lora_A too
    if 'lora_B' in name:
        torch.nn.init.normal_(p, std=0.02)
model.train()
lora = [p for n, p in model.named_parameters() if p.requires_grad]
count = int((labels[:, 1:] != -100).sum())
reference = model(input_ids=input_ids, attention_mask=mask, labels=labels, num_items_in_batch=torch.tensor(count)).loss
reference_grads = torch.autograd.grad(reference, lora)
ours = batch_loss(model, input_ids, labels, mask, count)
grads = torch.autograd.grad(ours, lora)
placeholder = batch_loss(model, input_ids[:1], torch.full_like(labels[:1], -100), mask[:1], 1)
sys.__stdout__.write(json.dumps({'reference': float(reference), 'ours': float(ours), 'targets': count, 'width': int(input_ids.shape[1]),
                  'max_grad_diff': max(float((a - b).abs().max()) for a, b in zip(grads, reference_grads)),
                  'max_grad': max(float(a.abs().max()) for a in reference_grads),
                  'placeholder': float(placeholder), 'placeholder_reaches': all(g is not None for g in torch.autograd.grad(placeholder, lora, allow_unused=True))}) + '\\n')
`;

it('computes the loss and gradients transformers computes from full logits, with logits only at answer positions', async () => {
  const python = await ensurePythonEnv();
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(python, ['-c', CHECK, PYTHON_DIR, modelsDir(), DEFAULT_GENERATOR_FILE, cacheDir()], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(stdout) : reject(new Error(stderr.slice(-2000)))));
  });
  const r = JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, number | boolean>;
  // a check that the batch is what the test means: padded rows, answers at different offsets
  expect(r.targets).toBeGreaterThan(20);
  expect(r.ours).toBeCloseTo(r.reference as number, 4);
  expect(r.max_grad as number).toBeGreaterThan(0);
  expect(r.max_grad_diff as number).toBeLessThan(1e-4 * (r.max_grad as number) + 1e-7);
  expect(r.placeholder).toBe(0);
  expect(r.placeholder_reaches).toBe(true);
}, 300_000);
