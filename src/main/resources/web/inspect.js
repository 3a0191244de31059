// Attention Search: what the page adds around one results page — sinks and special tokens left
// out (and marked in the grid), causal maps as triangles, heads that share a key/value head
// grouped, a decoder's next tokens and logit lens, "which heads make X find Y?", and two
// tokens' meanings compared layer by layer. Everything from the server goes in as text.
'use strict';

(() => {
  function init() {
    const A = window.AttentionSearch;
    const { state, ui, el, fmt, pct, tokenText } = A;
    const options = { hideSinks: false, hideSpecials: false };
    let sinkCells = null; // [layer][head] → [q0, k0, q1, k1, …] for the current text
    let sinkText = null;

    // ---------- toggles: leave sinks or special tokens out, the rest renormalised ----------

    const sinksBox = el('input', { type: 'checkbox', id: 'hide-sinks' });
    const specialsBox = el('input', { type: 'checkbox', id: 'hide-specials' });
    const toggles = el('span', { class: 'toggles', role: 'group', 'aria-label': 'Leave keys out' },
      el('label', { class: 'toggle', title: 'Leave out the attention sinks (keys that take weight but whose value adds little) and renormalise the other weights to sum to 1' },
        sinksBox, ' Hide sinks'),
      el('label', { class: 'toggle', title: 'Leave out the special tokens ([CLS], [SEP], BOS …), which stand for no text, and renormalise the other weights to sum to 1' },
        specialsBox, ' Hide special tokens'));
    const toolbar = document.querySelector('.toolbar');
    toolbar.insertBefore(toggles, toolbar.querySelector('.toolbar-gap'));
    sinksBox.addEventListener('change', () => { options.hideSinks = sinksBox.checked; A.refresh(); });
    specialsBox.addEventListener('change', () => { options.hideSpecials = specialsBox.checked; A.refresh(); });

    A.hooks.body.push((body) => {
      const extra = {};
      if (options.hideSinks && body.head !== 'rollout') extra.withoutSinks = true;
      if (options.hideSpecials) extra.withoutSpecialTokens = true;
      if (state.model.decoder && body.query !== undefined) extra.next = true;
      return extra;
    });
    A.hooks.searching.push(() => { sinkCells = null; sinkText = null; });

    const leftOutNote = el('p', { id: 'left-out', class: 'left-out', hidden: true });
    const nextLine = el('p', { id: 'next-line', class: 'next-line', hidden: true });
    ui.stats.after(leftOutNote, nextLine);

    /** Says plainly what a renormalised page left out. */
    function renderLeftOut(a) {
      const page = a.pages[0];
      const parts = [];
      const names = (keys) => keys.map((k) => `${tokenText(a.tokens[k]) || a.tokens[k].text}#${k}`).join(', ');
      if (page.sinksLeftOut) {
        parts.push(page.sinksLeftOut.keys.length ? `Sinks left out: ${names(page.sinksLeftOut.keys)}, with ${pct(page.sinksLeftOut.weight)} of the weight.`
          : 'No sinks on this page: nothing left out.');
      } else if (options.hideSinks && state.head === 'rollout') {
        parts.push('Rollout marks no sinks: nothing left out.');
      }
      const specials = (a.specialTokensLeftOut || []).find((s) => s.query === page.query);
      if (specials) {
        parts.push(specials.keys.length ? `Special tokens left out: ${names(specials.keys)}, with ${pct(specials.weight)} of the weight.`
          : 'No special tokens on this page.');
      }
      if (parts.length && (page.sinksLeftOut || specials)) parts.push('The other weights are renormalised to sum to 1.');
      leftOutNote.hidden = !parts.length;
      leftOutNote.textContent = parts.join(' ');
    }

    // ---------- next tokens and the logit lens (decoders) ----------

    const prediction = (p) => `${JSON.stringify(p.text).slice(1, -1)} ${(100 * p.probability).toFixed(p.probability < 0.1 ? 1 : 0)}%`;

    function renderNext(a) {
      const next = a.next;
      nextLine.hidden = !next;
      if (!next) return;
      const q = a.tokens[next.position];
      // The last few words up to the query, cut at a word's start.
      const end = q.end ?? 0, from = Math.max(0, end - 30);
      let before = a.text.slice(from, end);
      if (from > 0 && before.indexOf(' ') > 0) before = '…' + before.slice(before.indexOf(' ') + 1);
      before = before.trimStart();
      const parts = [el('span', { class: 'next-intro' }, 'after '), el('q', {}, before || tokenText(q)), ', the model expects: '];
      next.predictions.forEach((p, i) => {
        if (i) parts.push(el('span', { class: 'muted' }, ' · '));
        parts.push(el('span', { class: 'prediction' }, prediction(p)));
      });
      if (a.chosen) parts.push(el('span', { class: 'muted' }, ` — it wrote ${a.chosen}`));
      nextLine.replaceChildren(...parts);
    }

    const lensPanel = el('section', { class: 'panel', id: 'lens-panel', 'aria-labelledby': 'lens-title', hidden: true },
      el('h2', { id: 'lens-title', class: 'panel-title' }, 'What each layer already predicts here'),
      el('p', { class: 'panel-sub' }, 'The logit lens: the residual stream leaving each layer, read through the final norm and the unembedding, as if the model stopped there. The last layer\'s row is the model\'s own prediction.'),
      el('div', { id: 'lens' }));
    const sightPanel = ui.sight.closest('.panel');
    sightPanel.before(lensPanel);

    function renderLens(a) {
      const lens = a.next && a.next.lens;
      lensPanel.hidden = !(lens && lens.length);
      sightPanel.hidden = !!state.model.decoder; // for a decoder the lens answers "what does layer L see here"
      if (lensPanel.hidden) return;
      const k = Math.max(...lens.map((l) => l.predictions.length));
      lensPanel.querySelector('#lens').replaceChildren(el('table', { class: 'lens-table' },
        el('caption', { class: 'sr-only' }, 'Top next tokens per layer'),
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'layer'),
          ...Array.from({ length: k }, (_, i) => el('th', { scope: 'col' }, `#${i + 1}`)))),
        el('tbody', {}, ...lens.map((l) => el('tr', { 'data-layer': l.layer },
          el('th', { scope: 'row' }, String(l.layer)),
          ...l.predictions.map((p) => el('td', { title: `logit ${fmt(p.logit, 2)}` }, prediction(p))))))));
    }

    // ---------- the grid: triangles, sinks, hidden keys, key/value groups ----------

    let gridPainted = null; // what the grid's maps were last painted with: maps, sinks and the two toggles

    function paintGrid(a) {
      const maps = state.maps;
      if (!maps || ui.grid.dataset.text !== state.text) return;
      if (a.attentionSinks) { sinkCells = a.attentionSinks.cells; sinkText = state.text; }
      const sinks = sinkText === state.text ? sinkCells : null;
      // A token, layer or head change leaves the 72 maps as they are: repainting them all took
      // most of a layer switch on a 512-token text. They change with the text, its sinks and the toggles.
      const painted = { maps, sinks, hideSinks: options.hideSinks, hideSpecials: options.hideSpecials, cells: ui.grid.firstElementChild };
      if (gridPainted && Object.keys(painted).every((k) => painted[k] === gridPainted[k])) return;
      gridPainted = painted;
      const m = maps.cells, n = maps.tokens, exact = m === n;
      const specials = new Set(exact ? a.tokens.map((t, i) => (t.start === null ? i : -1)).filter((i) => i >= 0) : []);
      const group = state.model.heads / (state.model.kvHeads || state.model.heads);
      for (const cell of ui.grid.querySelectorAll('.cell')) {
        const l = Number(cell.dataset.layer), h = Number(cell.dataset.head);
        const marked = new Set();
        if (sinks && exact) {
          const flat = sinks[l][h];
          for (let x = 0; x < flat.length; x += 2) marked.add(flat[x] * n + flat[x + 1]);
        }
        paint(cell.querySelector('canvas'), maps.weights[l][h], m, marked, specials);
        cell.classList.toggle('kv-group-start', group > 1 && h > 0 && h % group === 0);
        if (group > 1) cell.title = `layer ${l}, head ${h} · reads key/value head ${Math.floor(h / group)}`;
      }
      if (group > 1) {
        ui.grid.querySelectorAll('.grid-col').forEach((c, h) => {
          c.classList.toggle('kv-group-start', h > 0 && h % group === 0);
          c.title = `head ${h} reads key/value head ${Math.floor(h / group)}`;
        });
      }
      gridNote.textContent = [
        state.model.decoder ? 'Each token sees only the tokens before it: the maps are triangles.' : '',
        group > 1 ? `Heads in groups of ${group} share a key/value head (grouped-query attention).` : '',
        sinks && !options.hideSinks ? 'Orange cells: attention sinks.' : '',
        exact && (options.hideSinks || options.hideSpecials)
          ? `${[options.hideSinks ? 'Sinks' : '', options.hideSpecials ? 'special tokens' : ''].filter(Boolean).join(' and ')} hidden; each row renormalised.` : '',
      ].filter(Boolean).join(' ');
    }
    const gridNote = el('p', { id: 'grid-note', class: 'panel-sub' });
    ui.grid.before(gridNote);

    /** As the page paints a map, plus: masked cells grey, sinks orange, hidden keys taken out of their rows. */
    function paint(canvas, weights, m, sinks, specials) {
      const ctx = canvas.getContext('2d');
      const image = ctx.createImageData(m, m);
      const data = image.data;
      const causal = state.model.decoder, renormalise = options.hideSinks || options.hideSpecials;
      const hiddenKey = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < m; j++) hiddenKey[j] = (options.hideSinks && sinks.has(i * m + j)) || (options.hideSpecials && specials.has(j)) ? 1 : 0;
        let kept = 0;
        for (let j = 0; j < m; j++) if (!hiddenKey[j]) kept += weights[i * m + j];
        const scale = renormalise && kept > 0 ? 1 / kept : 1;
        for (let j = 0; j < m; j++) {
          const x = i * m + j, p = 4 * x;
          let r, g, b;
          if (causal && j > i) { r = 236; g = 239; b = 241; }
          else if (hiddenKey[j]) { r = g = b = 255; }
          else {
            const t = Math.sqrt(Math.max(0, Math.min(1, weights[x] * scale)));
            const sink = sinks.has(x);
            r = Math.round(255 - t * (255 - (sink ? 227 : 23)));
            g = Math.round(255 - t * (255 - (sink ? 116 : 78)));
            b = Math.round(255 - t * (255 - (sink ? 0 : 166)));
          }
          data[p] = r; data[p + 1] = g; data[p + 2] = b; data[p + 3] = 255;
        }
      }
      ctx.putImageData(image, 0, 0);
      canvas.dataset.painted = `${options.hideSinks ? 'no-sinks' : 'sinks'} ${options.hideSpecials ? 'no-specials' : 'specials'}`;
    }

    // ---------- which heads make X find Y? ----------

    const headsPanel = el('section', { class: 'panel', id: 'heads-panel', 'aria-labelledby': 'heads-title', hidden: true },
      el('h2', { id: 'heads-title', class: 'panel-title' }, 'Which heads?'),
      el('p', { id: 'heads-stats', class: 'stats' }),
      el('ol', { id: 'heads-list', class: 'heads-list' }),
      el('button', { type: 'button', id: 'heads-more', class: 'tool', hidden: true }, 'More heads'));
    document.querySelector('.side').prepend(headsPanel);
    let headsShown = 10;
    let headsAnswer = null;

    async function findHeads(query, key) {
      try {
        const t0 = performance.now();
        const data = await post('/api/heads', { model: state.model.id, text: state.text, query, key });
        headsAnswer = Object.assign(data, { millis: performance.now() - t0 });
        headsShown = 10;
        renderHeads();
        headsPanel.scrollIntoView({ block: 'nearest' });
      } catch (e) {
        A.showAlert(e.message);
      }
    }

    function renderHeads() {
      const d = headsAnswer;
      const q = tokenText(d.tokens[d.query]), k = tokenText(d.tokens[d.key]);
      headsPanel.hidden = false;
      headsPanel.querySelector('#heads-title').replaceChildren('Which heads make ', el('q', {}, q), ' find ', el('q', {}, k), '?');
      const top = d.heads.length ? d.heads[0].weight : 1;
      headsPanel.querySelector('#heads-stats').textContent = `About ${d.heads.length} heads (${fmt(d.millis, 0)} ms), ranked by the attention weight from ${q}#${d.query} to ${k}#${d.key}`;
      headsPanel.querySelector('#heads-list').replaceChildren(...d.heads.slice(0, headsShown).map((h) => {
        const bar = el('span', { class: 'bar', 'aria-hidden': 'true' }, el('span', { class: 'bar-fill' }));
        bar.firstChild.style.width = (100 * h.weight / Math.max(top, 1e-12)).toFixed(1) + '%';
        const open = el('button', { type: 'button', class: 'result-link heads-open' }, `layer ${h.layer} head ${h.head}`);
        open.addEventListener('click', () => A.selectView(h.layer, h.head));
        return el('li', { class: 'head-hit', 'data-layer': h.layer, 'data-head': h.head, 'data-weight': String(h.weight), 'data-rank': h.rank },
          open, ': ', el('b', { class: 'weight' }, fmt(h.weight, 3)), ' ', bar,
          el('span', { class: 'muted' }, ` score ${fmt(h.score, 2)} · value adds ${fmt(h.valueNorm, 3)} · ${k} is #${h.pageRank} on its page`));
      }));
      const more = headsPanel.querySelector('#heads-more');
      more.hidden = headsShown >= d.heads.length;
      more.textContent = `More heads (${d.heads.length - headsShown} left)`;
    }
    headsPanel.querySelector('#heads-more').addEventListener('click', () => { headsShown += 24; renderHeads(); });

    // Shift-click a token: the heads that make the query find it. The query keeps the focus (a focused token becomes the query).
    ui.tokens.addEventListener('mousedown', (e) => { if (e.shiftKey && e.target.closest('[data-index]')) e.preventDefault(); }, true);
    ui.tokens.addEventListener('click', (e) => {
      const b = e.target.closest('[data-index]');
      if (!e.shiftKey || !b || !state.analysis) return;
      e.stopPropagation();
      e.preventDefault();
      findHeads(state.query, Number(b.dataset.index));
    }, true);

    function addHeadsButtons() {
      for (const li of ui.list.querySelectorAll('.result')) {
        if (li.querySelector('.heads-button')) continue;
        const key = Number(li.dataset.key);
        const b = el('button', { type: 'button', class: 'tool heads-button', 'data-key': key,
          title: 'Every layer and head ranked by the weight from the query to this key (or shift-click a token)' }, 'Which heads?');
        b.addEventListener('click', () => findHeads(state.query, key));
        li.querySelector('.crumb').append(' ', b);
      }
    }

    // ---------- compare meanings ----------

    const otherInput = el('input', { type: 'text', id: 'compare-text', spellcheck: 'false', placeholder: 'or another text with the same word' });
    const bSelect = el('select', { id: 'compare-b' });
    const compareButton = el('button', { type: 'button', id: 'compare-button', class: 'tool' }, 'Compare');
    const comparePanel = el('section', { class: 'panel', id: 'compare-panel', 'aria-labelledby': 'compare-title' },
      el('h2', { id: 'compare-title', class: 'panel-title' }, 'Compare meanings'),
      el('p', { class: 'panel-sub' }, 'The cosine of two tokens\' residual streams where they enter the model and after every layer: 1 points the same way, 0 unrelated. The same word in two contexts drifts apart as attention mixes the context in.'),
      el('div', { class: 'compare-form' },
        el('span', { id: 'compare-a', class: 'compare-a' }), ' with ', el('label', { class: 'sr-only', for: 'compare-b' }, 'Second token'), bSelect,
        el('label', { class: 'sr-only', for: 'compare-text' }, 'Another text'), otherInput, compareButton),
      el('div', { id: 'compare-result' }));
    document.querySelector('.side').append(comparePanel);

    function fillCompare(a) {
      const q = a.tokens[state.query];
      if (!q) return;
      comparePanel.querySelector('#compare-a').replaceChildren(el('q', {}, tokenText(q)), `#${state.query}`);
      const key = `${a.text}\u0000${state.query}`;
      if (bSelect.dataset.key === key) return;
      bSelect.dataset.key = key;
      const same = a.tokens.findIndex((t, i) => i !== state.query && tokenText(t).trim().toLowerCase() === tokenText(q).trim().toLowerCase());
      bSelect.replaceChildren(...a.tokens.map((t, i) => el('option', { value: i, selected: i === (same >= 0 ? same : Math.min(state.query + 1, a.tokens.length - 1)) },
        `${tokenText(t) || t.text}#${i}`)));
    }

    async function compare() {
      const body = { model: state.model.id, text: state.text, a: state.query };
      const other = otherInput.value.trim();
      if (other) body.otherText = other;
      else body.b = Number(bSelect.value);
      try {
        renderComparison(await post('/api/compare', body));
      } catch (e) {
        A.showAlert(e.message);
      }
    }
    compareButton.addEventListener('click', compare);
    otherInput.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); compare(); } });

    function renderComparison(d) {
      const aTok = d.tokens[d.a], bTok = (d.otherTokens || d.tokens)[d.b];
      const label = (t, text) => (state.model.decoder && t.start !== null ? text.slice(t.start, t.end) : t.text).trim();
      const aName = `${label(aTok, d.text)}#${d.a}`, bName = `${label(bTok, d.otherText || d.text)}#${d.b}${d.otherText ? ' (other text)' : ''}`;
      const where = (l) => (l.layer === null ? 'embeddings' : `layer ${l.layer}`);
      const chart = lineChart(d.layers.map((l) => l.cosine), d.layers.map(where));
      chart.setAttribute('aria-label', `Cosine of ${aName} and ${bName} at every layer`);
      comparePanel.querySelector('#compare-result').replaceChildren(
        el('p', { class: 'compare-title' }, el('q', {}, aName), ' and ', el('q', {}, bName)),
        chart,
        el('table', { class: 'compare-table' },
          el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'where'), el('th', { scope: 'col' }, 'cosine'))),
          el('tbody', {}, ...d.layers.map((l) => el('tr', {}, el('th', { scope: 'row' }, where(l)), el('td', { class: 'num' }, fmt(l.cosine, 3)))))));
    }

    /** A small SVG line chart of values in [−1, 1] (drawn from min(0, lowest) to 1). */
    function lineChart(values, labels) {
      const NS = 'http://www.w3.org/2000/svg';
      const W = 320, H = 140, left = 34, right = 10, top = 10, bottom = 30;
      const low = Math.min(0, ...values);
      const x = (i) => left + (values.length < 2 ? 0 : i * (W - left - right) / (values.length - 1));
      const y = (v) => top + (1 - (v - low) / (1 - low)) * (H - top - bottom);
      const svg = document.createElementNS(NS, 'svg');
      svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
      svg.setAttribute('class', 'compare-chart');
      svg.setAttribute('role', 'img');
      const add = (tag, attrs, text) => {
        const node = document.createElementNS(NS, tag);
        for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
        if (text !== undefined) node.textContent = text;
        svg.append(node);
        return node;
      };
      for (const v of [low, (low + 1) / 2, 1]) {
        add('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'axis' });
        add('text', { x: left - 4, y: y(v) + 3, 'text-anchor': 'end', class: 'tick' }, v.toFixed(1));
      }
      labels.forEach((label, i) => add('text', { x: x(i), y: H - 12, 'text-anchor': 'middle', class: 'tick' },
        label === 'embeddings' ? 'emb' : label.replace('layer ', 'L')));
      add('polyline', { points: values.map((v, i) => `${x(i)},${y(v)}`).join(' '), class: 'line' });
      values.forEach((v, i) => add('circle', { cx: x(i), cy: y(v), r: 3, class: 'dot' }).append(
        Object.assign(document.createElementNS(NS, 'title'), { textContent: `${labels[i]}: ${v.toFixed(3)}` })));
      return svg;
    }

    // ---------- talking to the server ----------

    async function post(path, body) {
      let response;
      try {
        response = await fetch(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      } catch (e) {
        throw new Error('The server cannot be reached. Is `attention-search serve` still running?');
      }
      const data = await response.json().catch(() => ({ error: `the server answered ${response.status}` }));
      if (!response.ok) throw new Error(data.error || `the server answered ${response.status}`);
      A.hideAlert();
      return data;
    }

    A.hooks.rendered.push((a) => {
      renderLeftOut(a);
      renderNext(a);
      renderLens(a);
      paintGrid(a);
      addHeadsButtons();
      fillCompare(a);
    });
  }

  if (window.AttentionSearch) init();
  else document.addEventListener('attention-search-ready', init, { once: true });
})();
