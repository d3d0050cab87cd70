// A picture of one node's memory as a standalone SVG document (`--format svg` of `explain` and
// `simulate`; `node-html.ts` inlines the same drawing in a page).
//
//   title, notes, legend
//   node   [ allocatable ............................ | kube | system | eviction ]   one byte scale
//   requests of scheduled pods, stacked                                            on every row
//   limits of scheduled pods, stacked
//   one row per pod: request (solid) inside limit (outline; dashed to capacity when unbounded),
//     then one thin row per container, labelled with its oom_score_adj (and its OOM-kill rank)
//
// Every bar shares one byte scale: capacity spans the bar area, so a pod's request reads directly
// against allocatable. Bars larger than the node are clamped at capacity and marked with an arrow.
// Colours are the Okabe–Ito palette (safe for the common colour-vision deficiencies), and every
// QoS class, rank and value is also written as text. Pure: strings in, a string out; all text is
// escaped for XML, so hostile names cannot inject markup.
import { formatBytes } from '../core/quantity.js';

export type PictureQos = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface PictureContainer {
  name: string;
  type: 'container' | 'init' | 'sidecar';
  memoryRequest: bigint | null;
  memoryLimit: bigint | null;
  oomScoreAdj: number;
  /** simulate only */
  usage?: bigint;
  /** 1 = killed first by the kernel (simulate only). */
  oomKillRank?: number;
  /** Usage above its own limit (simulate only). */
  memcgOom?: boolean;
}

export interface PicturePod {
  namespace: string | null;
  /** Workload name. */
  name: string;
  /** Deployment, Pod, ... */
  kind: string;
  qosClass: PictureQos;
  /** The pod's effective request. */
  memoryRequest: bigint | null;
  /** The pod's limit (null: unbounded). */
  memoryLimit: bigint | null;
  /** 1 = evicted first (simulate only). */
  evictionRank?: number;
  /** false: the scheduler would refuse it (simulate), drawn greyed. */
  placed?: boolean;
  containers: PictureContainer[];
}

export interface NodePicture {
  /** e.g. "oomguard explain k8s/ — node gke:16Gi" */
  title: string;
  node: {
    /** Node name or a description ("16Gi (--node-memory)"). */
    name: string;
    capacity: bigint;
    /** null when unknown */
    systemReserved: bigint | null;
    /**
     * null when unknown (e.g. Node objects give only capacity and allocatable: then the
     * reservations are shown as one combined band "reserved + eviction" = capacity − allocatable).
     */
    kubeReserved: bigint | null;
    evictionHard: bigint | null;
    allocatable: bigint | null;
    /** One line: where the numbers come from (preset formula, Node object, flag). */
    source: string;
  };
  pods: PicturePod[];
  /** Optional lines under the title (e.g. simulation summary: "eviction starts at 14.2Gi; 3 pods evicted"). */
  notes?: string[];
}

// ---------------------------------------------------------------------------------------------
// Text

const INVALID_XML_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Text made safe for XML and HTML character data and quoted attribute values: the five special
 * characters become entities, and characters XML 1.0 forbids (control characters, lone
 * surrogates, U+FFFE/U+FFFF) become U+FFFD.
 */
export function escapeXml(text: string): string {
  return text.replace(INVALID_XML_CHARS, '\uFFFD').replace(/[&<>"']/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      default:
        return '&#39;';
    }
  });
}

/** Line breaks and tabs as spaces: every label is one line. */
export function oneLineText(text: string): string {
  return text.replace(/[\r\n\t\u2028\u2029]+/g, ' ');
}

/** At most `max` code points, the last one an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

const GI = 1n << 30n;
const MI = 1n << 20n;
const KI = 1n << 10n;

/**
 * Bytes for a reader: formatBytes's exact form ("512Mi", "16Gi"), and when that is plain bytes
 * (a measured usage, a computed threshold) an approximation beside it: "1395864371 (≈1.30Gi)".
 */
export function bytesText(bytes: bigint): string {
  const exact = formatBytes(bytes);
  if (!/^-?[0-9]+$/.test(exact)) return exact;
  const abs = bytes < 0n ? -bytes : bytes;
  if (abs < KI) return exact;
  const [unit, size] = abs >= GI ? ['Gi', GI] : abs >= MI ? ['Mi', MI] : ['Ki', KI];
  const value = Number((abs * 100n) / size) / 100;
  return `${exact} (≈${bytes < 0n ? '-' : ''}${value.toFixed(2)}${unit})`;
}

/** Short form for tight places: exact when formatBytes gives units, else the approximation alone. */
export function bytesShort(bytes: bigint): string {
  const text = bytesText(bytes);
  const approx = /\(≈([^)]*)\)$/.exec(text);
  return approx ? `≈${approx[1]}` : text;
}

export const QOS_CLASSES: readonly PictureQos[] = ['Guaranteed', 'Burstable', 'BestEffort'];

