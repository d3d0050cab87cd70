// The serving certificate: read and validated before use (TLS 1.2+), and reloaded when its files
// change. Kubernetes mounts Secrets as symlinks into a `..data` directory that it swaps
// atomically, so the directory is watched (not the files), and every change event re-reads the
// configured paths. A broken or mismatched pair keeps the old context and is logged. Reloading
// calls server.setSecureContext: open connections keep their session, new handshakes get the new
// certificate.
import { readFileSync, watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { X509Certificate, createHash, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import type https from 'node:https';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { WebhookMetrics } from './metrics.js';

export const MIN_TLS_VERSION: SecureVersion = 'TLSv1.2';

export interface TlsFiles {
  certFile: string;
  keyFile: string;
}

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
  notAfter: Date;
  subject: string;
  /** sha256 of cert and key, to ignore events that change nothing. */
  digest: string;
}

export class TlsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TlsError';
  }
}

/** Reads and validates a certificate and key: both parse, the key matches, usable by TLS. */
export function loadTlsPair(files: TlsFiles): TlsPair {
  let cert: Buffer;
  let key: Buffer;
  try {
    cert = readFileSync(files.certFile);
  } catch (err) {
    throw new TlsError(`cannot read certificate ${files.certFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    key = readFileSync(files.keyFile);
  } catch (err) {
    throw new TlsError(`cannot read key ${files.keyFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch (err) {
    throw new TlsError(`${files.certFile} is not a PEM certificate: ${(err as Error).message}`);
  }
  try {
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new TlsError(`${files.keyFile} does not match the certificate ${files.certFile}`);
    createSecureContext({ cert, key, minVersion: MIN_TLS_VERSION });
  } catch (err) {
    if (err instanceof TlsError) throw err;
    throw new TlsError(`invalid certificate or key (${files.certFile}, ${files.keyFile}): ${(err as Error).message}`);
  }
  const digest = createHash('sha256').update(cert).update('\0').update(key).digest('hex');
  return { cert, key, notAfter: new Date(x509.validTo), subject: x509.subject.replace(/\n/g, ', '), digest };
}

export interface TlsStatus {
  loaded: boolean;
  notAfter: string | null;
  lastReload: string | null;
  lastError: string | null;
}

/**
 * Watches the directories of the certificate and key; on change (debounced) loads and validates
 * the pair and installs it with setSecureContext. `close()` stops watching.
 */
export class TlsReloader {
  private watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | null = null;
  private current: TlsPair;
  private lastReload: Date | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly files: TlsFiles,
    initial: TlsPair,
    private readonly log: FastifyBaseLogger,
    private readonly metrics: WebhookMetrics | null,
    private readonly debounceMs = 100,
  ) {
    this.current = initial;
    metrics?.tlsNotAfter.set(Math.floor(initial.notAfter.getTime() / 1000));
  }

  /** Starts watching; the server gets each new valid pair. */
  start(server: https.Server): void {
    const dirs = new Set([path.dirname(path.resolve(this.files.certFile)), path.dirname(path.resolve(this.files.keyFile))]);
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule(server));
        w.on('error', (err) => this.log.warn({ dir, err: err.message }, 'tls: watching the certificate directory failed'));
        this.watchers.push(w);
      } catch (err) {
        this.log.warn({ dir, err: (err as Error).message }, 'tls: cannot watch the certificate directory; certificate changes need a restart');
      }
    }
  }

  private schedule(server: https.Server): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.reload(server);
    }, this.debounceMs);
    this.timer.unref();
  }

  /** Loads the files now; installs them when valid and different. Returns whether it changed. */
  reload(server: https.Server): boolean {
    let pair: TlsPair;
    try {
      pair = loadTlsPair(this.files);
    } catch (err) {
      // Mid-swap states (one file written, not the other) land here too; the next event retries.
      this.lastError = (err as Error).message;
      this.metrics?.tlsReloads.inc({ result: 'rejected' });
      this.log.error({ err: this.lastError }, 'tls: new certificate rejected, keeping the current one');
      return false;
    }
    if (pair.digest === this.current.digest) return false;
    if (pair.notAfter.getTime() <= Date.now()) {
      this.lastError = `certificate expired on ${pair.notAfter.toISOString()}`;
      this.metrics?.tlsReloads.inc({ result: 'rejected' });
      this.log.error({ notAfter: pair.notAfter.toISOString() }, 'tls: new certificate is expired, keeping the current one');
      return false;
    }
    server.setSecureContext({ cert: pair.cert, key: pair.key, minVersion: MIN_TLS_VERSION });
    this.current = pair;
    this.lastReload = new Date();
    this.lastError = null;
    this.metrics?.tlsReloads.inc({ result: 'ok' });
    this.metrics?.tlsNotAfter.set(Math.floor(pair.notAfter.getTime() / 1000));
    this.log.info({ subject: pair.subject, notAfter: pair.notAfter.toISOString() }, 'tls: certificate reloaded');
    return true;
  }

  status(): TlsStatus {
    return {
      loaded: true,
      notAfter: this.current.notAfter.toISOString(),
      lastReload: this.lastReload?.toISOString() ?? null,
      lastError: this.lastError,
    };
  }

  close(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }
}
