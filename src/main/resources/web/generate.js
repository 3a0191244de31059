// Attention Search: the model picker, and for a decoder the "Continue" mode — the continuation
// streams in token by token (Server-Sent Events from POST /api/generate) and every new token is
// a results page at once, the one its step computed from the key/value cache.
'use strict';

(() => {
  function init() {
    const A = window.AttentionSearch;
    const { state, ui, el, fmt } = A;

    // ---------- the model picker: ids the server chose, never paths ----------

    async function picker() {
      const response = await fetch('/api/models');
      if (!response.ok) return;
      const { models } = await response.json();
      const describe = (m) => `${m.model} — ${m.architecture || m.family} · ${m.layers} layers × ${m.heads} heads`
        + (m.kvHeads !== m.heads ? ` (${m.kvHeads} key/value heads)` : '') + ` · ${m.contextLength} positions`;
      const select = el('select', { id: 'model-picker' },
        ...models.map((m) => el('option', { value: m.id, selected: m.id === state.model.id }, describe(m))));
      const label = el('label', { class: 'model-picker', for: 'model-picker' }, 'Model ', select);
      label.hidden = models.length < 2;
      ui.modelLine.append(label);
      select.addEventListener('change', () => {
        // A new page for the new model: its layers and heads differ. The text stays in the hash.
        const params = new URLSearchParams(location.search);
        params.set('model', select.value);
        location.assign('?' + params.toString() + location.hash);
      });
    }
    picker().catch(() => {});

    if (!state.model.decoder) return;

    // ---------- Continue: settings, the stream, and the pages of written tokens ----------

    const field = (id, label, attrs, title) => el('label', { class: 'setting', title },
      label, ' ', el('input', Object.assign({ id, type: 'number', inputmode: 'decimal' }, attrs)));
    const settings = el('div', { id: 'gen-settings', class: 'gen-settings', role: 'group', 'aria-label': 'How to continue' },
      field('gen-temperature', 'temperature', { min: 0, max: 10, step: 0.1, value: 0.8 }, '0 always takes the most likely token'),
      field('gen-top-k', 'top-k', { min: 0, step: 1, value: 40 }, 'only the k most likely tokens are candidates; 0 for all'),
      field('gen-top-p', 'top-p', { min: 0.01, max: 1, step: 0.01, value: 0.95 }, 'the candidates keep this much of the probability'),
      field('gen-max', 'max tokens', { min: 1, max: 1024, step: 1, value: 32 }, 'at most this many tokens'),
      field('gen-seed', 'seed', { step: 1, value: 1 }, 'the same seed writes the same text'));
    const continueButton = el('button', { type: 'button', id: 'continue-button', class: 'search-button continue-button',
      title: 'Let the model continue the text, token by token' }, 'Continue');
    const stopButton = el('button', { type: 'button', id: 'stop-button', class: 'tool', hidden: true }, 'Stop');
    ui.form.querySelector('.search-box').append(continueButton);
    ui.form.append(settings);
    const status = el('p', { id: 'gen-status', class: 'gen-status', 'aria-live': 'polite', hidden: true });
    const wholeText = el('button', { type: 'button', id: 'gen-search', class: 'tool', hidden: true }, 'Search the whole text');
    document.querySelector('.strip').prepend(el('div', { class: 'gen-bar' }, status, stopButton, wholeText));
    document.body.classList.add('decoder');

    /** The continuation on screen; null when the page shows an ordinary search. */
    let gen = null;

    const number = (id) => Number(document.getElementById(id).value);

    async function start() {
      const prompt = ui.input.value;
      if (!prompt.trim()) {
        A.showAlert('Type a prompt first: the model continues it.');
        ui.input.focus();
        return;
      }
      if (gen) gen.controller.abort();
      // The pages' view: the page's layer and head (a step has no rollout: the layer's value blend instead).
      const view = { layer: state.layer, head: state.head === 'rollout' ? 'value' : state.head };
      const body = { model: state.model.id, prompt, maxTokens: number('gen-max'), temperature: number('gen-temperature'),
        topK: number('gen-top-k'), topP: number('gen-top-p'), seed: number('gen-seed'), layer: view.layer, head: view.head, top: 10 };
      const controller = new AbortController();
      gen = { controller, prompt, view, tokens: [], steps: new Map(), promptLength: 0, text: prompt, follow: true, done: null };
      const mine = gen;
      state.maps = null;
      ui.grid.replaceChildren();
      delete ui.grid.dataset.text;
      A.enterResultsMode();
      status.hidden = false;
      status.textContent = 'Reading the prompt…';
      stopButton.hidden = false;
      wholeText.hidden = true;
      let response;
      try {
        response = await fetch('/api/generate', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(body), signal: controller.signal });
      } catch (e) {
        if (e.name !== 'AbortError') A.showAlert('The server cannot be reached. Is `attention-search serve` still running?');
        return finish(mine, null);
      }
      if (!response.ok) {
        const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
        A.showAlert(data.error);
        return finish(mine, null);
      }
      A.hideAlert();
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          for (let end; (end = buffer.indexOf('\n\n')) >= 0;) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const name = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (name && data && gen === mine) onEvent(mine, name, JSON.parse(data));
          }
        }
      } catch (e) {
        if (e.name !== 'AbortError') A.showAlert('The stream broke off: ' + e.message);
      }
      finish(mine, mine.done);
    }

    function onEvent(g, name, data) {
      if (name === 'prompt') {
        g.tokens = data.tokens.slice();
        g.promptLength = data.tokens.length;
        g.view = { layer: data.layer, head: data.head };
        status.textContent = `Writing with ${A.viewLabel(data.layer, data.head)} pages…`;
        show(g.promptLength - 1);
      } else if (name === 'token') {
        g.text += data.text;
        g.tokens.push({ id: data.id, text: data.token, start: data.start, end: data.end });
        g.steps.set(data.position, data);
        status.textContent = `${g.steps.size} tokens written…`;
        if (g.follow) show(data.position);
        else if (state.analysis) { // keep the chosen page; the strip grows
          state.text = state.analysis.text = g.text;
          A.renderAll();
          markWritten(g);
        }
      } else if (name === 'done') {
        g.done = data;
      } else if (name === 'error') {
        A.showAlert(data.error);
      }
    }

    function finish(g, done) {
      if (gen !== g) return;
      stopButton.hidden = true;
      wholeText.hidden = !g.steps.size;
      const why = { 'eos': 'the model ended the text', 'max-tokens': 'the most tokens asked for', 'context': 'the model\'s positions are used up',
        'stop-text': 'the stop text' };
      status.textContent = done ? `${done.tokens} tokens written (${fmt(done.tokensPerSecond, 1)} tokens/s); stopped: ${why[done.stop] || done.stop}. Click any token for its page.`
        : `${g.steps.size} tokens written; stopped.`;
      status.dataset.state = done ? 'done' : 'stopped';
    }

    /** The page of token i: a written token's from its step, a prompt token's from an analysis of the prompt. */
    async function show(i) {
      const g = gen;
      if (!g || i < 0 || i >= g.tokens.length) return;
      state.text = g.text;
      state.query = i;
      const base = { text: g.text, model: state.model.model, layers: state.model.layers, heads: state.model.heads,
        kvHeads: state.model.kvHeads, causal: true, truncatedTokens: 0, streamedPages: false, tokens: g.tokens, math: null };
      let analysis;
      if (i >= g.promptLength) {
        const step = g.steps.get(i);
        state.layer = g.view.layer;
        state.head = g.view.head;
        const after = g.steps.get(i + 1);
        analysis = Object.assign(base, { pages: [step.page], elapsedMillis: 0,
          next: after ? { position: i, predictions: after.alternatives, lens: [] } : null,
          chosen: null });
        analysis.notice = `Token ${i} was written with probability ${(100 * step.probability).toFixed(1)}%; its page comes from its step `
          + `(${A.viewLabel(g.view.layer, g.view.head)}, the view it was written under). Search the whole text for other views.`;
      } else {
        const body = { model: state.model.id, text: g.prompt, query: i, top: 10, layer: state.layer, head: state.head };
        if (state.head === 'rollout') delete body.layer;
        if (state.model.decoder) body.next = true;
        let data;
        try {
          const response = await fetch('/api/analyze', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
          data = await response.json();
          if (!response.ok) throw new Error(data.error);
        } catch (e) {
          A.showAlert(e.message);
          return;
        }
        if (gen !== g || state.query !== i) return;
        analysis = Object.assign(base, { pages: data.pages, elapsedMillis: data.elapsedMillis, next: data.next });
        if (i === g.promptLength - 1 && g.steps.get(i + 1)) analysis.next = Object.assign({}, data.next, { predictions: g.steps.get(i + 1).alternatives });
        analysis.notice = 'A token of the prompt: its page comes from a pass over the prompt.';
      }
      state.analysis = analysis;
      A.renderAll();
      markWritten(g);
    }

    function markWritten(g) {
      for (const b of ui.tokens.querySelectorAll('.token')) b.classList.toggle('written', Number(b.dataset.index) >= g.promptLength);
    }

    A.hooks.refresh.push(() => {
      if (!gen) return false;
      gen.follow = false;
      show(state.query);
      return true;
    });
    A.hooks.searching.push(() => {
      if (!gen) return;
      gen.controller.abort();
      gen = null;
      status.hidden = true;
      stopButton.hidden = true;
      wholeText.hidden = true;
    });
    continueButton.addEventListener('click', start);
    stopButton.addEventListener('click', () => gen && gen.controller.abort());
    wholeText.addEventListener('click', () => gen && A.search(gen.text));
  }

  if (window.AttentionSearch) init();
  else document.addEventListener('attention-search-ready', init, { once: true });
})();