/** What each QoS class means for the kubelet and the kernel, in a few words (legends). */
export const QOS_MEANING: Readonly<Record<PictureQos, string>> = {
  Guaranteed: 'requests = limits; killed last',
  Burstable: 'some requests; killed by request',
  BestEffort: 'no requests or limits; killed first',
};

/** Okabe–Ito colours, one per QoS class, for light and dark backgrounds. */
export const QOS_COLOURS: Readonly<Record<PictureQos, { light: string; dark: string }>> = {
  Guaranteed: { light: '#0072B2', dark: '#56B4E9' },
  Burstable: { light: '#E69F00', dark: '#E69F00' },
  BestEffort: { light: '#D55E00', dark: '#FF7A33' },
};

export const QOS_CSS_CLASS: Readonly<Record<PictureQos, string>> = {
  Guaranteed: 'og-q-guaranteed',
  Burstable: 'og-q-burstable',
  BestEffort: 'og-q-besteffort',
};

/** "Deployment monitoring/prometheus", or "Pod web" without a namespace. */
export function podLabel(pod: Pick<PicturePod, 'kind' | 'namespace' | 'name'>): string {
  const where = pod.namespace === null ? pod.name : `${pod.namespace}/${pod.name}`;
  return pod.kind === '' ? where : `${pod.kind} ${where}`;
}

// ---------------------------------------------------------------------------------------------
// The node's bands

export type BandKey = 'allocatable' | 'kube-reserved' | 'system-reserved' | 'reserved' | 'eviction' | 'unknown';

export interface NodeBand {
  key: BandKey;
  label: string;
  bytes: bigint;
}

/**
 * The node bar from left to right: allocatable (pods are scheduled into it), kube-reserved,
 * system-reserved, then the hard eviction threshold at the far end (the kubelet evicts once free
 * memory falls into it, i.e. once use passes capacity − evictionHard). Reservations that are not
 * known separately become one band, "reserved + eviction" (or "reserved" when the eviction
 * threshold is known). Without allocatable, what the known reservations leave is "not reserved
 * (allocatable unknown)". Bands are clamped so that they never add up to more than capacity.
 */
export function nodeBands(node: NodePicture['node']): NodeBand[] {
  const cap = node.capacity > 0n ? node.capacity : 0n;
  const nonNeg = (v: bigint | null) => (v === null ? null : v < 0n ? 0n : v);
  const kube = nonNeg(node.kubeReserved);
  const system = nonNeg(node.systemReserved);
  const eviction = nonNeg(node.evictionHard);
  const allocatable = nonNeg(node.allocatable);
  const known = (kube ?? 0n) + (system ?? 0n) + (eviction ?? 0n);
  const bands: NodeBand[] = [];
  if (allocatable !== null) {
    bands.push({ key: 'allocatable', label: 'allocatable', bytes: allocatable });
    const rest = cap - allocatable - known;
    if (kube !== null) bands.push({ key: 'kube-reserved', label: 'kube-reserved', bytes: kube });
    if (system !== null) bands.push({ key: 'system-reserved', label: 'system-reserved', bytes: system });
    if (rest > 0n) {
      const label =
        kube === null && system === null
          ? eviction === null
            ? 'reserved + eviction'
            : 'reserved'
          : eviction === null && kube !== null && system !== null
            ? 'eviction (unknown)'
            : 'reserved (not itemised)';
      bands.push({ key: 'reserved', label, bytes: rest });
    }
    if (eviction !== null) bands.push({ key: 'eviction', label: 'eviction threshold', bytes: eviction });
  } else {
    const rest = cap - known;
    if (rest > 0n) {
      bands.push({ key: 'unknown', label: known === 0n ? 'capacity (allocatable unknown)' : 'not reserved (allocatable unknown)', bytes: rest });
    }
    if (kube !== null) bands.push({ key: 'kube-reserved', label: 'kube-reserved', bytes: kube });
    if (system !== null) bands.push({ key: 'system-reserved', label: 'system-reserved', bytes: system });
    if (eviction !== null) bands.push({ key: 'eviction', label: 'eviction threshold', bytes: eviction });
  }
  return bands.filter((b) => b.bytes > 0n);
}

/** Where eviction starts: node memory use above capacity − evictionHard. Null when unknown. */
export function evictionStart(node: NodePicture['node']): bigint | null {
  return node.evictionHard === null ? null : node.capacity - node.evictionHard;
}

// ---------------------------------------------------------------------------------------------
// Layout

/** The drawing's width in user units (CSS pixels at 100%). */
export const SVG_WIDTH = 1180;
const PAD = 16;
const LABEL_X = PAD;
const LABEL_CHARS = 38;
const META_CHARS = 46;
/** The byte scale: 0 at BAR_X, capacity at BAR_X + BAR_W. */
export const BAR_X = 312;
export const BAR_W = 540;
const BAR_END = BAR_X + BAR_W;
const INFO_X = BAR_END + 26;
const BADGE_W = 66;
const INFO_CHARS = 30;

