/**
 * Small, dependency-free SVG charts that read well in a browser, a markdown preview or a text editor: line
 * charts (training curves, per-layer statistics) and grouped bar charts (per-layer comparisons).
 */
export interface Series {
  name: string;
  points: [number, number][];
  dashed?: boolean;
}

const COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const W = 640;
const H = 400;
const M = { left: 64, right: 16, top: 36, bottom: 52 };

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** About five round tick values spanning [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(+v.toPrecision(12));
  return ticks;
}

function fmtTick(v: number, log: boolean): string {
  if (log) return `1e${Math.round(v)}`;
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential(1);
  return String(+v.toPrecision(4));
}

function frame(title: string, xLabel: string, yLabel: string): string[] {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text transform="translate(16 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${
      esc(yLabel)
    }</text>`,
  ];
}

export function lineChart(opts: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  logY?: boolean;
  yRange?: [number, number];
}): string {
  const tf = (y: number) => (opts.logY ? Math.log10(Math.max(y, 1e-300)) : y);
  const all = opts.series.flatMap((s) => s.points).filter(([x, y]) =>
    Number.isFinite(x) && Number.isFinite(tf(y))
  );
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => tf(y));
  let [x0, x1] = [Math.min(...xs, 0), Math.max(...xs, 1)];
  let [y0, y1] = opts.yRange ? opts.yRange.map(tf) as [number, number] : [Math.min(...ys), Math.max(...ys)];
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  if (!opts.yRange) [y0, y1] = [y0 - pad, y1 + pad];
  const px = (x: number) => M.left + ((x - x0) / (x1 - x0)) * (W - M.left - M.right);
  const py = (y: number) => H - M.bottom - ((tf(y) - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const pyRaw = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out = frame(opts.title, opts.xLabel, opts.yLabel);
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${pyRaw(t)}" y2="${pyRaw(t)}" stroke="#ddd"/>`);
    out.push(
      `<text x="${M.left - 6}" y="${pyRaw(t) + 4}" text-anchor="end">${fmtTick(t, !!opts.logY)}</text>`,
    );
  }
  for (const t of niceTicks(x0, x1)) {
    out.push(
      `<line x1="${px(t)}" x2="${px(t)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#333"/>`,
    );
    out.push(`<text x="${px(t)}" y="${H - M.bottom + 18}" text-anchor="middle">${fmtTick(t, false)}</text>`);
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${
      H - M.top - M.bottom
    }" fill="none" stroke="#333"/>`,
  );
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(tf(y)));
    if (!pts.length) return;
    const d = pts.map(([x, y], k) => `${k ? "L" : "M"}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(" ");
    out.push(
      `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${
        s.dashed ? ' stroke-dasharray="6 4"' : ""
      }/>`,
    );
    if (pts.length <= 40) {
      for (const [x, y] of pts) {
        out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="2.5" fill="${color}"/>`);
      }
    }
  });
  legend(
    out,
    opts.series.map((s, i) => ({ name: s.name, color: COLORS[i % COLORS.length], dashed: s.dashed })),
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * The legend in the top right corner, as wide as its longest label (about 6.8 px per character at 12 px), on a
 * translucent white box so curves behind it stay visible but do not hide the text.
 */
function legend(
  out: string[],
  entries: { name: string; color: string; dashed?: boolean; box?: boolean }[],
): void {
  if (!entries.length) return;
  const width = 30 + Math.ceil(6.8 * Math.max(...entries.map((e) => e.name.length)));
  const x = Math.max(M.left, W - M.right - width);
  out.push(
    `<rect x="${x - 4}" y="${M.top}" width="${W - M.right - x + 4}" height="${16 * entries.length + 6}" ` +
      `fill="white" fill-opacity="0.8"/>`,
  );
  entries.forEach((e, i) => {
    const ly = M.top + 14 + 16 * i;
    out.push(
      e.box
        ? `<rect x="${x}" y="${ly - 10}" width="12" height="10" fill="${e.color}"/>`
        : `<line x1="${x}" x2="${x + 20}" y1="${ly - 4}" y2="${ly - 4}" stroke="${e.color}" stroke-width="2"${
          e.dashed ? ' stroke-dasharray="6 4"' : ""
        }/>`,
    );
    out.push(`<text x="${x + 26}" y="${ly}">${esc(e.name)}</text>`);
  });
}

export function barChart(opts: {
  title: string;
  yLabel: string;
  categories: string[];
  groups: { name: string; values: number[] }[];
}): string {
  const values = opts.groups.flatMap((g) => g.values).filter(Number.isFinite);
  let [y0, y1] = [Math.min(0, ...values), Math.max(0, ...values)];
  if (!(y1 > y0)) y1 = y0 + 1;
  y1 += (y1 - y0) * 0.08;
  const plotW = W - M.left - M.right;
  const slot = plotW / opts.categories.length;
  const barW = (slot * 0.8) / opts.groups.length;
  const py = (v: number) => H - M.bottom - ((v - y0) / (y1 - y0)) * (H - M.top - M.bottom);
  const out = frame(opts.title, "", opts.yLabel);
  for (const t of niceTicks(y0, y1)) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(t)}" y2="${py(t)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${fmtTick(t, false)}</text>`);
  }
  opts.categories.forEach((c, i) => {
    const x = M.left + slot * i + slot / 2;
    out.push(
      `<text transform="translate(${x} ${H - M.bottom + 12}) rotate(35)" font-size="10">${esc(c)}</text>`,
    );
  });
  opts.groups.forEach((g, gi) => {
    const color = COLORS[gi % COLORS.length];
    g.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      const x = M.left + slot * i + slot * 0.1 + barW * gi;
      const top = py(Math.max(v, 0));
      out.push(
        `<rect x="${x.toFixed(1)}" y="${top.toFixed(1)}" width="${barW.toFixed(1)}" height="${
          (Math.abs(py(v) - py(0))).toFixed(1)
        }" fill="${color}"/>`,
      );
    });
  });
  legend(out, opts.groups.map((g, gi) => ({ name: g.name, color: COLORS[gi % COLORS.length], box: true })));
  out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py(0)}" y2="${py(0)}" stroke="#333"/>`);
  out.push("</svg>");
  return out.join("\n") + "\n";
}

