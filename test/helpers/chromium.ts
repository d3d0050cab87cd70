// A real headless Chromium for tests, driven over the DevTools protocol (CDP) with Node's built-in
// WebSocket (Node 22+): no puppeteer, no playwright, no browser download. It uses the system's
// Debian `chromium` (.ci/run installs it), or the binary named by OOMGUARD_TEST_CHROMIUM.
//
//   const chromium = findChromium();                 // null: skip the test
//   const browser = await launchChromium(chromium);  // fresh profile in a temp dir, port 0
//   try {
//     const page = await browser.open(url, { width: 1280, height: 900 });
//     await page.evaluate('document.title'); await page.screenshot();
//   } finally {
//     await browser.close();                         // kills the process group, removes the temp dir
//   }
//
// The browser runs in a process group of its own (spawned detached), so close() ends it and every
// child (renderer, GPU, utility processes) by that group's id, and only those.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inflateSync } from 'node:zlib';

/** The Chromium binary to use, or null when there is none (the caller skips). */
export function findChromium(): string | null {
  const fromEnv = process.env.OOMGUARD_TEST_CHROMIUM;
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : null;
  for (const name of ['chromium', 'chromium-browser']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    const found = r.status === 0 ? r.stdout.trim() : '';
    if (found !== '' && existsSync(found)) return found;
  }
  return null;
}

/** Why the test skips, for `{ skip: ... }`. */
export const CHROMIUM_MISSING =
  'chromium not installed: apt-get install chromium (.ci/run does), or set OOMGUARD_TEST_CHROMIUM to a Chromium binary';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--disable-default-apps',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-quic',
  '--mute-audio',
  '--hide-scrollbars',
  '--remote-debugging-port=0',
];

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
  method: string;
}

type Listener = (params: Record<string, unknown>, sessionId: string | undefined) => void;

/** One CDP connection (the browser endpoint; pages are flattened sessions on it). */
class Cdp {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, Set<Listener>>();
  private closedError: Error | null = null;

