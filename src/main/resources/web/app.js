// Attention Search in the browser: one text, every token's results page.
// All data from the server is put into the page as text (textContent), never as HTML.
'use strict';

(() => {
  const EXAMPLES = [
    'I went to the bank to deposit money, then sat on the river bank.',
    'The trophy would not fit in the suitcase because it was too big.',
    'Time flies like an arrow; fruit flies like a banana.',
  ];
  const BLENDS = [
    ['mean', 'Mean of heads'],
    ['value', 'Value-weighted blend'],
    ['rollout', 'Rollout (all layers)'],
  ];
  const TOP = 10;
  const LONG_TEXT = 120;   // tokens from which the strip is compact and scrolls

  const $ = (id) => document.getElementById(id);
  const ui = {
    body: document.body, form: $('search'), input: $('q'), examples: $('examples'), modelLine: $('model-line'),
    alert: $('alert'), app: $('app'), tokens: $('tokens'), notice: $('notice'), layer: $('layer'), head: $('head'),
    resultsTitle: $('results-title'), stats: $('stats'), list: $('result-list'), blendNote: $('blend-note'),
    measureNote: $('measure-note'), more: $('more-results'), heatmap: $('heatmap'), heatmapTitle: $('heatmap-title'),
    heatmapTip: $('heatmap-tip'), copyLink: $('copy-link'),
    grid: $('grid'), math: $('math'), sight: $('sight'), live: $('live'), footerModel: $('footer-model'),
  };

  /** What is on screen; the URL hash mirrors text, token, layer, head and key. */
  const state = {
    model: null,
    text: null,
    analysis: null,   // the latest /api/analyze answer for the current selection
    maps: null,       // every head's attention map, fetched once per text
    query: 1,
    layer: 2,
    head: 'value',    // a head number, or 'mean', 'value', 'rollout'
    mathHead: null,   // on a blend, the head picked in the math panel (null: the head giving the key the most weight)
    key: null,        // the result taken apart in the math panel (null: the top result)
    hoverKey: null,
    top: 10,          // results on the page; "More results" adds more
    history: 'push',  // how the next render writes the address: 'push' a new entry, or 'replace' the current one
  };
  let inflight = null;
  let linkProblems = [];
  let markedTokens = new Set();   // tokens of the strip that carry a mark (selected, found, hovered)   // what a link asked for that could not be shown, said once the page is up
  let scrolledTo = null;          // the query the strip was last scrolled to
  let requestSerial = 0;
  /** Where generate.js and inspect.js join in: extra request fields, and calls after each render. */
  const hooks = { body: [], searching: [], rendered: [], refresh: [] };
  const run = (list, ...args) => list.forEach((f) => f(...args));

  // ---------- small DOM helpers: attributes and text only ----------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === 'class') node.className = value;
      else node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const fmt = (x, digits) => (x === null || x === undefined ? '—' : Number(x).toFixed(digits));
  const signed = (x, digits) => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(digits);
  const pct = (x) => (x === null || x === undefined ? '—' : Math.round(100 * x) + '%');
  const isHead = (h) => typeof h === 'number';
  /** What a result's number is under a view: only one head's numbers are attention weights as such. */
  const measureLabel = (head) => isHead(head) ? 'attention weight' : head === 'mean' ? 'mean attention weight'
    : head === 'value' ? 'value share' : 'rollout weight';
  const measureNote = (head) => isHead(head) ? 'α = softmax(q·k/√d), this head\'s attention weight.'
    : head === 'mean' ? 'the mean of the layer\'s heads\' attention weights.'
    : head === 'value' ? 'a blend of the layer\'s heads, not an attention weight: each key\'s share of what the values '
      + 'add, ‖Σ_h α·f(x)‖ over the row\'s sum.'
    : 'the layers\' mean attention and the residual path multiplied through the model.';
  const viewLabel = (layer, head) => head === 'rollout' ? 'rollout through all layers'
    : isHead(head) ? `layer ${layer}, head ${head}`
    : head === 'mean' ? `layer ${layer}, mean of heads` : `layer ${layer}, value-weighted blend`;

  /**
   * A token as people read it: an encoder's word pieces keep their ## so splits stay visible; a
   * decoder's byte-level pieces ("Ġbank", "Ã©") are shown as the text they cover (" bank", "é").
   */
  const tokenText = (t) => state.model && state.model.decoder && t.start !== null && state.text
    ? state.text.slice(t.start, t.end) : t.text;

  // ---------- talking to the server ----------

  async function api(body, attempt = 0) {
    if (inflight) inflight.abort();
    const controller = new AbortController();
    inflight = controller;
    const serial = ++requestSerial;
    let response;
    try {
      response = await fetch('/api/analyze', {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body), signal: controller.signal,
      });
    } catch (e) {
      if (e.name === 'AbortError') return null;
      throw new Error('The server cannot be reached. Is `attention-search serve` still running?');
    }
    if (response.status === 503 && attempt < 3) {
      const wait = Number(response.headers.get('Retry-After') || '1');
      showAlert(`The server is busy; trying again in ${wait} s…`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      return serial === requestSerial ? api(body, attempt + 1) : null;
    }
    const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
    if (serial !== requestSerial) return null; // a newer selection superseded this answer
    if (!response.ok) throw new Error(data.error || `the server answered ${response.status}`);
    hideAlert();
    return data;
  }

  /** The request for the current selection; the same body the JSON export sends (without query). */
  function requestBody(extra) {
    const body = { text: state.text, head: state.head, top: state.top };
    if (state.head !== 'rollout') body.layer = state.layer;
    // A single head's page takes its own head apart; on a blend the server picks the head that
    // gives the key the most weight (as `explain --math` does) unless one was picked in the panel.
    const math = { query: state.query, layer: mathLayer() };
    const head = isHead(state.head) ? state.head : state.mathHead;
    if (head !== null) math.head = head;
    if (state.key !== null) math.key = state.key;
    body.math = math;
    if (state.model.id) body.model = state.model.id;
    Object.assign(body, extra);
    for (const f of hooks.body) Object.assign(body, f(body));
    return body;
  }

  const mathLayer = () => state.head === 'rollout' ? state.model.layers - 1 : state.layer;
  /** The head the math panel takes apart: the page's own, or for a blend the one the server chose. */
  const mathHead = () => isHead(state.head) ? state.head : (state.analysis?.math?.head ?? 0);

  async function search(text, selection, history) {
    run(hooks.searching, text);
    state.text = text;
    state.maps = null;
    state.top = TOP;
    state.history = history || 'push';
    // Start on the first word (token 1): [CLS] is rarely the interesting query.
    Object.assign(state, { query: 1, key: null, mathHead: null }, selection || {});
    if (state.query === null) state.query = 1;
    ui.input.value = text;
    enterResultsMode();
    ui.resultsTitle.textContent = 'Searching…';
    try {
      let first;
      try {
        first = await api(requestBody({ query: state.query, attention: true }));
      } catch (e) {
        if (!/out of range/.test(e.message)) throw e;
        // A shared link whose token or key is not in this text: say so, and start from the first word.
        const range = (/out of range (\S+)/.exec(e.message) || [])[1] || '';
        linkProblems.push(`token=${state.query}${state.key !== null ? ` or key=${state.key}` : ''} is not in this text `
          + `(its tokens are ${range.replace('..', '–')}); showing token 1 instead`);
        Object.assign(state, { query: 1, key: null });
        first = await api(requestBody({ query: state.query, attention: true }));
      }
      if (!first) return;
      state.maps = first.attention;
      delete first.attention;
      state.analysis = first;
      renderAll();
      if (linkProblems.length) showAlert('This link asks for something this text or model does not have: '
        + linkProblems.join('; ') + '.');
      linkProblems = [];
    } catch (e) {
      showAlert(e.message);
      ui.resultsTitle.textContent = '';
    }
  }

  async function refresh() {
    if (!state.text) return;
    if (hooks.refresh.some((f) => f())) return; // a generated token's page comes from its step, not a new pass
    try {
      const answer = api(requestBody({ query: state.query }));
      // The address is written while the server answers, not in the render: a history entry
      // takes the browser a style and layout pass (it saves the scroll position) and, with a
      // long text in the address, tens of milliseconds.
      writeHash(state.history);
      state.history = 'replace';
      const data = await answer;
      if (!data) return;
      state.analysis = data;
      renderAll();
    } catch (e) {
      showAlert(e.message);
    }
  }

  // ---------- selection changes ----------

  function selectToken(i, focus, history) {
    const n = state.analysis.tokens.length;
    state.query = Math.max(0, Math.min(n - 1, i));
    state.key = null;
    state.top = TOP;
    state.history = history || 'push';
    markTokens();
    if (focus) tokenButton(state.query)?.focus();
    refresh();
  }

  function selectView(layer, head, history) {
    state.layer = Math.max(0, Math.min(state.model.layers - 1, layer));
    state.head = head;
    state.top = TOP;
    state.history = history || 'push';
    state.mathHead = null; // a head picked in the math panel belongs to the view it was picked on
    state.key = null;
    ui.layer.value = String(state.layer);
    ui.head.value = String(head);
    ui.layer.disabled = head === 'rollout';
    refresh();
  }

  function selectKey(key) {
    state.key = key;
    state.history = 'replace';
    refresh();
  }

  /** The next results of the same page: the same request with a larger top; the address does not change. */
  function moreResults() {
    state.top += 20;
    state.history = 'replace';
    refresh();
  }

  // ---------- rendering ----------

  function renderAll() {
    const a = state.analysis;
    renderTokens(a);
    renderNotice(a);
    renderPage(a);
    renderGrid();
    renderHeatmap();
    renderMath(a.math);
    renderSight(a.math);
    ui.layer.value = String(state.layer);
    ui.head.value = String(state.head);
    ui.layer.disabled = state.head === 'rollout';
    writeHash(state.history);
    state.history = 'replace';
    run(hooks.rendered, a);
    const page = a.pages[0];
    ui.live.textContent = `Results for ${tokenText(a.tokens[page.query])}, ${viewLabel(state.layer, state.head)}: about ${page.keys} results.`;
  }

  function renderTokens(a) {
    if (ui.tokens.dataset.text === a.text && ui.tokens.childElementCount === a.tokens.length) {
      markTokens();
      return;
    }
    ui.tokens.dataset.text = a.text;
    // A long text gets a compact strip of a few scrolling lines, so the results stay on the first screen.
    ui.tokens.classList.toggle('long', a.tokens.length > LONG_TEXT);
    markedTokens = new Set();
    scrolledTo = null;
    ui.tokens.replaceChildren(...a.tokens.map((t, i) => {
      const special = t.start === null;
      const b = el('button', {
        type: 'button', class: 'token' + (special ? ' special' : ''), role: 'option',
        'data-index': i, id: 'token-' + i, 'aria-selected': 'false', tabindex: '-1',
        title: `token ${i} · id ${t.id}` + (special ? ' · special token' : ` · characters ${t.start}–${t.end}`),
      }, tokenText(t));
      b.addEventListener('click', () => selectToken(i, false));
      b.addEventListener('focus', () => { if (state.query !== i) selectToken(i, false); });
      return b;
    }));
    markTokens();
  }

  const tokenButton = (i) => ui.tokens.children[i] || null;

  /** The query is selected; the hovered result's key is outlined; the page's weights tint the strip. */
  function markTokens() {
    const page = state.analysis?.pages?.[0];
    const weights = new Map();
    if (page && page.query === state.query) for (const r of page.results) weights.set(r.key, r.weight);
    const max = Math.max(1e-9, ...weights.values());
    // Only the tokens whose marks change are touched: on a 512-token text a layer switch writes a
    // few dozen buttons, not every one (each write costs the browser a style recalculation).
    const next = new Set(weights.keys());
    next.add(state.query);
    if (state.hoverKey !== null) next.add(state.hoverKey);
    const buttons = ui.tokens.children;
    for (const i of new Set([...markedTokens, ...next])) {
      const b = buttons[i];
      if (!b) continue;
      const selected = i === state.query;
      b.setAttribute('aria-selected', String(selected));
      b.tabIndex = selected ? 0 : -1;
      b.classList.toggle('hover-key', i === state.hoverKey);
      const w = weights.get(i);
      b.style.setProperty('--w', w === undefined ? '0' : String(Math.sqrt(w / max)));
      b.classList.toggle('found', w !== undefined);
    }
    markedTokens = next;
    // Scrolling reads the layout, which costs a full style and layout pass mid-render on a long
    // strip: done only when the query or the strip changed, not on a layer switch or a hover.
    if (scrolledTo !== state.query) {
      scrolledTo = state.query;
      keepInView(tokenButton(state.query));
    }
  }

  /** Scrolls the strip (not the page) so that the query's token is visible. */
  function keepInView(button) {
    const strip = ui.tokens;
    if (!button || strip.scrollHeight <= strip.clientHeight) return;
    const top = button.getBoundingClientRect().top - strip.getBoundingClientRect().top + strip.scrollTop;
    const bottom = top + button.offsetHeight;
    if (top < strip.scrollTop) strip.scrollTop = top - 4;
    else if (bottom > strip.scrollTop + strip.clientHeight) strip.scrollTop = bottom - strip.clientHeight + 4;
  }

  function renderNotice(a) {
    const text = a.notice || '';
    ui.notice.hidden = !text;
    ui.notice.textContent = text;
  }

  function renderPage(a) {
    const page = a.pages[0];
    const q = a.tokens[page.query];
    ui.resultsTitle.replaceChildren('Results for ', el('q', { class: 'query-word' }, tokenText(q)),
      el('span', { class: 'title-meta' }, ` token ${page.query} · ${viewLabel(state.layer, state.head)}`));
    const shown = page.results.length;
    const measure = measureLabel(state.head);
    ui.stats.replaceChildren(
      `About ${page.keys} results (${fmt(a.elapsedMillis, 0)} ms)`,
      el('span', { class: 'stats-more' },
        ` · effective results ${fmt(page.effectiveResults, 1)} · the top ${shown} hold ${pct(page.coveredWeight)} of the ${measure}`),
    );
    // Said once: what the numbers are, and what "effective results" means.
    ui.measureNote.replaceChildren(el('b', {}, measure[0].toUpperCase() + measure.slice(1)), ': ' + measureNote(state.head),
      ' ', el('b', {}, 'Effective results'), ': exp(entropy) of the row, how many keys the query really reads '
      + '(1 when one key takes everything). Bars run from 0 to 1.');
    const chosen = a.math ? a.math.key : null;
    ui.list.replaceChildren(...page.results.map((r) => resultItem(a, page, r, chosen)));
    const more = page.keys > shown;
    ui.more.hidden = !more;
    ui.more.textContent = more ? `More results (${shown} of ${page.keys})` : '';
    ui.blendNote.hidden = isHead(state.head);
    ui.blendNote.textContent = isHead(state.head) ? '' : (state.head === 'rollout'
      ? 'Rollout multiplies the layers\' mean attention (plus the residual path) through the model: a weight, but no single score. '
        + 'The math panel takes apart one head of the last layer, and says which.'
      : 'A blend of the layer\'s heads has no single score q·k; the math panel takes apart one of its heads, and says which.');
  }

  function resultItem(a, page, r, chosen) {
    const key = a.tokens[r.key];
    const span = key.start === null ? 'special token' : `characters ${key.start}–${key.end}`;
    const title = el('button', { type: 'button', class: 'result-link', 'aria-describedby': `snippet-${r.key}`,
      'aria-pressed': String(chosen === r.key) }, tokenText(key));
    title.addEventListener('click', () => selectKey(r.key));
    const open = el('button', { type: 'button', class: 'open-page', 'aria-label': `Open the results page of token ${r.key}` }, 'open its page');
    open.addEventListener('click', () => selectToken(r.key, true));

    const metrics = el('p', { class: 'metrics' },
      el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill' })),
      el('span', { class: 'metric' }, measureLabel(state.head) + ' ', el('b', { class: 'weight' }, fmt(r.weight, 3))));
    // On the scale 0 … 1, the same for every page: a weak top result looks weak.
    metrics.querySelector('.bar-fill').style.width = (100 * Math.max(0, Math.min(1, r.weight))).toFixed(1) + '%';
    metrics.querySelector('.bar').title = `${fmt(r.weight, 3)} on a scale from 0 to 1`;
    if (r.score !== null) metrics.append(el('span', { class: 'metric' }, 'score ', el('b', { class: 'score' }, fmt(r.score, 2))));
    if (r.valueNorm !== null) {
      // On the value-weighted blend the share is the page's own number already.
      metrics.append(el('span', { class: 'metric' }, 'value adds ', el('b', { class: 'value' }, fmt(r.valueNorm, 3)),
        state.head === 'value' ? '' : ` (${pct(r.valueShare)})`));
    }
    const item = el('li', {
      class: 'result' + (chosen === r.key ? ' chosen' : '') + (r.sink ? ' sink' : ''), 'data-key': r.key, 'data-rank': r.rank,
      'data-weight': String(r.weight), 'data-score': r.score === null ? '' : String(r.score),
    },
      el('div', { class: 'crumb' }, el('span', { class: 'crumb-site' }, `token ${r.key}`),
        el('span', { class: 'crumb-path' }, ` › ${span} › #${r.rank}`), el('span', { class: 'crumb-sep', 'aria-hidden': 'true' }, ' · '), open),
      el('h3', { class: 'result-title' }, title, r.sink ? sinkBadge() : null),
      el('p', { class: 'snippet', id: `snippet-${r.key}` }, r.snippet.before, el('mark', {}, r.snippet.match), r.snippet.after),
      metrics,
    );
    item.addEventListener('mouseenter', () => hover(r.key));
    item.addEventListener('mouseleave', () => hover(null));
    item.addEventListener('focusin', () => hover(r.key));
    item.addEventListener('focusout', () => hover(null));
    return item;
  }

  /** An attention sink: the query parks its attention here, but the key's value adds little. */
  function sinkBadge() {
    const takes = isHead(state.head) ? 'It takes at least 30% of the attention weight'
      : 'The heads give it at least 30% of their weight on average';
    return el('span', { class: 'sink-badge', title: `Attention sink: takes weight, adds little. ${takes}, but per unit of `
      + 'weight its value adds less than half of what the other keys\' values add: the attention is parked here, not read.' },
    'sink');
  }

  function hover(key) {
    state.hoverKey = key;
    markTokens();
    markGrid();
  }

  // ---------- the grid of attention maps ----------

  function renderGrid() {
    const maps = state.maps;
    if (!maps) return;
    if (ui.grid.dataset.text !== state.text) {
      ui.grid.dataset.text = state.text;
      const L = state.model.layers, H = state.model.heads;
      ui.grid.style.setProperty('--heads', String(H));
      const cells = [el('span', { class: 'grid-corner', 'aria-hidden': 'true' }, 'L \\ H')];
      for (let h = 0; h < H; h++) cells.push(el('span', { class: 'grid-col', 'aria-hidden': 'true' }, String(h)));
      for (let l = 0; l < L; l++) {
        cells.push(el('span', { class: 'grid-row', 'aria-hidden': 'true' }, String(l)));
        for (let h = 0; h < H; h++) cells.push(gridCell(maps, l, h));
      }
      ui.grid.replaceChildren(...cells);
    }
    markGrid();
  }

  function gridCell(maps, l, h) {
    const m = maps.cells;
    const canvas = el('canvas', { width: m, height: m, 'aria-hidden': 'true' });
    paint(canvas, maps.weights[l][h], m);
    const button = el('button', { type: 'button', class: 'cell', 'data-layer': l, 'data-head': h,
      'aria-label': `Layer ${l}, head ${h}`, title: `layer ${l}, head ${h}` },
      canvas, el('span', { class: 'row-band', 'aria-hidden': 'true' }), el('span', { class: 'cell-mark', 'aria-hidden': 'true' }));
    button.addEventListener('click', () => selectView(l, h));
    return button;
  }

  /** White to deep blue; the square root lifts small weights into view. */
  function paint(canvas, weights, m) {
    const ctx = canvas.getContext('2d');
    const image = ctx.createImageData(m, m);
    for (let x = 0; x < m * m; x++) {
      const t = Math.sqrt(Math.max(0, Math.min(1, weights[x])));
      image.data[4 * x] = Math.round(255 - t * (255 - 23));
      image.data[4 * x + 1] = Math.round(255 - t * (255 - 78));
      image.data[4 * x + 2] = Math.round(255 - t * (255 - 166));
      image.data[4 * x + 3] = 255;
    }
    ctx.putImageData(image, 0, 0);
  }

  /** Which map cell row/column a token falls in (maps of long texts are pooled). */
  const cellOf = (i) => Math.floor(i * state.maps.cells / state.maps.tokens);

  function markGrid() {
    if (!state.maps || state.query === null) return;
    const m = state.maps.cells;
    const row = cellOf(state.query);
    for (const cell of ui.grid.querySelectorAll('.cell')) {
      const l = Number(cell.dataset.layer), h = Number(cell.dataset.head);
      const inView = state.head === 'rollout' || (l === state.layer && (!isHead(state.head) || h === state.head));
      cell.classList.toggle('selected', inView);
      cell.setAttribute('aria-pressed', String(inView));
      const band = cell.querySelector('.row-band');
      band.style.top = (100 * row / m) + '%';
      band.style.height = Math.max(100 / m, 2) + '%';
      const mark = cell.querySelector('.cell-mark');
      const show = inView && state.hoverKey !== null;
      mark.hidden = !show;
      if (show) {
        const col = cellOf(state.hoverKey);
        mark.style.top = (100 * row / m) + '%';
        mark.style.left = (100 * col / m) + '%';
        mark.style.width = mark.style.height = (100 / m) + '%';
      }
    }
  }

  // ---------- one head's map, large ----------

  /** The head shown large: the page's own, or for a blend or rollout the head the math panel takes apart. */
  const heatmapView = () => ({ layer: state.head === 'rollout' ? state.model.layers - 1 : state.layer,
    head: mathHead() });

  function renderHeatmap() {
    const maps = state.maps;
    if (!maps) return;
    const { layer, head } = heatmapView();
    const m = maps.cells, n = maps.tokens;
    ui.heatmapTitle.textContent = `Layer ${layer}, head ${head}` + (isHead(state.head) ? '' : ' (the head the math panel takes apart)')
      + (m < n ? ` · ${n} tokens pooled into ${m} × ${m} cells, each the largest weight of its block` : '');
    const id = `${state.text}|${layer}|${head}`;
    if (ui.heatmap.dataset.view !== id) {
      ui.heatmap.dataset.view = id;
      ui.heatmap.width = m;
      ui.heatmap.height = m;
      paint(ui.heatmap, maps.weights[layer][head], m);
      renderAxes(n);
    }
    const band = document.getElementById('heatmap-row');
    band.style.top = (100 * cellOf(state.query) / m) + '%';
    band.style.height = Math.max(100 / m, 0.5) + '%';
  }

  /** Token numbers along both axes, about sixteen ticks a side. */
  function renderAxes(n) {
    const step = Math.max(1, Math.ceil(n / 16));
    const ticks = (side) => {
      const out = [];
      for (let i = 0; i < n; i += step) {
        const t = el('span', { class: 'tick' }, String(i));
        t.style[side] = (100 * (i + 0.5) / n) + '%';
        out.push(t);
      }
      return out;
    };
    document.getElementById('heatmap-keys').replaceChildren(...ticks('left'));
    document.getElementById('heatmap-queries').replaceChildren(...ticks('top'));
  }

  /** The map cell under the pointer and the tokens it covers (cell b covers ⌊b·n/m⌋ … ⌊(b+1)·n/m⌋ − 1). */
  function heatmapCell(e) {
    const maps = state.maps;
    if (!maps) return null;
    const box = ui.heatmap.getBoundingClientRect();
    const m = maps.cells, n = maps.tokens;
    const col = Math.floor((e.clientX - box.left) / box.width * m), row = Math.floor((e.clientY - box.top) / box.height * m);
    if (col < 0 || row < 0 || col >= m || row >= m) return null;
    const span = (b) => [Math.floor(b * n / m), Math.floor((b + 1) * n / m) - 1];
    const { layer, head } = heatmapView();
    return { row, col, queries: span(row), keys: span(col), weight: maps.weights[layer][head][row * m + col] };
  }

  function heatmapHover(e) {
    const c = heatmapCell(e);
    const tip = ui.heatmapTip;
    if (!c) {
      tip.hidden = true;
      return;
    }
    const tokens = state.analysis.tokens;
    const name = (r) => r[0] === r[1] ? `${r[0]} ${tokenText(tokens[r[0]])}` : `${r[0]}–${r[1]}`;
    tip.textContent = `query ${name(c.queries)} → key ${name(c.keys)}: `
      + (c.queries[0] === c.queries[1] && c.keys[0] === c.keys[1] ? 'weight ' : 'largest weight ') + fmt(c.weight, 3);
    tip.dataset.query = String(c.queries[0]);
    tip.dataset.key = String(c.keys[0]);
    tip.dataset.weight = String(c.weight);
    tip.hidden = false;
  }

  // ---------- the math panel ----------

  function renderMath(m) {
    if (!m) {
      ui.math.replaceChildren(el('p', { class: 'panel-sub' }, 'Pick a result to take it apart.'));
      return;
    }
    const tokens = state.analysis.tokens;
    const q = tokenText(tokens[m.query]), k = tokenText(tokens[m.key]);
    const d = m.q.length;
    const title = el('p', { class: 'math-title' }, 'Why ', el('q', {}, q), ' finds ', el('q', {}, k),
      el('span', { class: 'title-meta' }, ` · token ${m.query} → token ${m.key} · layer ${m.layer}, head ${m.head}`));

    const which = isHead(state.head) ? null : mathHeadChoice(m);
    // As explain --math says them: what a decoder's q, k and v are.
    const M = state.model, notes = [];
    if (M.kvHeads && M.kvHeads !== M.heads) {
      notes.push(`Head ${m.head} reads key/value head ${m.kvHead}, which ${M.heads / M.kvHeads} query heads share (grouped-query attention).`);
    }
    if (M.rotaryDimensions) notes.push(`q and k are after rotary positions: dimension c turns with c + ${M.rotaryDimensions / 2}.`);
    const modelNote = notes.length ? el('p', { class: 'math-note', id: 'math-model-note' }, notes.join(' ')) : null;

    const vectors = el('div', { class: 'vectors' },
      vectorRow('q', `query of ${q}`, m.q), vectorRow('k', `key of ${k}`, m.k), vectorRow('v', `value of ${k}`, m.v));

    const termsNote = el('p', { class: 'terms-note' }, `q·k is a sum of ${d} terms q_c·k_c; the largest:`);
    const terms = el('table', { class: 'terms', 'aria-label': `The largest terms of q·k` },
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'c'), el('th', { scope: 'col' }, 'q_c'),
        el('th', { scope: 'col' }, 'k_c'), el('th', { scope: 'col' }, 'q_c·k_c'))),
      el('tbody', {}, ...m.terms.map((t) => el('tr', { class: t.product >= 0 ? 'pos' : 'neg' },
        el('td', {}, String(t.dimension)), el('td', {}, signed(t.q, 3)), el('td', {}, signed(t.k, 3)),
        el('td', {}, signed(t.product, 3))))));

    const steps = el('ol', { class: 'steps' },
      el('li', {}, el('span', { class: 'step-name' }, 'dot product'),
        el('code', {}, `q·k = Σ q_c k_c = ${fmt(m.dot, 4)}`)),
      el('li', {}, el('span', { class: 'step-name' }, 'score'),
        el('code', {}, `s = q·k / √${d} = ${fmt(m.dot, 4)} × ${fmt(m.scale, 4)} = ${fmt(m.score, 4)}`)),
      el('li', {}, el('span', { class: 'step-name' }, 'softmax'),
        el('code', {}, `α = exp(s − max s) / Σ exp(s′ − max s) = exp(${fmt(m.score, 3)} − ${fmt(m.rowMax, 3)}) / ${fmt(m.rowSum, 3)}`
          + ` = ${fmt(m.shiftedExp, 4)} / ${fmt(m.rowSum, 3)} = ${fmt(m.weight, 4)}`)),
      state.model.decoder ? el('li', {}, el('span', { class: 'step-name' }, 'what it adds'),
        el('span', {}, `α · v · W_O, ${m.contribution.length} numbers added to the residual stream; what each layer then predicts is in the logit lens`))
        : el('li', {}, el('span', { class: 'step-name' }, 'what it adds'),
        el('span', {}, `α · v · W_O, ${m.contribution.length} numbers in the residual stream, lies nearest to the embeddings of `,
          neighbours(m.nearestToContribution), el('span', { class: 'muted' }, ' (nearest neighbours, not a prediction)'))),
    );
    ui.math.replaceChildren(title, ...[which, modelNote].filter(Boolean), vectors, termsNote, terms, steps);
  }

  /**
   * On a blend or rollout, which has no single q·k: which head the panel takes apart and why
   * (as `explain --math` says it), and a picker for another head of the same layer.
   */
  function mathHeadChoice(m) {
    const shows = state.head === 'rollout' ? 'rollout through all layers'
      : state.head === 'mean' ? `the mean of layer ${m.layer}'s heads` : `the value-weighted blend of layer ${m.layer}'s heads`;
    const why = m.headChoice === 'heaviest'
      ? `head ${m.head}, the head of layer ${m.layer} that gives this key the most weight (α = ${fmt(m.weight, 3)})`
      : `head ${m.head} of layer ${m.layer}, as picked here`;
    const picker = el('select', { id: 'math-head', 'aria-label': 'Head to take apart' },
      el('option', { value: '' }, 'the heaviest head'),
      ...Array.from({ length: state.model.heads }, (_, h) => el('option', { value: h }, `head ${h}`)));
    picker.value = state.mathHead === null ? '' : String(state.mathHead);
    picker.addEventListener('change', () => {
      state.mathHead = picker.value === '' ? null : Number(picker.value);
      state.history = 'replace';
      refresh();
    });
    return el('p', { class: 'math-head', id: 'math-head-choice', 'data-head': m.head, 'data-choice': m.headChoice || '' },
      `This page shows ${shows}, which has no single q·k. Taken apart here: ${why}. `,
      el('label', { class: 'math-head-pick' }, 'Take apart ', picker));
  }

  /** A vector as a strip of bars around zero, with its first numbers and its norm. */
  function vectorRow(name, label, v) {
    const max = Math.max(1e-9, ...v.map(Math.abs));
    const W = 4, H = 28;
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('viewBox', `0 0 ${v.length * W} ${H}`);
    svg.setAttribute('class', 'vector-bars');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('preserveAspectRatio', 'none');
    v.forEach((x, c) => {
      const r = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
      const h = Math.abs(x) / max * (H / 2);
      r.setAttribute('x', String(c * W + 0.5));
      r.setAttribute('width', String(W - 1));
      r.setAttribute('y', String(x >= 0 ? H / 2 - h : H / 2));
      r.setAttribute('height', String(Math.max(h, 0.5)));
      r.setAttribute('class', x >= 0 ? 'pos' : 'neg');
      svg.append(r);
    });
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    const head = v.slice(0, 4).map((x) => signed(x, 2)).join(' ');
    return el('div', { class: 'vector' },
      el('span', { class: 'vector-name' }, el('b', {}, name), el('span', { class: 'muted' }, ` ${label}`)),
      svg,
      el('span', { class: 'vector-nums', title: v.map((x) => x.toFixed(4)).join(' ') }, `[${head} … ${v.length} dims] ‖${name}‖ = ${norm.toFixed(2)}`));
  }

  function neighbours(list) {
    const span = el('span', { class: 'neighbours' });
    list.forEach((n, i) => {
      if (i) span.append(', ');
      span.append(el('span', { class: 'neighbour' }, n.token + (n.position !== undefined ? '#' + n.position : '')),
        el('span', { class: 'muted' }, ' ' + fmt(n.cosine, 2)));
    });
    return span;
  }

  function renderSight(m) {
    if (!m) {
      ui.sight.replaceChildren();
      return;
    }
    const L = state.model.layers;
    const rows = m.sight.map((s) => {
      const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill' }));
      bar.firstChild.style.width = (100 * Math.max(0, s.selfSimilarity)).toFixed(1) + '%';
      return el('tr', { class: s.layer === m.layer ? 'current' : '' },
        el('th', { scope: 'row' }, s.layer < L ? `enters layer ${s.layer}` : 'leaves the model'),
        el('td', { class: 'sight-bar' }, bar, el('span', { class: 'num' }, fmt(s.selfSimilarity, 2))),
        el('td', {}, neighbours(s.resembles)));
    });
    ui.sight.replaceChildren(el('table', { class: 'sight-table' },
      el('caption', { class: 'sr-only' }, 'What each layer sees at the query position'),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'where'), el('th', { scope: 'col' }, 'own token left (cosine)'),
        el('th', { scope: 'col' }, 'resembles'))),
      el('tbody', {}, ...rows)));
  }

  // ---------- the URL: shareable text and selection ----------

  /** Searches and token, layer and head changes are new history entries ('push'), so Back and Forward walk them. */
  function writeHash(mode) {
    const p = new URLSearchParams();
    p.set('text', state.text);
    p.set('token', String(state.query));
    if (state.head !== 'rollout') p.set('layer', String(state.layer));
    p.set('head', String(state.head));
    if (state.key !== null) p.set('key', String(state.key));
    const hash = '#' + p.toString();
    if (location.hash === hash) return;
    if (mode === 'push') history.pushState(null, '', hash);
    else history.replaceState(null, '', hash);
  }

  function readHash() {
    const p = new URLSearchParams(location.hash.slice(1));
    const text = p.get('text');
    if (!text) return null;
    const int = (name) => (/^\d+$/.test(p.get(name) || '') ? Number(p.get(name)) : null);
    const L = state.model.layers, H = state.model.heads;
    const head = p.get('head');
    const sel = { query: int('token'), key: int('key') };
    // What the link asks for and this model cannot show is said, not silently replaced.
    const problems = [];
    for (const name of ['token', 'key']) {
      if (p.has(name) && int(name) === null) problems.push(`${name}=${p.get(name)} is not a token number`);
    }
    if (int('layer') !== null && int('layer') < L) sel.layer = int('layer');
    else if (p.has('layer')) problems.push(`layer=${p.get('layer')} is not a layer of this model (0–${L - 1})`);
    if (head && /^\d+$/.test(head) && Number(head) < H) sel.head = Number(head);
    else if (['mean', 'value', 'rollout'].includes(head)) sel.head = head;
    else if (p.has('head')) problems.push(`head=${head} is not a head of this model (0–${H - 1}, mean, value or rollout)`);
    return { text, selection: sel, problems };
  }

  /** Back, Forward, or an address typed by hand: show what the address says, without a new history entry. */
  function followAddress() {
    const h = readHash();
    if (!h) {
      if (state.text !== null) enterHomeMode();
      return;
    }
    if (h.text !== state.text || !state.analysis) {
      linkProblems = h.problems;
      search(h.text, h.selection, 'replace');
      return;
    }
    const sel = h.selection;
    const next = {
      query: sel.query ?? state.query, key: sel.key ?? null,
      layer: sel.layer ?? state.layer, head: sel.head ?? state.head,
    };
    if (next.query === state.query && next.key === state.key && next.layer === state.layer && next.head === state.head) return;
    if (next.layer !== state.layer || next.head !== state.head) state.mathHead = null;
    Object.assign(state, next, { top: TOP, history: 'replace' });
    if (h.problems.length) showAlert('This link asks for something this model does not have: ' + h.problems.join('; ') + '.');
    refresh();
  }

  // ---------- exports ----------

  function download(name, blob) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  const fileStem = () => {
    const q = state.analysis.tokens[state.query];
    const word = (q.text || 'token').replace(/[^a-z0-9]+/gi, '') || 'token';
    const view = state.head === 'rollout' ? 'rollout' : `L${state.layer}-${isHead(state.head) ? 'H' + state.head : state.head}`;
    return `attention-search-${word}-${state.query}-${view}`;
  };

  async function exportJson() {
    try {
      // Every token's page under the current view, plus the math: the schema of `explain --json`.
      const data = await api(requestBody({}));
      if (!data) return;
      download(fileStem() + '.json', new Blob([JSON.stringify(data, null, 2) + '\n'], { type: 'application/json' }));
      ui.live.textContent = 'Exported the analysis as JSON.';
    } catch (e) {
      showAlert(e.message);
    }
  }

  function figure() {
    return window.AttentionFigure.build({
      model: state.model.model, text: state.text, tokens: state.analysis.tokens, page: state.analysis.pages[0],
      view: viewLabel(state.layer, state.head),
    });
  }

  function exportSvg() {
    const svg = figure();
    download(fileStem() + '.svg', new Blob([window.AttentionFigure.serialize(svg)], { type: 'image/svg+xml' }));
  }

  function exportPng() {
    const svg = figure();
    window.AttentionFigure.toPng(svg, 2).then((blob) => download(fileStem() + '.png', blob),
      (e) => showAlert('The PNG could not be drawn: ' + e.message));
  }

  async function copyLink() {
    try {
      await navigator.clipboard.writeText(location.href);
      ui.live.textContent = 'Link copied.';
      // Seen, not only announced: the button says it for two seconds.
      ui.copyLink.textContent = 'Link copied ✓';
      ui.copyLink.classList.add('done');
      setTimeout(() => {
        ui.copyLink.textContent = 'Copy link';
        ui.copyLink.classList.remove('done');
      }, 2000);
    } catch (e) {
      showAlert('The browser did not let the page copy; copy this address to share the view: ' + location.href);
    }
  }

  // ---------- keyboard ----------

  function onKey(e) {
    if (!state.analysis || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement) return;
    const L = state.model.layers, H = state.model.heads;
    const head = mathHead();
    let handled = true;
    switch (e.key) {
      case 'ArrowLeft': selectToken(state.query - 1, true); break;
      case 'ArrowRight': selectToken(state.query + 1, true); break;
      case 'Home': if (t.closest && t.closest('#tokens')) selectToken(0, true); else handled = false; break;
      case 'End': if (t.closest && t.closest('#tokens')) selectToken(state.analysis.tokens.length - 1, true); else handled = false; break;
      case '[': selectView((state.layer - 1 + L) % L, state.head === 'rollout' ? 'value' : state.head); break;
      case ']': selectView((state.layer + 1) % L, state.head === 'rollout' ? 'value' : state.head); break;
      case '{': selectView(state.layer, isHead(state.head) ? (head - 1 + H) % H : head); break;
      case '}': selectView(state.layer, isHead(state.head) ? (head + 1) % H : head); break;
      default: handled = false;
    }
    if (handled) e.preventDefault();
  }

  // ---------- page chrome ----------

  function enterResultsMode() {
    ui.body.classList.remove('home');
    ui.app.hidden = false;
  }

  function enterHomeMode() {
    if (inflight) inflight.abort();
    Object.assign(state, { text: null, analysis: null, maps: null });
    ui.body.classList.add('home');
    ui.app.hidden = true;
    ui.input.value = '';
    hideAlert();
  }

  function showAlert(message) {
    ui.alert.textContent = message;
    ui.alert.hidden = false;
  }

  function hideAlert() {
    ui.alert.hidden = true;
    ui.alert.textContent = '';
  }

  function fillSelectors() {
    const L = state.model.layers, H = state.model.heads;
    ui.layer.replaceChildren(...Array.from({ length: L }, (_, l) => el('option', { value: l }, String(l))));
    ui.head.replaceChildren(
      el('optgroup', { label: 'One head' }, ...Array.from({ length: H }, (_, h) => el('option', { value: h }, String(h)))),
      el('optgroup', { label: 'Blends' }, ...BLENDS.map(([v, label]) => el('option', { value: v }, label))));
    ui.layer.addEventListener('change', () => selectView(Number(ui.layer.value), state.head));
    ui.head.addEventListener('change', () => {
      const v = ui.head.value;
      selectView(state.layer, /^\d+$/.test(v) ? Number(v) : v);
    });
  }

  async function start() {
    // Several models may be served: ?model=ID picks one (an id from /api/models, never a path).
    const chosen = new URLSearchParams(location.search).get('model');
    const response = await fetch('/api/model' + (chosen ? '?model=' + encodeURIComponent(chosen) : ''));
    state.model = await response.json();
    if (!response.ok) throw new Error(state.model.error);
    const m = state.model;
    state.layer = Math.floor((m.layers - 1) / 2);
    const heads = m.kvHeads && m.kvHeads !== m.heads ? `${m.heads} heads (sharing ${m.kvHeads} key/value heads)` : `${m.heads} heads`;
    ui.modelLine.textContent = `${m.model} · ${m.architecture || 'transformer'} · ${m.layers} layers × ${heads} · hidden ${m.hidden} · `
      + `${m.vocabSize.toLocaleString('en')} tokens in the vocabulary · up to ${m.maxPositions} positions`
      + (m.decoder ? ' · each token sees only the tokens before it' : '');
    ui.footerModel.textContent = `${m.model}, computed by a pure-Java transformer engine`;
    fillSelectors();
    for (const text of EXAMPLES) {
      const b = el('button', { type: 'button', class: 'example' }, text);
      b.addEventListener('click', () => search(text));
      ui.examples.append(b);
    }
    ui.form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = ui.input.value.trim();
      if (text) search(text, { layer: state.layer, head: state.head });
      else showAlert('Type a text first: an empty search has no tokens to look inside.');
    });
    document.getElementById('export-json').addEventListener('click', exportJson);
    document.getElementById('export-svg').addEventListener('click', exportSvg);
    document.getElementById('export-png').addEventListener('click', exportPng);
    document.getElementById('copy-link').addEventListener('click', copyLink);
    document.addEventListener('keydown', onKey);
    ui.more.addEventListener('click', moreResults);
    ui.heatmap.addEventListener('mousemove', heatmapHover);
    ui.heatmap.addEventListener('mouseleave', () => {
      ui.heatmapTip.hidden = true;
    });
    ui.heatmap.addEventListener('click', (e) => {
      const c = heatmapCell(e);
      if (c) selectToken(c.queries[0], false);
    });
    window.addEventListener('popstate', followAddress);
    window.addEventListener('hashchange', followAddress);
    window.AttentionSearch = {
      state, ui, hooks, el, fmt, pct, tokenText, viewLabel, isHead, showAlert, hideAlert, enterResultsMode,
      search, refresh, selectView, renderAll, markGrid,
    };
    document.dispatchEvent(new Event('attention-search-ready'));
    const fromUrl = readHash();
    if (fromUrl) {
      linkProblems = fromUrl.problems;
      search(fromUrl.text, fromUrl.selection, 'replace');
    } else ui.input.focus();
  }

  start().catch((e) => showAlert('The page could not start: ' + e.message));
})();
