// Attention Search: "Heads over the corpus" in the model overview — with `serve --heads FILE` (or an
// index whose run stored them), one layers × heads heatmap per statistic of `heads --json`: rows
// are layers, columns heads, each square one head's mean over the corpus. Hover a square for its
// value (or walk them with the arrow keys); click it (or Enter) to open that head's results page.
// The head the results page shows is outlined on every map. Everything from the server goes in as text.
'use strict';

(() => {
  /** The statistics in docs/json.md's order: a name, what it measures, and the lowest value it can take. */
  const STATISTICS = [
    ['effectiveResults', 'Effective results', 'exp(H(α)): how many keys a query really reads', 1],
    ['previousToken', 'Previous token', 'mean weight on the token just before the query', 0],
    ['duplicateToken', 'Same token elsewhere', 'mean weight on other occurrences of the query\'s own token', 0],
    ['firstToken', 'First token', 'mean weight on the text\'s first token', 0],
    ['specialTokens', 'Special tokens', 'mean weight on [CLS], [SEP], BOS and the other special tokens', 0],
    ['sinks', 'Sinks', 'mean weight on the keys the sink rule marks', 0],
    ['valueShare', 'Value share', 'the head\'s share of what its layer\'s attention adds', 0],
    ['induction', 'Induction score', 'weight from a token to what followed it before, on repeated random tokens', 0],
  ];

  /** The grid's colours: white for the scale's low end, deep blue for its high end (linear here: the legend reads straight). */
  const LOW = [255, 255, 255], HIGH = [23, 78, 166], NONE = [232, 234, 237];
  const colour = (t) => LOW.map((c, i) => Math.round(c + t * (HIGH[i] - c)));

  function init() {
    const A = window.AttentionSearch;
    const { state, el, fmt, isHead } = A;
    const marks = [];   // on every map, the head the results page shows

    /** Marks the results page's head on every map (none for a blend of heads). */
    function markView() {
      const show = state.analysis && isHead(state.head);
      for (const mark of marks) {
        mark.hidden = !show;
        if (!show) continue;
        mark.style.left = (100 * state.head / state.model.heads) + '%';
        mark.style.top = (100 * state.layer / state.model.layers) + '%';
        mark.dataset.layer = String(state.layer);
        mark.dataset.head = String(state.head);
      }
    }

    async function start() {
      const query = state.model.id ? '?model=' + encodeURIComponent(state.model.id) : '';
      const response = await fetch('/api/heads-statistics' + query);
      if (!response.ok) return;
      const stats = await response.json();
      if (!stats.available) return; // no statistics for this model: no panel
      const L = state.model.layers, H = state.model.heads;
      const byCell = new Map(stats.heads.map((h) => [h.layer * H + h.head, h]));
      const tip = el('p', { id: 'corpus-heads-tip', class: 'corpus-heads-tip', role: 'status', hidden: true });
      const maps = [];
      const absent = [];
      for (const [field, name, meaning, floor] of STATISTICS) {
        const values = [];
        for (let x = 0; x < L * H; x++) values.push(byCell.has(x) ? byCell.get(x)[field] : null);
        const known = values.filter((v) => v !== null);
        if (!known.length) {
          absent.push(name);
          continue;
        }
        maps.push(heatmap(field, name, meaning, values, Math.min(floor, ...known), Math.max(...known), L, H, tip));
      }
      const note = !absent.length ? '' : ` ${absent.join(', ')}: no values for this model`
        + (absent.includes('Induction score') && !state.model.decoder ? ' (an encoder has no induction score).' : '.');
      const panel = el('section', { id: 'corpus-heads-panel', class: 'panel', 'aria-labelledby': 'corpus-heads-title' },
        el('h2', { id: 'corpus-heads-title', class: 'panel-title' }, 'Heads over the corpus'),
        el('p', { class: 'panel-sub' }, `What each head does on average over ${stats.texts.toLocaleString('en')} documents `
          + `(${stats.tokens.toLocaleString('en')} tokens), from ${stats.source}. One map per statistic: rows are layers `
          + `(0 at the top), columns heads; hover a square (or walk them with the arrow keys) for its value, click it (or Enter) to open `
          + 'that head; the head the results page shows is outlined.' + note),
        el('div', { class: 'corpus-heads-maps' }, ...maps), tip);
      const grid = document.getElementById('grid').closest('section');
      grid.after(panel);
      markView();
      A.hooks.rendered.push(markView);
    }

    function heatmap(field, name, meaning, values, low, high, L, H, tip) {
      const span = high - low;
      const canvas = el('canvas', { class: 'corpus-heads-canvas', width: H, height: L, 'data-statistic': field, tabindex: 0,
        'aria-label': `${name} of every head: ${L} layers by ${H} heads; hover, or use the arrow keys, for a head's value; `
          + 'Enter or a click opens that head' });
      const ctx = canvas.getContext('2d');
      const image = ctx.createImageData(H, L);
      values.forEach((v, x) => {
        // A map of one value has no range to spread: every head is white at 0 (no head does it) and deep blue above.
        const rgb = v === null ? NONE : colour(span > 0 ? (v - low) / span : v > 0 ? 1 : 0);
        image.data.set([...rgb, 255], 4 * x);
      });
      ctx.putImageData(image, 0, 0);
      const digits = high >= 10 ? 1 : 3;
      const legend = el('div', { class: 'corpus-heads-legend', 'aria-label': `scale from ${fmt(low, digits)} (white) to ${fmt(high, digits)} (deep blue)` },
        el('span', { class: 'corpus-heads-low' }, fmt(low, digits)), el('span', { class: 'corpus-heads-ramp', 'aria-hidden': 'true' }),
        el('span', { class: 'corpus-heads-high' }, fmt(high, digits)));
      const cell = (e) => {
        const box = canvas.getBoundingClientRect();
        const h = Math.floor((e.clientX - box.left) / box.width * H), l = Math.floor((e.clientY - box.top) / box.height * L);
        return l >= 0 && l < L && h >= 0 && h < H ? { l, h } : null;
      };
      const say = (c) => {
        const v = values[c.l * H + c.h];
        tip.textContent = `${name}, layer ${c.l}, head ${c.h}: ` + (v === null ? 'no value' : fmt(v, 3));
        tip.hidden = false;
      };
      const open = (c) => { if (state.text) A.selectView(c.l, c.h); };
      // The square last pointed at or walked to: the keyboard carries on from where the mouse was.
      let at = { l: 0, h: 0 };
      canvas.addEventListener('mousemove', (e) => {
        const c = cell(e);
        if (c) say(at = c);
      });
      canvas.addEventListener('mouseleave', () => { tip.hidden = true; });
      canvas.addEventListener('click', (e) => {
        const c = cell(e);
        if (c) open(at = c);
      });
      // From the keyboard: the arrows walk the squares (the page's own arrow keys wait), Enter opens the head.
      canvas.addEventListener('focus', () => say(at));
      canvas.addEventListener('blur', () => { tip.hidden = true; });
      canvas.addEventListener('keydown', (e) => {
        const step = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[e.key];
        if (step) {
          at = { l: Math.max(0, Math.min(L - 1, at.l + step[0])), h: Math.max(0, Math.min(H - 1, at.h + step[1])) };
          say(at);
        } else if (e.key === 'Enter') open(at);
        else return;
        e.preventDefault();
        e.stopPropagation();
      });
      const mark = el('span', { class: 'corpus-heads-mark', 'aria-hidden': 'true', hidden: true });
      mark.style.width = (100 / H) + '%';
      mark.style.height = (100 / L) + '%';
      marks.push(mark);
      return el('figure', { class: 'corpus-heads-map' },
        el('figcaption', {}, el('span', { class: 'corpus-heads-name' }, name), el('span', { class: 'corpus-heads-meaning' }, meaning)),
        el('div', { class: 'corpus-heads-box' }, canvas, mark), legend);
    }

    start().catch(() => {});
  }

  if (window.AttentionSearch) init();
  else document.addEventListener('attention-search-ready', init, { once: true });
})();
