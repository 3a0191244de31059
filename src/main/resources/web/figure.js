// A paper-ready figure of the current results page, as a standalone SVG (and PNG from it):
// the text with each result's weight as shading, and the ranked results as bars.
'use strict';

window.AttentionFigure = (() => {
  const NS = 'http://www.w3.org/2000/svg';
  const FONT = 'Helvetica, Arial, sans-serif';
  const WIDTH = 760, PAD = 28;
  const measure = document.createElement('canvas').getContext('2d');

  function node(tag, attrs, text) {
    const n = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
    if (text !== undefined) n.textContent = text;
    return n;
  }

  function textWidth(text, size, weight) {
    measure.font = `${weight || 'normal'} ${size}px ${FONT}`;
    return measure.measureText(text).width;
  }

  /** Blue shading from white (no weight) to deep blue (the page's top weight). */
  function shade(t) {
    const mix = (a, b) => Math.round(a + (b - a) * t);
    return `rgb(${mix(255, 66)},${mix(255, 133)},${mix(255, 244)})`;
  }

  function build({ model, tokens, page, view }) {
    const svg = node('svg', { xmlns: NS, 'font-family': FONT });
    const q = tokens[page.query];
    let y = PAD + 6;
    svg.append(node('text', { x: PAD, y: y + 14, 'font-size': 20, 'font-weight': 'bold', fill: '#202124' },
      `“${q.text}” (token ${page.query}): what its query finds`));
    y += 24;
    svg.append(node('text', { x: PAD, y: y + 14, 'font-size': 13, fill: '#5f6368' },
      `${model} · ${view} · ${page.keys} keys · effective results ${page.effectiveResults.toFixed(1)}`));
    y += 34;

    // The text, one box per token, shaded by its weight among the shown results.
    const weights = new Map(page.results.map((r) => [r.key, r.weight]));
    const top = page.results.length ? page.results[0].weight : 1;
    const size = 14, boxH = 24, gap = 4;
    let x = PAD;
    for (let i = 0; i < tokens.length; i++) {
      const label = tokens[i].text;
      const w = textWidth(label, size) + 10;
      if (x + w > WIDTH - PAD) {
        x = PAD;
        y += boxH + gap;
      }
      const weight = weights.get(i);
      const t = weight === undefined ? 0 : Math.sqrt(weight / top);
      svg.append(node('rect', { x, y, width: w, height: boxH, rx: 4, fill: shade(t),
        stroke: i === page.query ? '#d93025' : '#dadce0', 'stroke-width': i === page.query ? 2 : 1 }));
      svg.append(node('text', { x: x + 5, y: y + 16.5, 'font-size': size, fill: t > 0.6 ? '#ffffff' : '#202124',
        'font-weight': i === page.query ? 'bold' : 'normal' }, label));
      x += w + gap;
    }
    y += boxH + 30;

    // The ranked results as bars.
    svg.append(node('text', { x: PAD, y, 'font-size': 13, 'font-weight': 'bold', fill: '#202124' },
      `Top results (${page.measure || 'attention weight'}, on a scale from 0 to 1)`));
    y += 12;
    const labelW = 170, barX = PAD + labelW, barW = WIDTH - PAD - barX - 60, rowH = 22;
    for (const r of page.results) {
      const k = tokens[r.key];
      svg.append(node('text', { x: PAD, y: y + 15, 'font-size': 13, fill: '#1a0dab' }, `${r.rank}. ${k.text}`));
      svg.append(node('text', { x: PAD + labelW - 8, y: y + 15, 'font-size': 11, fill: '#5f6368', 'text-anchor': 'end' },
        `#${r.key}`));
      svg.append(node('rect', { x: barX, y: y + 4, width: barW, height: rowH - 8, fill: '#f1f3f4' }));
      svg.append(node('rect', { x: barX, y: y + 4, width: Math.max(1, barW * Math.min(1, r.weight)), height: rowH - 8, fill: '#4285f4' }));
      svg.append(node('text', { x: barX + barW + 8, y: y + 15, 'font-size': 12, fill: '#202124' }, r.weight.toFixed(3)));
      y += rowH;
    }
    y += PAD - 4;
    svg.setAttribute('width', WIDTH);
    svg.setAttribute('height', Math.ceil(y));
    svg.setAttribute('viewBox', `0 0 ${WIDTH} ${Math.ceil(y)}`);
    svg.prepend(node('rect', { x: 0, y: 0, width: WIDTH, height: Math.ceil(y), fill: '#ffffff' }));
    return svg;
  }

  function serialize(svg) {
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(svg) + '\n';
  }

  /** Draws the SVG on a canvas at `scale` times its size. */
  function toPng(svg, scale) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(new Blob([serialize(svg)], { type: 'image/svg+xml' }));
      const image = new Image();
      image.onload = () => {
        const canvas = document.createElement('canvas');
        canvas.width = Number(svg.getAttribute('width')) * scale;
        canvas.height = Number(svg.getAttribute('height')) * scale;
        const ctx = canvas.getContext('2d');
        ctx.scale(scale, scale);
        ctx.drawImage(image, 0, 0);
        URL.revokeObjectURL(url);
        canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('no image'))), 'image/png');
      };
      image.onerror = () => {
        URL.revokeObjectURL(url);
        reject(new Error('the figure did not load'));
      };
      image.src = url;
    });
  }

  return { build, serialize, toPng };
})();