  constructor(private readonly ws: WebSocket) {
    ws.addEventListener('message', (ev: MessageEvent) => {
      const msg = JSON.parse(String(ev.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string; code: number };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      if (msg.id !== undefined) {
        const p = this.pending.get(msg.id);
        if (p === undefined) return;
        this.pending.delete(msg.id);
        if (msg.error !== undefined) p.reject(new Error(`${p.method}: ${msg.error.message} (${msg.error.code})`));
        else p.resolve(msg.result);
      } else if (msg.method !== undefined) {
        for (const l of this.listeners.get(msg.method) ?? []) l(msg.params ?? {}, msg.sessionId);
      }
    });
    ws.addEventListener('close', () => this.fail(new Error('DevTools connection closed')));
    ws.addEventListener('error', () => this.fail(new Error('DevTools connection error')));
  }

  private fail(e: Error): void {
    this.closedError ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    if (this.closedError !== null) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, method });
      this.ws.send(JSON.stringify(sessionId === undefined ? { id, method, params } : { id, method, params, sessionId }));
    });
  }

  on(method: string, listener: Listener): () => void {
    let set = this.listeners.get(method);
    if (set === undefined) this.listeners.set(method, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  close(): void {
    try {
      this.ws.close();
    } catch {
      // already closed
    }
  }
}

/** Rejects after ms with a message naming what took too long. */
function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export interface OpenOptions {
  width: number;
  height: number;
  colorScheme?: 'light' | 'dark';
  /** Navigation timeout (default 20 s). */
  timeoutMs?: number;
}

export interface Page {
  /** Console errors and warnings, uncaught exceptions and error-level log entries (CSP reports among them). */
  readonly problems: string[];
  /** Every URL the page requested, the document included. */
  readonly requests: string[];
  /** A JavaScript expression evaluated by DevTools in the page (the page itself has no script), its value as JSON. */
  evaluate<T>(expression: string): Promise<T>;
  /** A PNG of the whole page (beyond the viewport), one image pixel per CSS pixel. */
  screenshot(): Promise<Buffer>;
  setColorScheme(scheme: 'light' | 'dark'): Promise<void>;
}

export interface Browser {
  readonly pid: number;
  readonly userDataDir: string;
  /** The browser's stderr so far (last 64 KiB), for failure messages. */
  stderr(): string;
  open(url: string, options: OpenOptions): Promise<Page>;
  /** Ends the browser and every process of its group, and removes the profile directory. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts Chromium headless with a fresh profile in a temp dir and connects to its DevTools
 * endpoint (read from stderr: "DevTools listening on ws://..."). On any failure the browser is
 * killed and the temp dir removed before the error is thrown.
 */
export async function launchChromium(executable: string, options: { timeoutMs?: number } = {}): Promise<Browser> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'oomguard-chromium-'));
  const child = spawn(executable, [...CHROMIUM_ARGS, `--user-data-dir=${userDataDir}`, 'about:blank'], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, HOME: userDataDir },
  });
  let stderr = '';
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  let cdp: Cdp | null = null;
  let closed = false;

  const close = async () => {
    if (closed) return;
    closed = true;
    if (cdp !== null) {
      await withTimeout(cdp.send('Browser.close'), 3000, 'Browser.close').catch(() => undefined);
      cdp.close();
    }
    killGroup(child);
    await withTimeout(exited, 5000, 'chromium to exit').catch(() => undefined);
    // Stragglers of the group that outlived the leader (renderers, zygotes) go too.
    killGroup(child);
    rmSync(userDataDir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  };

  try {
    const wsUrl = await withTimeout(
      new Promise<string>((resolve, reject) => {
        child.stderr!.setEncoding('utf8');
        child.stderr!.on('data', (chunk: string) => {
          stderr = (stderr + chunk).slice(-65536);
          const m = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
          if (m) resolve(m[1]);
        });
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`chromium exited (${signal ?? code}) before DevTools listened:\n${stderr}`)));
      }),
      timeoutMs,
      'chromium to print "DevTools listening on"',
    );
    const ws = new WebSocket(wsUrl);
    await withTimeout(
      new Promise<void>((resolve, reject) => {
        ws.addEventListener('open', () => resolve(), { once: true });
        ws.addEventListener('error', () => reject(new Error(`cannot connect to ${wsUrl}`)), { once: true });
      }),
      timeoutMs,
      `connecting to ${wsUrl}`,
    );
    cdp = new Cdp(ws);
  } catch (e) {
    await close();
    throw e;
  }
  const conn = cdp;

  const open = async (url: string, o: OpenOptions): Promise<Page> => {
    const { targetId } = await conn.send<{ targetId: string }>('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await conn.send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
    const problems: string[] = [];
    const requests: string[] = [];
    const mine = (l: Listener): Listener => (params, sid) => {
      if (sid === sessionId) l(params, sid);
    };
    conn.on(
      'Runtime.consoleAPICalled',
      mine((p) => {
        const type = String(p.type);
        if (type === 'error' || type === 'warning' || type === 'assert') {
          const args = (p.args as Array<{ value?: unknown; description?: string }>) ?? [];
          problems.push(`console.${type}: ${args.map((a) => String(a.value ?? a.description ?? '')).join(' ')}`);
        }
      }),
    );
    conn.on(
      'Runtime.exceptionThrown',
      mine((p) => problems.push(`exception: ${JSON.stringify(p.exceptionDetails)}`)),
    );
    conn.on(
      'Log.entryAdded',
      mine((p) => {
        const entry = p.entry as { level: string; text: string; url?: string };
        if (entry.level === 'error' || entry.level === 'warning') problems.push(`log ${entry.level}: ${entry.text}${entry.url ? ` (${entry.url})` : ''}`);
      }),
    );
    conn.on(
      'Network.requestWillBeSent',
      mine((p) => requests.push(String((p.request as { url: string }).url))),
    );
    conn.on(
      'Network.loadingFailed',
      mine((p) => problems.push(`loading failed: ${String(p.errorText)}${p.blockedReason ? ` (${String(p.blockedReason)})` : ''}`)),
    );
    const send = <T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}) => conn.send<T>(method, params, sessionId);
    await Promise.all([send('Runtime.enable'), send('Log.enable'), send('Page.enable'), send('Network.enable')]);
    await send('Emulation.setDeviceMetricsOverride', { width: o.width, height: o.height, deviceScaleFactor: 1, mobile: false });
    const setColorScheme = async (scheme: 'light' | 'dark') => {
      await send('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: scheme }] });
    };
    await setColorScheme(o.colorScheme ?? 'light');
    const loaded = new Promise<void>((resolve) => {
      const off = conn.on(
        'Page.loadEventFired',
        mine(() => {
          off();
          resolve();
        }),
      );
    });
    const nav = await send<{ errorText?: string }>('Page.navigate', { url });
    if (nav.errorText) throw new Error(`navigating to ${url}: ${nav.errorText}`);
    await withTimeout(loaded, o.timeoutMs ?? 20_000, `loading ${url}`);

    return {
      problems,
      requests,
      setColorScheme,
      async evaluate<T>(expression: string): Promise<T> {
        const r = await send<{ result: { value?: unknown }; exceptionDetails?: unknown }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
        if (r.exceptionDetails !== undefined) throw new Error(`evaluate failed: ${JSON.stringify(r.exceptionDetails)}`);
        return r.result.value as T;
      },
      async screenshot(): Promise<Buffer> {
        // Two frames, so that style changes (colour scheme) are painted first.
        await send('Runtime.evaluate', { expression: 'new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))', awaitPromise: true });
        const size = await send<{ result: { value: { w: number; h: number } } }>('Runtime.evaluate', {
          expression: '({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight })',
          returnByValue: true,
        });
        const { w, h } = size.result.value;
        const shot = await send<{ data: string }>('Page.captureScreenshot', {
          format: 'png',
          captureBeyondViewport: true,
          clip: { x: 0, y: 0, width: Math.max(w, o.width), height: h, scale: 1 },
        });
        return Buffer.from(shot.data, 'base64');
      },
    };
  };

  return {
    pid: child.pid!,
    userDataDir,
    stderr: () => stderr,
    open: (url, o) => withTimeout(open(url, o), (o.timeoutMs ?? 20_000) + 5000, `opening ${url}`),
    close,
  };
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // the group is gone already
  }
}

