// Lore's chat page: plain DOM, no framework. The key lives in localStorage and travels only as a Bearer header.
'use strict';

const KEY = 'lore.key';
const $ = (id) => document.getElementById(id);
let sessionId = null;
let collections = [];
let busyTimer = null;

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) {
    if (child != null) node.append(child);
  }
  return node;
}

function notice(text, kind) {
  const box = $('notice');
  box.textContent = text || '';
  box.className = 'notice ' + (kind || '');
  box.hidden = !text;
}

class HttpError extends Error {
  constructor(status, problem, retryAfter) {
    super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

async function api(path, options) {
  const init = Object.assign({}, options);
  init.headers = Object.assign({ Authorization: 'Bearer ' + localStorage.getItem(KEY) }, init.headers);
  if (init.body && typeof init.body !== 'string') {
    init.body = JSON.stringify(init.body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch (ignored) { /* not JSON */ }
    throw new HttpError(response.status, problem, response.headers.get('Retry-After'));
  }
  return response;
}

// One place that turns a failure into the state a person sees.
function failed(error) {
  if (error.status === 401) {
    notice('That key was not accepted. Check it and enter it again.', 'error');
    $('key').value = '';
    $('key').focus();
  } else if (error.status === 503) {
    busy(Number(error.retryAfter) || 5, error.message);
  } else {
    notice(error.message || String(error), 'error');
  }
}

function busy(seconds, detail) {
  clearInterval(busyTimer);
  $('send').disabled = true;
  let left = seconds;
  const show = () => notice('The model is busy (' + (detail || 'overloaded') + '). You can ask again in ' + left
      + ' s.', 'busy');
  show();
  busyTimer = setInterval(() => {
    left -= 1;
    if (left > 0) {
      show();
    } else {
      clearInterval(busyTimer);
      busyTimer = null;
      notice('The model may have room again: ask once more.', 'info');
      updateCollectionState();
    }
  }, 1000);
}

async function useKey(key) {
  localStorage.setItem(KEY, key);
  try {
    collections = await (await api('/api/v1/collections')).json();
  } catch (error) {
    if (error.status === 401) localStorage.removeItem(KEY); // a refused key is not kept for the next visit
    collections = [];
    fillCollections();
    failed(error);
    return;
  }
  notice('');
  $('key').value = '';
  $('key').placeholder = 'key saved in this browser';
  fillCollections();
  loadSessions();
  loadModels();
  if (!$('question').disabled) $('question').focus();
}

// What the configured models can run: HyDE and FLARE need a generator, FLARE-direct its logprobs.
async function loadModels() {
  let models;
  try {
    models = (await (await api('/api/v1/models')).json()).models || [];
  } catch (error) {
    return; // the strategies stay as they are; asking tells what is missing
  }
  const generator = models.find((m) => m.role === 'generator');
  const strategy = $('strategy');
  const option = (value) => strategy.querySelector('option[value="' + value + '"]');
  const hint = $('strategy-hint');
  for (const value of ['hyde', 'flare']) {
    option(value).disabled = !generator;
    option(value).title = generator ? '' : 'Needs a generator: none is configured (lore.generator)';
  }
  option('flare').textContent = generator && !generator.capabilities.logprobs ? 'FLARE (instruct)' : 'FLARE';
  if (!generator) {
    if (strategy.value !== 'single') strategy.value = 'single';
    hint.textContent = 'No generator is configured, so answers are quoted from the documents without a model.'
        + ' HyDE and FLARE need a generator (lore.generator).';
  } else if (!generator.capabilities.logprobs) {
    option('flare').title = generator.name + ' gives no token logprobs, which FLARE-direct needs: FLARE runs as'
        + ' FLARE-instruct, where the model asks to search.';
    hint.textContent = '';
  } else {
    hint.textContent = '';
  }
  hint.hidden = !hint.textContent;
}

function fillCollections() {
  const select = $('collection');
  const chosen = select.value;
  select.replaceChildren(...collections.map((c) => el('option', {
    value: c.name, textContent: c.name + ' (' + c.documents + ' documents)'
  })));
  if (collections.some((c) => c.name === chosen)) select.value = chosen;
  select.disabled = collections.length === 0;
  updateCollectionState();
}

function updateCollectionState() {
  const state = $('collection-state');
  const current = collections.find((c) => c.name === $('collection').value);
  let text = '';
  if (!localStorage.getItem(KEY)) {
    text = 'Enter your API key above to start. On its first start Lore prints an administrator key in its output'
        + ' (or takes LORE_API_KEY); the API docs show how to upload documents and make keys for other people.';
  } else if (collections.length === 0) {
    text = 'This key can read no collections. Ask an administrator for access.';
  } else if (current && current.chunks === 0) {
    text = 'The collection “' + current.name + '” is empty: upload documents to it first (see the API docs).';
  }
  state.textContent = text;
  state.hidden = !text;
  const usable = !text;
  $('question').disabled = !usable;
  $('send').disabled = !usable;
}

async function loadSessions() {
  let list;
  try {
    list = await (await api('/api/v1/chat')).json();
  } catch (error) {
    failed(error);
    return;
  }
  $('sessions').replaceChildren(...list.map((s) => {
    const open = el('button', { type: 'button', className: 'open', textContent: s.title || '(untitled)' });
    open.title = s.collection + ', ' + new Date(s.updatedAt).toLocaleString();
    open.addEventListener('click', () => openSession(s.sessionId));
    const remove = el('button', { type: 'button', className: 'delete', textContent: '×' });
    remove.setAttribute('aria-label', 'Delete conversation: ' + (s.title || 'untitled'));
    remove.addEventListener('click', () => deleteSession(s));
    const item = el('li', { className: s.sessionId === sessionId ? 'current' : '' }, open, remove);
    item.dataset.sessionId = s.sessionId;
    return item;
  }));
}

async function openSession(id) {
  let transcript;
  try {
    transcript = await (await api('/api/v1/chat/' + encodeURIComponent(id))).json();
  } catch (error) {
    failed(error);
    return;
  }
  sessionId = transcript.sessionId;
  if (collections.some((c) => c.name === transcript.collection)) $('collection').value = transcript.collection;
  updateCollectionState();
  $('log').replaceChildren();
  for (const message of transcript.messages) {
    if (message.role === 'user') {
      addQuestion(message.content);
    } else {
      const view = addAnswer();
      finish(view, { answer: message.content, grounded: message.citations && message.citations.length > 0,
        citations: message.citations || [], retrievals: message.retrievals || [], messageId: message.id,
        feedback: message.feedback });
    }
  }
  loadSessions();
  $('question').focus();
}

async function deleteSession(s) {
  if (!confirm('Delete the conversation “' + (s.title || 'untitled') + '”?')) return;
  try {
    await api('/api/v1/chat/' + encodeURIComponent(s.sessionId), { method: 'DELETE' });
  } catch (error) {
    failed(error);
    return;
  }
  if (s.sessionId === sessionId) newConversation();
  loadSessions();
}

function newConversation() {
  sessionId = null;
  $('log').replaceChildren();
  loadSessions();
  $('question').focus();
}

function addQuestion(text) {
  $('log').append(el('div', { className: 'message user' }, el('p', { textContent: text })));
}

function addAnswer() {
  const text = el('p', { className: 'text' });
  text.dataset.tokens = '0';
  const retrievals = el('ul', { className: 'retrievals' });
  retrievals.setAttribute('aria-label', 'Searches');
  const node = el('div', { className: 'message assistant streaming' }, retrievals, text);
  node.setAttribute('aria-busy', 'true');
  $('log').append(node);
  return { node, text, retrievals };
}

function addRetrieval(view, step) {
  const why = { initial: 'Searched', 'follow-up': 'Searched, from the conversation',
    'low-confidence': 'Unsure, searched again', instruct: 'The model asked to search' }[step.reason] || step.reason;
  const trigger = (step.trigger || []).map((t) => t.token.trim()).filter(Boolean);
  view.retrievals.append(el('li', { textContent: why + ': “' + step.query + '”'
      + (trigger.length ? ' (unsure about: ' + trigger.join(', ') + ')' : '') }));
}

// The answer's [n] markers become chips that open the cited passage; a sentence the model left uncited gets the
// chip of the source Lore attributed it to (drawn dashed), or a dotted underline when nothing supports it.
function finish(view, answer) {
  view.node.classList.remove('streaming');
  view.node.removeAttribute('aria-busy');
  if (answer.retrievals) {
    // only re-retrievals stream as they happen; the final answer lists them all, the first one included
    view.retrievals.replaceChildren();
    for (const step of answer.retrievals) addRetrieval(view, step);
  }
  const text = answer.answer;
  const citations = answer.citations || [];
  const byNumber = new Map(citations.filter((c) => !c.attributed).map((c) => [c.n, c]));
  const pieces = [];
  for (const match of text.matchAll(/\[(\d+)\]/g)) {
    const citation = byNumber.get(Number(match[1]));
    if (citation) pieces.push({ start: match.index, end: match.index + match[0].length, node: chip(citation) });
  }
  for (const c of citations.filter((c) => c.attributed && c.sentence)) {
    const at = text.indexOf(c.sentence);
    if (at >= 0) pieces.push({ start: at + c.sentence.length, end: at + c.sentence.length, node: chip(c) });
  }
  for (const sentence of answer.unsupported || []) {
    const at = text.indexOf(sentence);
    if (at < 0) continue;
    const span = el('span', { className: 'unsupported', textContent: sentence,
      title: 'No source supports this sentence' });
    pieces.push({ start: at, end: at + sentence.length, node: span });
  }
  pieces.sort((a, b) => a.start - b.start || a.end - b.end);
  const parts = [];
  let last = 0;
  for (const piece of pieces) {
    if (piece.start < last) continue;
    parts.push(text.slice(last, piece.start), piece.node);
    last = piece.end;
  }
  parts.push(text.slice(last));
  view.text.replaceChildren(...parts);
  if (!answer.grounded) {
    view.node.classList.add('refusal');
    view.node.prepend(el('p', { className: 'label', textContent: answer.refusedFor === 'figure'
      ? 'Not found in the documents: the passages on this topic state no figure of the kind asked for'
      : 'Not found in the documents' }));
  } else if (answer.extractive || answer.generator === 'none') {
    view.node.classList.add('extractive');
    view.node.prepend(el('p', { className: 'label extractive-note',
      textContent: 'Quoted from the documents without a model (no generator wrote this answer)' }));
  }
  if (citations.length) {
    const list = el('ol', { className: 'citations' });
    list.setAttribute('aria-label', 'Sources');
    for (const c of citations) {
      list.append(el('li', { className: c.attributed ? 'attributed' : '' }, chip(c),
        ' ' + (c.title && c.title !== c.source ? c.title + ' · ' : '') + c.source
        + (c.attributed ? ' (attributed by Lore: the model did not cite it)' : '')));
    }
    view.node.append(list);
  }
  if (answer.unsupported && answer.unsupported.length) {
    view.node.append(el('p', { className: 'label unsupported-note', textContent: answer.unsupported.length
      + (answer.unsupported.length === 1 ? ' sentence' : ' sentences') + ' without a supporting source' }));
  }
  if (answer.messageId) view.node.append(feedback(answer.messageId, answer.feedback));
}

function chip(citation) {
  const button = el('button', { type: 'button', className: citation.attributed ? 'chip attributed' : 'chip',
    textContent: String(citation.n) });
  button.setAttribute('aria-label', (citation.attributed ? 'Attributed source ' : 'Source ') + citation.n + ': '
      + citation.source);
  if (citation.attributed) button.title = 'Attributed by Lore: the model wrote no marker here';
  button.addEventListener('click', () => {
    $('citation-title').textContent = '[' + citation.n + '] ' + (citation.title || citation.source);
    $('citation-source').textContent = 'Source: ' + citation.source + (citation.attributed
      ? ' · attributed by Lore (the model cited nothing) to: “' + citation.sentence + '”' : '');
    $('citation-quote').textContent = citation.quote;
    $('citation').showModal();
  });
  return button;
}

function feedback(messageId, given) {
  const box = el('div', { className: 'feedback' });
  const status = el('span', { className: 'feedback-status', role: 'status' });
  const comment = el('textarea', { rows: 2, className: 'comment', id: 'comment-' + messageId });
  const commentLabel = el('label', { htmlFor: comment.id, textContent: 'Comment (optional)' });
  const send = el('button', { type: 'button', className: 'send-feedback', textContent: 'Send feedback' });
  const form = el('div', { className: 'feedback-form', hidden: true }, commentLabel, comment, send);
  let rating = null;
  const thumb = (value, symbol, label) => {
    const button = el('button', { type: 'button', className: 'thumb ' + value, textContent: symbol });
    button.setAttribute('aria-label', label);
    button.setAttribute('aria-pressed', String(given != null && given.rating === value));
    button.addEventListener('click', () => {
      rating = value;
      box.querySelectorAll('.thumb').forEach((b) => b.setAttribute('aria-pressed', String(b === button)));
      form.hidden = false;
      comment.focus();
    });
    return button;
  };
  send.addEventListener('click', async () => {
    try {
      await api('/api/v1/chat/' + sessionId + '/messages/' + messageId + '/feedback',
        { method: 'POST', body: { rating, comment: comment.value } });
    } catch (error) {
      failed(error);
      return;
    }
    form.hidden = true;
    status.textContent = 'Thank you: feedback saved (' + (rating === 'up' ? 'good' : 'wrong') + ').';
  });
  if (given) status.textContent = 'Rated ' + given.rating + (given.comment ? ': ' + given.comment : '');
  box.append(thumb('up', '▲ Good', 'Good answer'), thumb('down', '▼ Wrong', 'Wrong answer'), status, form);
  return box;
}

// SSE over fetch: EventSource can neither POST nor send an Authorization header.
async function* events(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) yield { name, data: JSON.parse(data.join('\n')) };
    }
  }
}

