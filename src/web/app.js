import { initEvaluations } from '/evaluations.js';

const $ = (selector) => document.querySelector(selector);
const keyInput = $('#api-key');
keyInput.value = localStorage.getItem('attune-key') ?? '';
keyInput.addEventListener('change', () => { localStorage.setItem('attune-key', keyInput.value.trim()); refresh(); });

function headers(extra = {}) {
  const key = keyInput.value.trim();
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers) });
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : null;
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

function showError(target, error) {
  target.textContent = error ? String(error.message ?? error) : '';
  target.hidden = !error;
}

// ---- navigation
for (const button of document.querySelectorAll('nav button')) {
  button.addEventListener('click', () => {
    document.querySelectorAll('nav button').forEach((b) => b.classList.toggle('active', b === button));
    document.querySelectorAll('.view').forEach((view) => (view.hidden = view.id !== `view-${button.dataset.view}`));
    if (button.dataset.view === 'documents') loadDocuments();
    if (button.dataset.view === 'eval') loadEvaluations();
  });
}

function fillSelect(select, values, keep) {
  const current = select.value;
  select.replaceChildren(...values.map(([value, label]) => new Option(label, value)));
  if (keep && values.some(([value]) => value === current)) select.value = current;
}

let evalCollectionChosen = false;
$('#eval-collection').addEventListener('change', () => (evalCollectionChosen = true));

async function refresh() {
  try {
    const [{ collections }, { adapters }] = await Promise.all([api('/v1/collections'), api('/v1/adapters')]);
    const names = collections.map((c) => [c.name, c.name]);
    fillSelect($('#chat-collection'), names, true);
    fillSelect($('#doc-collection'), names, true);
    // until one is chosen, the first collection (rag needs one)
    fillSelect($('#eval-collection'), [...names, ['', '(none: base and ft only)']], evalCollectionChosen);
    fillSelect($('#chat-adapter'), [['', '(none)'], ...adapters.map((a) => [a.name, a.name])], true);
    fillSelect($('#eval-adapter'), [['', '(none)'], ...adapters.map((a) => [a.name, a.name])], true);
    showError($('#chat-error'), null);
  } catch (error) {
    showError($('#chat-error'), error);
  }
}

// ---- chat
function modelName() {
  const strategy = $('#chat-strategy').value;
  const adapter = $('#chat-adapter').value;
  if (strategy === 'base') return 'attune/base';
  return `attune/${$('#chat-collection').value}/${strategy}${adapter ? `/${adapter}` : ''}`;
}

function addMessage(role, text) {
  const node = document.createElement('div');
  node.className = `message ${role}`;
  const body = document.createElement('div');
  body.className = 'body';
  body.textContent = text;
  node.append(body);
  $('#messages').append(node);
  return node;
}

async function openChunk(collection, chunkId) {
  try {
    const chunk = await api(`/v1/collections/${encodeURIComponent(collection)}/chunks/${encodeURIComponent(chunkId)}`);
    $('#chunk-title').textContent = [chunk.title, ...(chunk.headingPath ?? [])].filter(Boolean).join(' › ') || chunk.docId;
    $('#chunk-source').textContent = `${chunk.source}${chunk.page ? `, page ${chunk.page}` : ''}`;
    $('#chunk-text').textContent = chunk.text;
    $('#chunk-dialog').showModal();
  } catch (error) {
    showError($('#chat-error'), error);
  }
}

function renderSources(node, collection, extension) {
  const cited = extension.citations.map((c) => ({ label: `[${c.n}] ${c.docId}`, chunkId: c.chunkId }));
  const sources = cited.length > 0 ? cited : extension.retrieved.map((hit, i) => ({ label: `retrieved ${i + 1}: ${hit.docId}`, chunkId: hit.chunkId }));
  if (sources.length === 0) return;
  const list = document.createElement('div');
  list.className = 'citations';
  for (const source of sources) {
    const button = document.createElement('button');
    button.className = 'citation';
    button.textContent = source.label;
    button.addEventListener('click', () => openChunk(collection, source.chunkId));
    list.append(button);
  }
  node.append(list);
}

/** Reads an OpenAI-style SSE stream: `data: {...}` lines until `data: [DONE]`. */
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('');
      if (data === '[DONE]') return;
      if (data) yield JSON.parse(data);
    }
  }
}