/**
 * A grid of conv filters [out, in, k, k] as pictures (the paper calls conv1's filters Gabor-like): RGB for 3
 * input channels, grey (the channel mean) otherwise; each filter scaled to its own range.
 */
export function filterGrid(title: string, weights: ArrayLike<number>, shape: readonly number[]): string {
  const [out, cin, k] = shape;
  const cols = Math.ceil(Math.sqrt(out));
  const rows = Math.ceil(out / cols);
  const cell = Math.max(4, Math.floor(480 / (cols * (k + 1))));
  const w = cols * (k + 1) * cell + 20;
  const h = rows * (k + 1) * cell + 50;
  const lines = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="12">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  const plane = k * k;
  for (let f = 0; f < out; f++) {
    const base = f * cin * plane;
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < cin * plane; i++) {
      lo = Math.min(lo, weights[base + i]);
      hi = Math.max(hi, weights[base + i]);
    }
    const norm = (v: number) => Math.round((255 * (v - lo)) / Math.max(hi - lo, 1e-12));
    const ox = 10 + (f % cols) * (k + 1) * cell;
    const oy = 36 + Math.floor(f / cols) * (k + 1) * cell;
    for (let y = 0; y < k; y++) {
      for (let x = 0; x < k; x++) {
        let r: number, g: number, b: number;
        if (cin === 3) {
          [r, g, b] = [0, 1, 2].map((c) => norm(weights[base + c * plane + y * k + x]));
        } else {
          let m = 0;
          for (let c = 0; c < cin; c++) m += weights[base + c * plane + y * k + x] / cin;
          r = g = b = norm(m);
        }
        lines.push(
          `<rect x="${ox + x * cell}" y="${
            oy + y * cell
          }" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})"/>`,
        );
      }
    }
  }
  lines.push("</svg>");
  return lines.join("\n") + "\n";
}