const POD_ROW = 34;
const CONTAINER_ROW = 18;
const POD_GAP = 8;
/** Pods between repeats of the scale's labels. */
const AXIS_EVERY = 15;

const FONT = "system-ui, -apple-system, 'Segoe UI', 'DejaVu Sans', 'Liberation Sans', Arial, sans-serif";

/** Numbers in attributes: at most two decimals, no trailing zeros. */
function num(n: number): string {
  return String(Math.round(n * 100) / 100);
}

/** Bytes → offset from BAR_X, clamped to the bar area. */
function px(bytes: bigint, capacity: bigint): number {
  if (bytes <= 0n || capacity <= 0n) return 0;
  if (bytes >= capacity) return BAR_W;
  return (Number((bytes * 1_000_000n) / capacity) / 1_000_000) * BAR_W;
}

type Attrs = Record<string, string | number | undefined>;

function attrs(a: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    out += ` ${k}="${escapeXml(typeof v === 'number' ? num(v) : v)}"`;
  }
  return out;
}

function tag(name: string, a: Attrs, content?: string): string {
  return content === undefined ? `<${name}${attrs(a)}/>` : `<${name}${attrs(a)}>${content}</${name}>`;
}

function tooltip(text: string): string {
  return `<title>${escapeXml(oneLineText(text))}</title>`;
}

/** A rect with an optional tooltip. */
function rect(a: Attrs, title?: string): string {
  return title === undefined ? tag('rect', a) : tag('rect', a, tooltip(title));
}

function text(x: number, y: number, content: string, a: Attrs = {}): string {
  return tag('text', { x, y, ...a }, escapeXml(oneLineText(content)));
}

const LIGHT = {
  bg: '#ffffff',
  fg: '#1b1f24',
  muted: '#57606a',
  stripe: '#f3f5f7',
  grid: '#d5dae0',
  guide: '#57606a',
  allocatable: '#d8e2ea',
  kube: '#9aa6b2',
  system: '#6e7b88',
  reserved: '#8a96a3',
  unknown: '#e4e4e4',
  eviction: '#3d4650',
  unplaced: '#a0a0a0',
  usage: '#1b1f24',
  badgeBg: '#1b1f24',
  badgeFg: '#ffffff',
};
const DARK = {
  bg: '#15181d',
  fg: '#e6e8eb',
  muted: '#a4adb7',
  stripe: '#1d2127',
  grid: '#343a42',
  guide: '#a4adb7',
  allocatable: '#34414e',
  kube: '#5f6b78',
  system: '#7d8a97',
  reserved: '#6c7885',
  unknown: '#3a3a3a',
  eviction: '#c3cad2',
  unplaced: '#6a6a6a',
  usage: '#f3f4f6',
  badgeBg: '#e6e8eb',
  badgeFg: '#15181d',
};

const BAND_COLOUR: Readonly<Record<BandKey, keyof typeof LIGHT>> = {
  allocatable: 'allocatable',
  'kube-reserved': 'kube',
  'system-reserved': 'system',
  reserved: 'reserved',
  eviction: 'eviction',
  unknown: 'unknown',
};

/** The drawing's stylesheet: classes carry the colours (the attributes repeat the light ones for viewers without CSS). */
function styleSheet(): string {
  const rules = (c: typeof LIGHT, q: 'light' | 'dark') =>
    [
      `.og-bg{fill:${c.bg}}`,
      `.og-t{fill:${c.fg}}`,
      `.og-m{fill:${c.muted}}`,
      `.og-stripe{fill:${c.stripe}}`,
      `.og-grid{stroke:${c.grid}}`,
      `.og-guide{stroke:${c.guide}}`,
      `.og-guide-t{fill:${c.guide}}`,
      ...Object.entries(BAND_COLOUR).map(([k, v]) => `.og-band-${k}{fill:${c[v]}}`),
      `.og-hatch-bg{fill:${c.bg}}`,
      `.og-hatch-line{stroke:${c.eviction}}`,
      `.og-band-eviction{fill:url(#og-hatch)}`,
      `.og-band-outline{stroke:${c.fg}}`,
      `.og-usage{fill:${c.usage}}`,
      `.og-overflow{fill:${c.fg}}`,
      `.og-badge{fill:${c.badgeBg}}`,
      `.og-badge-t{fill:${c.badgeFg}}`,
      `.og-badge-o{fill:${c.bg};stroke:${c.fg}}`,
      `.og-badge-ot{fill:${c.fg}}`,
      ...QOS_CLASSES.map((k) => `.${QOS_CSS_CLASS[k]}{fill:${QOS_COLOURS[k][q]};stroke:${QOS_COLOURS[k][q]}}`),
      `.og-unplaced{fill:${c.unplaced};stroke:${c.unplaced}}`,
    ].join('');
  return `<style>${rules(LIGHT, 'light')}@media (prefers-color-scheme: dark){${rules(DARK, 'dark')}}</style>`;
}