// earlier turns go with each question: the server rewrites a follow-up ("and in children?") from them
const conversation = [];

$('#chat-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const question = $('#chat-input').value.trim();
  if (!question) return;
  $('#chat-input').value = '';
  showError($('#chat-error'), null);
  addMessage('user', question);
  const node = addMessage('assistant', '');
  const body = node.querySelector('.body');
  const collection = $('#chat-collection').value;
  try {
    const response = await fetch('/v1/chat/completions', {
      method: 'POST',
      headers: headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ model: modelName(), stream: true, max_tokens: 96, messages: [...conversation.slice(-6), { role: 'user', content: question }] }),
    });
    if (!response.ok) throw new Error((await response.json()).error?.message ?? response.statusText);
    for await (const chunk of events(response)) {
      if (chunk.error) throw new Error(chunk.error.message);
      const delta = chunk.choices?.[0]?.delta?.content;
      if (delta) body.textContent += delta;
      if (chunk.attune) {
        renderSources(node, collection, chunk.attune);
        const meta = document.createElement('div');
        meta.className = 'meta';
        meta.textContent = `${chunk.attune.abstained ? 'abstained · ' : ''}${Math.round(chunk.attune.timings.totalMs)} ms`;
        node.append(meta);
      }
    }
    conversation.push({ role: 'user', content: question }, { role: 'assistant', content: body.textContent });
  } catch (error) {
    node.remove();
    showError($('#chat-error'), error);
  }
});

// ---- documents
async function loadDocuments() {
  const collection = $('#doc-collection').value;
  const tbody = $('#documents tbody');
  tbody.replaceChildren();
  if (!collection) return;
  try {
    const { documents } = await api(`/v1/collections/${encodeURIComponent(collection)}/documents`);
    for (const doc of documents) {
      const row = tbody.insertRow();
      row.insertCell().textContent = doc.docId;
      row.insertCell().textContent = String(doc.chunks);
      const remove = document.createElement('button');
      remove.textContent = 'Delete';
      remove.addEventListener('click', async () => {
        await api(`/v1/collections/${encodeURIComponent(collection)}/documents/${encodeURIComponent(doc.docId)}`, { method: 'DELETE' }).catch((e) => showError($('#doc-error'), e));
        loadDocuments();
      });
      row.insertCell().append(remove);
    }
    showError($('#doc-error'), null);
  } catch (error) {
    showError($('#doc-error'), error);
  }
}
$('#doc-collection').addEventListener('change', loadDocuments);

$('#new-collection').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const { name } = await api('/v1/collections', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: $('#new-collection-name').value.trim() }) });
    $('#new-collection-name').value = '';
    await refresh();
    $('#doc-collection').value = name;
    loadDocuments();
  } catch (error) {
    showError($('#doc-error'), error);
  }
});

$('#upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const collection = $('#doc-collection').value;
  const form = new FormData();
  for (const file of $('#upload-files').files) form.append('files', file);
  form.append('labels', $('#upload-labels').value);
  const progress = $('#ingest-progress');
  const text = $('#ingest-text');
  try {
    let job = await api(`/v1/collections/${encodeURIComponent(collection)}/documents`, { method: 'POST', body: form });
    progress.hidden = false;
    while (job.status === 'queued' || job.status === 'running') {
      const p = job.progress ?? {};
      const total = Number(p.total ?? p.files ?? 0);
      const done = Number(p.done ?? p.processed ?? 0);
      progress.max = total || 1;
      progress.value = total ? done : 0;
      text.textContent = `${job.status}${total ? `: ${done}/${total}` : ''} ${job.files.join(', ')}`;
      await new Promise((resolve) => setTimeout(resolve, 400));
      job = await api(`/v1/jobs/${job.id}`);
    }
    progress.value = progress.max;
    text.textContent = job.status === 'done' ? `ingested ${job.files.join(', ')}` : `failed: ${job.error}`;
    showError($('#doc-error'), null);
    loadDocuments();
  } catch (error) {
    showError($('#doc-error'), error);
  }
});

// ---- evaluations (evaluations.js)
const { loadEvaluations } = initEvaluations({ $, api, showError });

refresh();
