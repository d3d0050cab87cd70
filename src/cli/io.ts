// What a command reads and writes: the process's streams in the CLI, quiet sinks in benches and
// tests. A module of its own so that main.ts and the commands it imports do not import each other.

import { EXIT_INPUT } from './exit-codes.js';

export interface Io {
  /** Text, or bytes that are UTF-8 text (a large report encoded piece by piece). */
  stdout: (text: string | Uint8Array) => void;
  stderr: (text: string) => void;
  readStdin: () => Promise<string>;
  cwd: string;
  /** Whether stdout is a terminal that shows colour. */
  color: boolean;
  env: NodeJS.ProcessEnv;
}

export function processIo(): Io {
  const env = process.env;
  const tty = Boolean(process.stdout.isTTY);
  const color = env.NO_COLOR ? false : env.FORCE_COLOR ? env.FORCE_COLOR !== '0' : tty;
  // A reader that stops early (`oomguard lint . | head`) closes the pipe: the rest of the report
  // has nowhere to go, which is no error of oomguard's. Any other failure to write (a full disk)
  // is one line and exit 2. Without a listener, Node.js would throw either from the stream, with
  // a stack trace.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') return;
    process.stderr.write(`oomguard: cannot write to standard output: ${err.message}\n`);
    process.exit(EXIT_INPUT);
  });
  return {
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    cwd: process.cwd(),
    color,
    env,
  };
}