interface Sink {
  parts: string[];
  y: number;
  /** Drawn first, under the grid: the pods' alternating row backgrounds. */
  back?: string[];
}

/** Axis step: the smallest power of two with at most 8 steps across capacity (labels stay exact). */
function axisStep(capacity: bigint): bigint {
  let step = 1n;
  while (capacity / step > 8n) step *= 2n;
  return step;
}

function legend(s: Sink): void {
  const y = s.y;
  let x = PAD;
  s.parts.push(text(x, y + 11, 'QoS class:', { class: 'og-t', fill: LIGHT.fg, 'font-weight': 600 }));
  x += 72;
  for (const q of QOS_CLASSES) {
    s.parts.push(rect({ x, y, width: 14, height: 14, rx: 2, class: QOS_CSS_CLASS[q], fill: QOS_COLOURS[q].light, 'data-role': 'legend-qos', 'data-qos': q }));
    const words = `${q} (${QOS_MEANING[q]})`;
    s.parts.push(text(x + 19, y + 11, words, { class: 'og-t', fill: LIGHT.fg }));
    x += 19 + words.length * 6.4 + 18;
  }
  const y2 = y + 22;
  x = PAD;
  const q = QOS_CSS_CLASS.Burstable;
  const colour = QOS_COLOURS.Burstable.light;
  s.parts.push(rect({ x, y: y2 + 3, width: 28, height: 8, class: q, fill: colour }));
  s.parts.push(text(x + 33, y2 + 11, 'request (solid)', { class: 'og-t', fill: LIGHT.fg }));
  x += 33 + 100;
  s.parts.push(rect({ x, y: y2, width: 28, height: 14, class: q, fill: colour, 'fill-opacity': 0.22, 'stroke-width': 1.5, stroke: colour }));
  s.parts.push(text(x + 33, y2 + 11, 'limit (outline)', { class: 'og-t', fill: LIGHT.fg }));
  x += 33 + 96;
  s.parts.push(rect({ x, y: y2, width: 28, height: 14, class: q, fill: colour, 'fill-opacity': 0.08, 'stroke-width': 1.5, stroke: colour, 'stroke-dasharray': '5 3' }));
  s.parts.push(text(x + 33, y2 + 11, 'no limit (dashed, up to capacity)', { class: 'og-t', fill: LIGHT.fg }));
  x += 33 + 205;
  s.parts.push(rect({ x, y: y2 + 5, width: 28, height: 4, class: 'og-usage', fill: LIGHT.usage }));
  s.parts.push(text(x + 33, y2 + 11, 'usage', { class: 'og-t', fill: LIGHT.fg }));
  x += 33 + 50;
  s.parts.push(overflowMarker(x, y2 + 7, 'larger than the node: clamped'));
  s.parts.push(text(x + 16, y2 + 11, 'larger than the node', { class: 'og-t', fill: LIGHT.fg }));
  x += 16 + 132;
  s.parts.push(rect({ x, y: y2, width: 28, height: 14, class: 'og-unplaced', fill: LIGHT.unplaced, 'fill-opacity': 0.5 }));
  s.parts.push(text(x + 33, y2 + 11, 'not scheduled', { class: 'og-t', fill: LIGHT.fg }));
  s.y = y2 + 14;
}

/** A right-pointing arrow just past capacity, centred on y. */
function overflowMarker(x: number, y: number, title: string): string {
  const points = `${num(x)},${num(y - 6)} ${num(x + 11)},${num(y)} ${num(x)},${num(y + 6)}`;
  return tag('polygon', { points, class: 'og-overflow', fill: LIGHT.fg, 'data-role': 'overflow' }, tooltip(title));
}

/** Width of a rank badge: wide enough for its label ("evict #100"). */
function badgeWidth(label: string): number {
  return Math.max(BADGE_W - 6, label.length * 7 + 10);
}

function badge(x: number, yMid: number, label: string, kind: 'evict' | 'kill'): string {
  const filled = kind === 'evict';
  const width = badgeWidth(label);
  return tag(
    'g',
    { 'data-role': kind === 'evict' ? 'evict-rank' : 'kill-rank' },
    [
      rect({
        x,
        y: yMid - 8,
        width,
        height: 16,
        rx: 8,
        class: filled ? 'og-badge' : 'og-badge-o',
        fill: filled ? LIGHT.badgeBg : LIGHT.bg,
        stroke: filled ? undefined : LIGHT.fg,
        'stroke-width': filled ? undefined : 1.2,
      }),
      text(x + width / 2, yMid + 4, label, {
        class: filled ? 'og-badge-t' : 'og-badge-ot',
        fill: filled ? LIGHT.badgeFg : LIGHT.fg,
        'text-anchor': 'middle',
        'font-size': 11,
        'font-weight': 700,
      }),
    ].join(''),
  );
}

