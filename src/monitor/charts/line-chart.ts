/**
 * A line chart as a standalone SVG string: x = step, one polyline per series, axes with nice
 * ticks and grid lines, a legend, optional dashed reference lines (e.g. d_acc's 0.5 chance
 * line). NaN values break the line and are marked with a red cross at the top of the plot.
 *
 * ```ts
 * const svg = renderLineChart({
 *   title: 'Critic d_acc',
 *   series: [{ label: 'd_acc', points: [{ step: 10, value: 0.62 }, { step: 20, value: 0.71 }] }],
 *   referenceLines: [{ value: 0.5, label: 'chance' }],
 * });
 * writeFileSync('d_acc.svg', svg);
 * ```
 */
import type { SeriesPoint } from '../metric-series.js';
import { formatTick, niceTicks } from './ticks.js';

export interface ChartSeries {
  label: string;
  points: readonly SeriesPoint[];
  /** CSS colour; default from the palette by position. */
  color?: string;
}

export interface ReferenceLine {
  value: number;
  label: string;
  /**
   * Widen the y axis to show the line wherever the data is. Default true; false shows it only
   * when the data comes near (within the data's span, or half its largest magnitude), so that a
   * far-away threshold does not flatten the curve.
   */
  extendAxis?: boolean;
}

export interface LineChartSpec {
  title: string;
  series: readonly ChartSeries[];
  referenceLines?: readonly ReferenceLine[];
  /** Default 'step'. */
  xLabel?: string;
  /** Pixels. Default 640 x 300. */
  width?: number;
  height?: number;
}

/** Colour-blind-safe palette (Okabe & Ito 2008). */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

const MARGIN = { left: 64, right: 20, top: 46, bottom: 42 };
/** Up to this many points per series, each point also gets a dot. */
const MAX_DOTS = 40;

/** Escapes text for SVG/HTML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const num = (x: number): string => String(Math.round(x * 100) / 100);

/** Whether `value` lies within the data's range widened by its span (at least half its largest magnitude) each way. */
function isNear(value: number, data: readonly number[]): boolean {
  if (data.length === 0) return false;
  const lo = Math.min(...data);
  const hi = Math.max(...data);
  const reach = Math.max(hi - lo, 0.5 * Math.max(Math.abs(lo), Math.abs(hi)));
  return value >= lo - reach && value <= hi + reach;
}

/** Renders the chart; throws if no series has a point. */
export function renderLineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 640;
  const height = spec.height ?? 300;
  const all = spec.series.flatMap((s) => s.points);
  if (all.length === 0) throw new Error(`renderLineChart: '${spec.title}' has no points`);
  const data = all.map((p) => p.value).filter(Number.isFinite);
  const references = (spec.referenceLines ?? []).filter((r) => (r.extendAxis ?? true) || isNear(r.value, data));
  const values = data.concat(references.map((r) => r.value));
  const steps = all.map((p) => p.step);
  const x = niceTicks(Math.min(...steps), Math.max(...steps));
  const y = values.length > 0 ? niceTicks(Math.min(...values), Math.max(...values)) : niceTicks(0, 1);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (step: number): number => MARGIN.left + ((step - x.min) / (x.max - x.min)) * plotW;
  const py = (value: number): number => MARGIN.top + plotH - ((value - y.min) / (y.max - y.min)) * plotH;
  const bottom = MARGIN.top + plotH;

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeXml(spec.title)}" font-family="system-ui, sans-serif" font-size="11">`);
  out.push(`<rect width="${width}" height="${height}" fill="#ffffff"/>`);
  out.push(`<text x="${MARGIN.left}" y="18" font-size="14" font-weight="600" fill="#222">${escapeXml(spec.title)}</text>`);

  // Grid, ticks and axes.
  for (const t of y.ticks) {
    const ty = num(py(t));
    out.push(`<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${ty}" y2="${ty}" stroke="#e5e5e5"/>`);
    out.push(`<text class="y-tick" x="${MARGIN.left - 6}" y="${ty}" text-anchor="end" dominant-baseline="middle" fill="#555">${formatTick(t, y.step)}</text>`);
  }
  for (const t of x.ticks) {
    const tx = num(px(t));
    out.push(`<line x1="${tx}" x2="${tx}" y1="${bottom}" y2="${bottom + 4}" stroke="#555"/>`);
    out.push(`<text class="x-tick" x="${tx}" y="${bottom + 16}" text-anchor="middle" fill="#555">${formatTick(t, x.step)}</text>`);
  }
  out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${bottom}" y2="${bottom}" stroke="#555"/>`);
  out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${bottom}" stroke="#555"/>`);
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 6}" text-anchor="middle" fill="#555">${escapeXml(spec.xLabel ?? 'step')}</text>`);

  for (const ref of references) {
    const ry = num(py(ref.value));
    out.push(`<line class="reference" data-value="${ref.value}" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${ry}" y2="${ry}" stroke="#888" stroke-dasharray="5 4"/>`);
    out.push(`<text x="${MARGIN.left + plotW - 4}" y="${num(py(ref.value) - 4)}" text-anchor="end" fill="#666">${escapeXml(ref.label)}</text>`);
  }

  spec.series.forEach((s, i) => {
    const color = s.color ?? PALETTE[i % PALETTE.length];
    const sorted = [...s.points].sort((a, b) => a.step - b.step);
    // One subpath per run of finite values: a NaN breaks the line.
    let d = '';
    let pen = false;
    for (const p of sorted) {
      if (!Number.isFinite(p.value)) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${num(px(p.step))},${num(py(p.value))}`;
      pen = true;
    }
    if (d !== '') out.push(`<path class="series" data-label="${escapeXml(s.label)}" d="${d}" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round"/>`);
    const finite = sorted.filter((p) => Number.isFinite(p.value));
    if (finite.length <= MAX_DOTS) for (const p of finite) out.push(`<circle cx="${num(px(p.step))}" cy="${num(py(p.value))}" r="2.5" fill="${color}"><title>${escapeXml(s.label)} @${p.step}: ${p.value}</title></circle>`);
    for (const p of sorted.filter((q) => !Number.isFinite(q.value))) {
      const cx = px(p.step);
      out.push(`<path class="nan" d="M${num(cx - 4)},${MARGIN.top}L${num(cx + 4)},${MARGIN.top + 8}M${num(cx + 4)},${MARGIN.top}L${num(cx - 4)},${MARGIN.top + 8}" stroke="#d00" stroke-width="2"><title>${escapeXml(s.label)} is NaN at step ${p.step}</title></path>`);
    }
    // Legend: one row across the top, right of the title's line.
    const lx = MARGIN.left + i * Math.min(150, plotW / Math.max(1, spec.series.length));
    out.push(`<rect x="${num(lx)}" y="28" width="12" height="4" fill="${color}"/><text class="legend" x="${num(lx + 16)}" y="33" fill="#333">${escapeXml(s.label)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
