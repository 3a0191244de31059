// "Similar contexts in the corpus": with `serve --index DIR`, the occurrences of the corpus whose
// vector is nearest to the selected token's at the page's layer. It follows the page through the
// address (#text=…&token=…&layer=…), which the results page keeps up to date, and asks /api/similar.
(() => {
  'use strict';
  const panel = document.getElementById('corpus-panel');
  const sub = document.getElementById('corpus-sub');
  const list = document.getElementById('corpus-hits');
  let index = null;
  let shown = '';
  let pending = null;

  function selection() {
    const p = new URLSearchParams(location.hash.slice(1));
    const text = p.get('text');
    const token = p.get('token');
    if (!text || !/^\d+$/.test(token || '')) return null;
    const layer = /^\d+$/.test(p.get('layer') || '') ? Number(p.get('layer')) : undefined;
    return { text, token: Number(token), layer };
  }

  function item(hit) {
    const li = document.createElement('li');
    li.className = 'corpus-hit';
    const similarity = document.createElement('span');
    similarity.className = 'corpus-similarity';
    similarity.textContent = hit.similarity.toFixed(3);
    const snippet = document.createElement('span');
    snippet.className = 'corpus-snippet';
    const match = document.createElement('mark');
    match.textContent = hit.snippet.match;
    snippet.append(hit.snippet.before, match, hit.snippet.after);
    const where = document.createElement('span');
    where.className = 'corpus-where';
    where.textContent = 'doc ' + hit.doc + ', token ' + hit.position;
    li.append(similarity, ' ', snippet, ' ', where);
    return li;
  }

  async function refresh() {
    const sel = selection();
    if (!index || !sel) return;
    const key = JSON.stringify(sel);
    if (key === shown || key === pending) return;
    pending = key;
    try {
      const response = await fetch('/api/similar', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ text: sel.text, token: sel.token, layer: sel.layer, top: 5 }),
      });
      const answer = await response.json();
      if (pending !== key) return;
      shown = key;
      list.replaceChildren();
      if (!response.ok) {
        sub.textContent = answer.error || 'The corpus could not be searched.';
        return;
      }
      sub.textContent = 'Nearest of ' + index.tokens.toLocaleString() + ' token occurrences in ' + index.documents.toLocaleString()
        + ' documents, by the cosine of the residual stream leaving layer ' + answer.query.layer + '.';
      for (const hit of answer.hits) list.append(item(hit));
    } catch (e) {
      sub.textContent = 'The corpus could not be searched.';
    } finally {
      if (pending === key) pending = null;
    }
  }

  async function start() {
    try {
      const response = await fetch('/api/similar');
      const about = response.ok ? await response.json() : null;
      if (!about || !about.available) return; // no --index: the panel stays hidden
      index = about;
    } catch (e) {
      return;
    }
    panel.hidden = false;
    refresh();
    // The results page rewrites the address without a hashchange event, so look at it now and then.
    setInterval(refresh, 700);
    window.addEventListener('hashchange', refresh);
  }

  start();
})();