interface BarSpec {
  y: number;
  height: number;
  request: bigint | null;
  limit: bigint | null;
  qos: PictureQos;
  placed: boolean;
  role: 'pod' | 'container';
  index: string;
  what: string;
}

/** Limit outline (dashed to capacity when unbounded), request inside it, overflow arrows. */
function requestLimitBars(s: Sink, b: BarSpec, capacity: bigint): void {
  const cls = b.placed ? QOS_CSS_CLASS[b.qos] : 'og-unplaced';
  const colour = b.placed ? QOS_COLOURS[b.qos].light : LIGHT.unplaced;
  const limitText = b.limit === null ? 'no limit' : `limit ${bytesText(b.limit)}`;
  const requestText = b.request === null ? 'no request' : `request ${bytesText(b.request)}`;
  const title = `${b.what}: ${requestText}, ${limitText}`;
  const limitW = b.limit === null ? BAR_W : px(b.limit, capacity);
  if (b.limit === null || b.limit > 0n) {
    s.parts.push(
      rect(
        {
          x: BAR_X,
          y: b.y,
          width: limitW,
          height: b.height,
          class: cls,
          fill: colour,
          stroke: colour,
          'fill-opacity': b.limit === null ? 0.08 : 0.22,
          'stroke-width': 1.5,
          'stroke-dasharray': b.limit === null ? '5 3' : undefined,
          'data-role': `${b.role}-limit`,
          'data-index': b.index,
          'data-bytes': b.limit === null ? 'unbounded' : b.limit.toString(),
        },
        title,
      ),
    );
  }
  const inner = Math.max(4, Math.round(b.height * 0.5));
  if (b.request !== null && b.request > 0n) {
    s.parts.push(
      rect(
        {
          x: BAR_X,
          y: b.y + (b.height - inner) / 2,
          width: px(b.request, capacity),
          height: inner,
          class: cls,
          fill: colour,
          'stroke-width': 0,
          'data-role': `${b.role}-request`,
          'data-index': b.index,
          'data-bytes': b.request.toString(),
        },
        title,
      ),
    );
  }
  const over = (b.limit !== null && b.limit > capacity) || (b.request !== null && b.request > capacity);
  if (over) {
    const biggest = b.limit !== null && b.limit > capacity ? b.limit : (b.request as bigint);
    s.parts.push(overflowMarker(BAR_END + 3, b.y + b.height / 2, `${b.what}: ${bytesText(biggest)}, more than the node's capacity ${bytesText(capacity)}`));
  }
}

/** Stacked bars of the scheduled pods' requests or limits (one segment per pod, coloured by QoS). */
function totalsRow(s: Sink, pods: PicturePod[], which: 'request' | 'limit', capacity: bigint, allocatable: bigint | null): void {
  const y = s.y;
  const h = 16;
  const placed = pods.filter((p) => p.placed !== false);
  let sum = 0n;
  let unbounded = 0;
  let missing = 0;
  const label = which === 'request' ? 'Requests of scheduled pods' : 'Limits of scheduled pods';
  s.parts.push(text(LABEL_X, y + 12, label, { class: 'og-t', fill: LIGHT.fg, 'font-weight': 600 }));
  s.parts.push(rect({ x: BAR_X, y, width: BAR_W, height: h, class: 'og-stripe', fill: LIGHT.stripe }));
  for (const [i, p] of placed.entries()) {
    const v = which === 'request' ? p.memoryRequest : p.memoryLimit;
    if (v === null) {
      if (which === 'limit') unbounded++;
      else missing++;
      continue;
    }
    if (v <= 0n) continue;
    const x0 = px(sum, capacity);
    sum += v;
    const x1 = px(sum, capacity);
    if (x1 > x0) {
      s.parts.push(
        rect(
          {
            x: BAR_X + x0,
            y: y + (which === 'request' ? 3 : 0),
            width: x1 - x0,
            height: which === 'request' ? h - 6 : h,
            class: QOS_CSS_CLASS[p.qosClass],
            fill: QOS_COLOURS[p.qosClass].light,
            stroke: which === 'request' ? undefined : QOS_COLOURS[p.qosClass].light,
            'fill-opacity': which === 'request' ? undefined : 0.22,
            'stroke-width': which === 'request' ? 0 : 1,
            'data-role': `total-${which}`,
            'data-index': String(i),
            'data-bytes': v.toString(),
          },
          `${podLabel(p)}: ${which} ${bytesText(v)}`,
        ),
      );
    }
  }
  if (sum > capacity) s.parts.push(overflowMarker(BAR_END + 3, y + h / 2, `${label}: ${bytesText(sum)}, more than the node's capacity ${bytesText(capacity)}`));
  let info = `${bytesShort(sum)}`;
  if (which === 'request' && allocatable !== null && allocatable > 0n) {
    info += ` = ${Number((sum * 1000n) / allocatable) / 10}% of allocatable`;
  }
  if (which === 'limit' && unbounded > 0) info += ` + ${unbounded} unbounded`;
  if (which === 'request' && missing > 0) info += ` (${missing} without)`;
  s.parts.push(text(INFO_X, y + 12, truncate(info, 46), { class: 'og-t', fill: LIGHT.fg }));
  s.y = y + h;
}