async function ask(question) {
  const body = { message: question, strategy: $('strategy').value };
  if (sessionId) body.sessionId = sessionId; else body.collection = $('collection').value;
  $('send').disabled = true;
  let response;
  try {
    response = await api('/api/v1/chat', { method: 'POST', body, headers: { Accept: 'text/event-stream' } });
  } catch (error) {
    $('question').value = question;
    updateCollectionState();
    failed(error);
    return;
  }
  notice('');
  $('question').value = '';
  addQuestion(question);
  const view = addAnswer();
  try {
    for await (const event of events(response)) {
      if (event.name === 'token') {
        view.text.append(event.data.text);
        view.text.dataset.tokens = String(Number(view.text.dataset.tokens) + 1);
      } else if (event.name === 'retrieval') {
        addRetrieval(view, event.data);
      } else if (event.name === 'done') {
        sessionId = event.data.sessionId;
        finish(view, event.data);
        loadSessions();
      } else if (event.name === 'error') {
        view.node.classList.replace('streaming', 'failed');
        view.node.removeAttribute('aria-busy');
        view.node.append(el('p', { className: 'label', textContent: 'This answer failed and was not kept.' }));
        $('question').value = question;
        failed(new HttpError(event.data.status, event.data, null));
      }
    }
  } catch (error) {
    failed(error);
  } finally {
    if (!busyTimer) updateCollectionState();
    $('question').focus();
  }
}

document.addEventListener('DOMContentLoaded', () => {
  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const key = $('key').value.trim();
    if (key) useKey(key);
  });
  $('forget-key').addEventListener('click', () => {
    localStorage.removeItem(KEY);
    collections = [];
    sessionId = null;
    $('log').replaceChildren();
    $('sessions').replaceChildren();
    $('key').placeholder = 'lore_…';
    fillCollections();
    $('key').focus();
  });
  $('collection').addEventListener('change', () => {
    sessionId = null;
    $('log').replaceChildren();
    updateCollectionState();
  });
  $('new-chat').addEventListener('click', newConversation);
  $('ask-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const question = $('question').value.trim();
    if (question && !$('send').disabled) ask(question);
  });
  $('question').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      $('ask-form').requestSubmit();
    }
  });
  if (matchMedia('(max-width: 700px)').matches) $('history').open = false;
  const saved = localStorage.getItem(KEY);
  if (saved) useKey(saved); else updateCollectionState();
});