/** Pids of live processes whose command line mentions `needle` (e.g. a profile dir): none should outlive close(). */
export function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const e of entries) {
    if (!/^[0-9]+$/.test(e)) continue;
    try {
      const cmdline = readFileSync(`/proc/${e}/cmdline`, 'utf8');
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      if (/\) Z /.test(stat)) continue; // zombies hold no resources; their parent reaps them
      if (cmdline.includes(needle)) pids.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

// ---------------------------------------------------------------------------------------------
// PNG decoding (8-bit RGB or RGBA, non-interlaced: what Chromium writes), for pixel checks.

export interface DecodedPng {
  width: number;
  height: number;
  /** [r, g, b, a] at (x, y), in image pixels. */
  pixel(x: number, y: number): [number, number, number, number];
}

export function decodePng(png: Buffer): DecodedPng {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (!png.subarray(0, 8).equals(signature)) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  while (pos + 8 <= png.length) {
    const len = png.readUInt32BE(pos);
    const type = png.toString('latin1', pos + 4, pos + 8);
    const data = png.subarray(pos + 8, pos + 8 + len);
    pos += 12 + len;
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const [depth, colourType, , , interlace] = [data[8], data[9], data[10], data[11], data[12]];
      if (depth !== 8 || interlace !== 0 || (colourType !== 2 && colourType !== 6)) {
        throw new Error(`unsupported PNG: bit depth ${depth}, colour type ${colourType}, interlace ${interlace}`);
      }
      channels = colourType === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
  }
  if (channels === 0) throw new Error('PNG without IHDR');
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length < height * (stride + 1)) throw new Error('PNG data too short');
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? out.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? row[i - channels] : 0;
      const b = prev !== null ? prev[i] : 0;
      const c = prev !== null && i >= channels ? prev[i - channels] : 0;
      let v: number;
      switch (filter) {
        case 0:
          v = line[i];
          break;
        case 1:
          v = line[i] + a;
          break;
        case 2:
          v = line[i] + b;
          break;
        case 3:
          v = line[i] + ((a + b) >> 1);
          break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default:
          throw new Error(`bad PNG filter ${filter} on row ${y}`);
      }
      row[i] = v & 0xff;
    }
  }
  return {
    width,
    height,
    pixel(x: number, y: number) {
      const xi = Math.min(width - 1, Math.max(0, Math.round(x)));
      const yi = Math.min(height - 1, Math.max(0, Math.round(y)));
      const o = yi * stride + xi * channels;
      return [out[o], out[o + 1], out[o + 2], channels === 4 ? out[o + 3] : 255];
    },
  };
}

/** '#0072B2' → [0, 114, 178]. */
export function hexColour(hex: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** Largest channel difference between two colours. */
export function colourDistance(a: readonly number[], b: readonly number[]): number {
  return Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));
}