/** Widths of the rank-badge columns (0 when nothing is ranked), so that the text after them lines up. */
interface RankColumns {
  evict: number;
  kill: number;
}

function rankColumns(pods: PicturePod[]): RankColumns {
  let evict = 0;
  let kill = 0;
  for (const p of pods) {
    if (p.evictionRank !== undefined) evict = Math.max(evict, badgeWidth(`evict #${p.evictionRank}`) + 6);
    for (const c of p.containers) if (c.oomKillRank !== undefined) kill = Math.max(kill, badgeWidth(`kill #${c.oomKillRank}`) + 6);
  }
  return { evict, kill };
}

function podRow(s: Sink, pod: PicturePod, index: number, capacity: bigint, ranks: RankColumns): void {
  const top = s.y;
  const height = POD_ROW + pod.containers.length * CONTAINER_ROW + POD_GAP;
  const placed = pod.placed !== false;
  const parts: string[] = [];
  const sink: Sink = { parts, y: top };
  if (index % 2 === 0) s.back?.push(rect({ x: 0, y: top - POD_GAP / 2, width: SVG_WIDTH, height, class: 'og-stripe', fill: LIGHT.stripe }));
  const label = podLabel(pod);
  const name = pod.namespace === null ? pod.name : `${pod.namespace}/${pod.name}`;
  parts.push(text(LABEL_X, top + 13, truncate(name, LABEL_CHARS), { class: 'og-t', fill: LIGHT.fg, 'font-weight': 700, 'data-role': 'pod-name' }));
  const meta = [pod.kind, pod.qosClass, ...(placed ? [] : ['not scheduled'])].filter((m) => m !== '').join(' · ');
  parts.push(text(LABEL_X, top + 28, truncate(meta, META_CHARS), { class: 'og-m', fill: LIGHT.muted, 'font-size': 11, 'data-role': 'pod-meta' }));
  requestLimitBars(sink, { y: top + 4, height: 22, request: pod.memoryRequest, limit: pod.memoryLimit, qos: pod.qosClass, placed, role: 'pod', index: String(index), what: label }, capacity);
  const infoX = INFO_X + ranks.evict;
  if (pod.evictionRank !== undefined) parts.push(badge(INFO_X, top + 15, `evict #${pod.evictionRank}`, 'evict'));
  const req = pod.memoryRequest === null ? 'no request' : `req ${bytesShort(pod.memoryRequest)}`;
  const lim = pod.memoryLimit === null ? 'no limit' : `lim ${bytesShort(pod.memoryLimit)}`;
  parts.push(text(infoX, top + 19, truncate(`${req} · ${lim}`, INFO_CHARS), { class: 'og-t', fill: LIGHT.fg, 'data-role': 'pod-values' }));
  for (const [ci, c] of pod.containers.entries()) {
    const y = top + POD_ROW + ci * CONTAINER_ROW;
    const type = c.type === 'container' ? '' : ` (${c.type})`;
    parts.push(text(LABEL_X + 12, y + 11, `└ ${truncate(c.name, LABEL_CHARS - 4 - type.length)}${type}`, { class: 'og-m', fill: LIGHT.muted, 'font-size': 11, 'data-role': 'container-name' }));
    requestLimitBars(sink, { y: y + 2, height: 10, request: c.memoryRequest, limit: c.memoryLimit, qos: pod.qosClass, placed, role: 'container', index: `${index}.${ci}`, what: `${label}, container ${c.name}` }, capacity);
    if (c.usage !== undefined) {
      const w = px(c.usage, capacity);
      parts.push(
        rect(
          { x: BAR_X, y: y + 13, width: Math.max(w, 1), height: 3, class: 'og-usage', fill: LIGHT.usage, 'data-role': 'container-usage', 'data-index': `${index}.${ci}`, 'data-bytes': c.usage.toString() },
          `${label}, container ${c.name}: usage ${bytesText(c.usage)}${c.memcgOom ? ' (over its own limit)' : ''}`,
        ),
      );
      if (c.usage > capacity) parts.push(overflowMarker(BAR_END + 3, y + 14, `usage ${bytesText(c.usage)}, more than the node's capacity`));
    }
    const x = INFO_X + ranks.kill;
    if (c.oomKillRank !== undefined) parts.push(badge(INFO_X, y + 8, `kill #${c.oomKillRank}`, 'kill'));
    const note = c.memcgOom ? ' · over its limit' : '';
    parts.push(
      text(x, y + 12, `oom_score_adj ${c.oomScoreAdj}${note}`, { class: 'og-t', fill: LIGHT.fg, 'font-size': 11, 'data-role': 'oom-score-adj', 'data-index': `${index}.${ci}` }),
    );
  }
  s.parts.push(tag('g', { 'data-role': 'pod', 'data-index': String(index), 'data-qos': pod.qosClass, opacity: placed ? undefined : 0.6 }, parts.join('')));
  s.y = top + height;
}

