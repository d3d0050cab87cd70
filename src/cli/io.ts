// What a command reads and writes: the process's streams in the CLI, quiet sinks in benches and
// tests. A module of its own so that main.ts and the commands it imports do not import each other.

export interface Io {
  stdout: (text: string) => void;
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
