// Hand-written SVG line chart: median load time against element count, both
// axes logarithmic, one line per tool.

import { formatCount } from './workloads.mjs';

const WIDTH = 640;
const HEIGHT = 400;
const MARGIN = { top: 40, right: 24, bottom: 48, left: 72 };
const COLORS = { nft: '#d62728', gonft: '#1f77b4', floor: '#555555', nftset: '#2ca02c', 'nftset-file': '#98df8a' };
const FALLBACK_COLORS = ['#9467bd', '#8c564b', '#e377c2', '#bcbd22'];

function escapeXml(text) {
  return String(text).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);
}

/** Returns a function that maps [min, max] onto [from, to] on a log10 scale. */
function logScale(min, max, from, to) {
  const span = Math.log10(max) - Math.log10(min);
  return (value) => from + ((Math.log10(value) - Math.log10(min)) / span) * (to - from);
}

function decades(min, max) {
  const ticks = [];
  for (let exponent = Math.floor(Math.log10(min)); 10 ** exponent <= max; exponent++) {
    ticks.push(10 ** exponent);
  }
  return ticks;
}

function formatMsTick(ms) {
  return ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`;
}

/**
 * Renders `series` ([{ tool, label, points: [{ count, ms }] }]) as an SVG
 * document with the given title.
 */
export function renderLoadChart(series, title) {
  const points = series.flatMap((s) => s.points);
  if (points.length === 0) {
    throw new Error('the chart needs at least one measured point');
  }
  const xMin = 10 ** Math.floor(Math.log10(Math.min(...points.map((p) => p.count))));
  const xMax = 10 ** Math.ceil(Math.log10(Math.max(...points.map((p) => p.count))));
  const yMin = 10 ** Math.floor(Math.log10(Math.min(...points.map((p) => p.ms))));
  const yMax = 10 ** Math.ceil(Math.log10(Math.max(...points.map((p) => p.ms))));
  const x = logScale(xMin, xMax, MARGIN.left, WIDTH - MARGIN.right);
  const y = logScale(yMin, yMax, HEIGHT - MARGIN.bottom, MARGIN.top);

  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" ` +
      `viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="white"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="14">${escapeXml(title)}</text>`,
  ];

  for (const tick of decades(xMin, xMax)) {
    const px = x(tick).toFixed(1);
    parts.push(
      `<line x1="${px}" y1="${MARGIN.top}" x2="${px}" y2="${HEIGHT - MARGIN.bottom}" stroke="#ddd"/>`,
      `<text x="${px}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle">${formatCount(tick)}</text>`,
    );
  }
  for (const tick of decades(yMin, yMax)) {
    const py = y(tick).toFixed(1);
    parts.push(
      `<line x1="${MARGIN.left}" y1="${py}" x2="${WIDTH - MARGIN.right}" y2="${py}" stroke="#ddd"/>`,
      `<text x="${MARGIN.left - 8}" y="${py}" dy="4" text-anchor="end">${formatMsTick(tick)}</text>`,
    );
  }
  parts.push(
    `<text x="${(MARGIN.left + WIDTH - MARGIN.right) / 2}" y="${HEIGHT - 10}" ` +
      `text-anchor="middle">elements in one transaction (log scale)</text>`,
    `<text transform="translate(16 ${(MARGIN.top + HEIGHT - MARGIN.bottom) / 2}) rotate(-90)" ` +
      `text-anchor="middle">median wall time (log scale)</text>`,
  );

  series.forEach((s, index) => {
    const color = COLORS[s.tool] ?? FALLBACK_COLORS[index % FALLBACK_COLORS.length];
    const sorted = [...s.points].sort((a, b) => a.count - b.count);
    const path = sorted.map((p) => `${x(p.count).toFixed(1)},${y(p.ms).toFixed(1)}`).join(' ');
    parts.push(`<polyline points="${path}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const p of sorted) {
      parts.push(`<circle cx="${x(p.count).toFixed(1)}" cy="${y(p.ms).toFixed(1)}" r="3.5" fill="${color}"/>`);
    }
    const legendY = MARGIN.top + 12 + index * 18;
    parts.push(
      `<line x1="${MARGIN.left + 12}" y1="${legendY}" x2="${MARGIN.left + 36}" y2="${legendY}" ` +
        `stroke="${color}" stroke-width="2"/>`,
      `<text x="${MARGIN.left + 42}" y="${legendY}" dy="4">${escapeXml(s.label)}</text>`,
    );
  });

  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