export interface SvgOptions {
  /** Draw the title and the notes (default true; a page that shows them itself turns them off). */
  heading?: boolean;
}

/** The drawing as an `<svg>` element (no XML declaration): for inlining in HTML. */
export function nodeSvgElement(picture: NodePicture, options: SvgOptions = {}): string {
  const node = picture.node;
  const capacity = node.capacity > 0n ? node.capacity : 1n;
  const s: Sink = { parts: [], y: PAD, back: [] };
  const p = s.parts;

  if (options.heading !== false) {
    s.y += 18;
    p.push(text(PAD, s.y, truncate(picture.title, 110), { class: 'og-t', fill: LIGHT.fg, 'font-size': 18, 'font-weight': 700, 'data-role': 'title' }));
    for (const note of picture.notes ?? []) {
      s.y += 19;
      p.push(text(PAD, s.y, truncate(note, 150), { class: 'og-m', fill: LIGHT.muted, 'font-size': 13, 'data-role': 'note' }));
    }
    s.y += 18;
  }
  legend(s);

  // The node.
  s.y += 30;
  p.push(text(LABEL_X, s.y + 10, truncate(`Node ${node.name}`, LABEL_CHARS), { class: 'og-t', fill: LIGHT.fg, 'font-weight': 700, 'data-role': 'node-name' }));
  p.push(text(LABEL_X, s.y + 26, `capacity ${bytesShort(node.capacity)}`, { class: 'og-m', fill: LIGHT.muted, 'font-size': 11 }));
  const axisY = s.y;
  s.y += 14;
  const barTop = s.y;
  const barH = 30;
  const bands = nodeBands(node);
  const guidesAt = p.length; // grid and guide lines go here, behind everything below
  let used = 0n;
  const bandLabels: Array<{ x: number; w: number; band: NodeBand }> = [];
  for (const band of bands) {
    const x0 = px(used, capacity);
    used += band.bytes;
    const x1 = px(used, capacity);
    const colour = LIGHT[BAND_COLOUR[band.key]];
    p.push(
      rect(
        {
          x: BAR_X + x0,
          y: barTop,
          width: x1 - x0,
          height: barH,
          class: `og-band-${band.key}`,
          fill: band.key === 'eviction' ? 'url(#og-hatch)' : colour,
          'data-role': 'node-band',
          'data-band': band.key,
          'data-bytes': band.bytes.toString(),
        },
        `${band.label}: ${bytesText(band.bytes)}`,
      ),
    );
    bandLabels.push({ x: BAR_X + x0, w: x1 - x0, band });
  }
  p.push(rect({ x: BAR_X, y: barTop, width: BAR_W, height: barH, fill: 'none', class: 'og-band-outline', stroke: LIGHT.fg, 'stroke-width': 1 }));
  if (node.capacity <= 0n) p.push(text(BAR_X + 8, barTop + 20, 'capacity unknown or zero', { class: 'og-t', fill: LIGHT.fg }));
  // Band labels under the bar; each goes on the first line where it does not overlap the previous one.
  const lineEnds: number[] = [];
  let labelsBottom = barTop + barH;
  for (const { x, w, band } of bandLabels) {
    const words = `${band.label} ${bytesShort(band.bytes)}`;
    const width = words.length * 6.2;
    let lx = w >= width ? x + 2 : x;
    if (lx + width > SVG_WIDTH - PAD) lx = SVG_WIDTH - PAD - width;
    let line = lineEnds.findIndex((end) => end + 8 <= lx);
    if (line === -1) {
      line = lineEnds.length;
      lineEnds.push(0);
    }
    lineEnds[line] = lx + width;
    const ly = barTop + barH + 14 + line * 14;
    labelsBottom = Math.max(labelsBottom, ly);
    p.push(tag('line', { x1: x + 0.5, y1: barTop + barH, x2: x + 0.5, y2: ly - 9, class: 'og-guide', stroke: LIGHT.guide, 'stroke-width': 1 }));
    p.push(text(lx + 3, ly, words, { class: 'og-t', fill: LIGHT.fg, 'font-size': 11, 'data-role': 'band-label', 'data-band': band.key }));
  }
  p.push(text(INFO_X, barTop + 19, truncate(`capacity ${bytesShort(node.capacity)}`, INFO_CHARS), { class: 'og-t', fill: LIGHT.fg, 'font-weight': 600 }));
  s.y = labelsBottom + 18;

  totalsRow(s, picture.pods, 'request', capacity, node.allocatable);
  s.y += 8;
  totalsRow(s, picture.pods, 'limit', capacity, node.allocatable);
  s.y += 28;
  p.push(text(LABEL_X, s.y, `Pods (${picture.pods.length})`, { class: 'og-t', fill: LIGHT.fg, 'font-size': 14, 'font-weight': 700 }));
  p.push(text(INFO_X, s.y, 'oom_score_adj per container', { class: 'og-m', fill: LIGHT.muted, 'font-size': 11 }));
  s.y += 14;
  if (picture.pods.length === 0) {
    s.y += 12;
    p.push(text(LABEL_X, s.y, 'No pods.', { class: 'og-m', fill: LIGHT.muted, 'data-role': 'no-pods' }));
    s.y += 10;
  }
  // Long lists repeat the scale every AXIS_EVERY pods, so that a row far down still reads in bytes.
  const axisRows = [axisY];
  const ranks = rankColumns(picture.pods);
  for (const [i, pod] of picture.pods.entries()) {
    if (i > 0 && i % AXIS_EVERY === 0) {
      axisRows.push(s.y - 2);
      s.y += 12;
    }
    podRow(s, pod, i, capacity, ranks);
  }
  const bottom = s.y + 4;

  // Grid (axis ticks) and guides from the node bar down to the last pod.
  const guides: string[] = [];
  const step = axisStep(capacity);
  for (let b = 0n; b <= capacity; b += step) {
    const x = BAR_X + px(b, capacity);
    guides.push(tag('line', { x1: num(x), y1: barTop, x2: num(x), y2: bottom, class: 'og-grid', stroke: LIGHT.grid, 'stroke-width': 1 }));
    if (BAR_END - x >= 36 || b === capacity) {
      for (const ay of axisRows) guides.push(text(x, ay + 9, formatBytes(b), { class: 'og-m', fill: LIGHT.muted, 'font-size': 10, 'text-anchor': 'middle', 'data-role': 'tick' }));
    }
  }
  if (capacity % step !== 0n) {
    for (const ay of axisRows) guides.push(text(BAR_END, ay + 9, bytesShort(node.capacity), { class: 'og-m', fill: LIGHT.muted, 'font-size': 10, 'text-anchor': 'middle', 'data-role': 'tick' }));
  }
  const guideAt = (bytes: bigint | null, what: string) => {
    if (bytes === null || bytes <= 0n || bytes > capacity) return;
    const x = BAR_X + px(bytes, capacity);
    guides.push(
      tag('line', { x1: num(x), y1: barTop + barH, x2: num(x), y2: bottom, class: 'og-guide', stroke: LIGHT.guide, 'stroke-width': 1, 'stroke-dasharray': '4 4', 'data-role': 'guide', 'data-guide': what }, tooltip(`${what}: ${bytesText(bytes)}`)),
    );
  };
  guideAt(node.allocatable, 'allocatable');
  guideAt(evictionStart(node), 'eviction starts');
  guideAt(node.capacity, 'capacity');
  p.splice(guidesAt, 0, ...guides);

  const height = Math.ceil(bottom + PAD);
  const defs =
    '<defs><pattern id="og-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">' +
    `<rect width="6" height="6" class="og-hatch-bg" fill="${LIGHT.bg}"/>` +
    `<line x1="0" y1="0" x2="0" y2="6" class="og-hatch-line" stroke="${LIGHT.eviction}" stroke-width="3"/>` +
    '</pattern></defs>';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: SVG_WIDTH, height, viewBox: `0 0 ${SVG_WIDTH} ${height}`, role: 'img', 'aria-labelledby': 'og-title', class: 'og-picture', 'font-family': FONT, 'font-size': 12 })}>` +
    `<title id="og-title">${escapeXml(oneLineText(picture.title))}</title>` +
    styleSheet() +
    defs +
    rect({ x: 0, y: 0, width: SVG_WIDTH, height, class: 'og-bg', fill: LIGHT.bg }) +
    (s.back ?? []).join('') +
    p.join('\n') +
    '</svg>'
  );
}

/** The picture as a standalone SVG document. */
export function renderNodeSvg(picture: NodePicture): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${nodeSvgElement(picture)}\n`;
}

/**
 * Several nodes (pods placed on different nodes) as one standalone SVG document: each node's
 * drawing nested below the previous one, all the same width.
 */
export function renderNodesSvg(pictures: readonly NodePicture[]): string {
  if (pictures.length === 1) return renderNodeSvg(pictures[0]);
  let y = 0;
  const parts: string[] = [];
  for (const picture of pictures) {
    const element = nodeSvgElement(picture);
    const height = Number(/\bheight="(\d+(?:\.\d+)?)"/.exec(element)?.[1] ?? '0');
    // A nested <svg> is placed by its x and y; the inner xmlns is redundant but harmless.
    parts.push(element.replace(/^<svg /, `<svg y="${y}" `));
    y += height;
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"${attrs({ width: SVG_WIDTH, height: y, viewBox: `0 0 ${SVG_WIDTH} ${y}`, role: 'img' })}>\n${parts.join('\n')}\n</svg>\n`;
}
