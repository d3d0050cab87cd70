// Entry point: dispatches to one command module, each imported only when used so that
// `oomguard lint one.yaml` starts fast.
import { EXIT_INPUT, EXIT_INTERNAL, EXIT_OK, UsageError } from './exit-codes.js';
import { processIo } from './io.js';
import type { Io } from './io.js';

export type { Io } from './io.js';

const USAGE = `Usage: oomguard <command> [options]

Commands:
  lint [PATH|-]...     Lint manifests (files, folders, - for stdin) and report findings
  explain [PATH|-]...  Print QoS class and oom_score_adj per container
  fix [PATH|-]...      Rewrite manifests so requests equal limits (the webhook's patch)
  simulate [PATH|-]... Who the kubelet evicts and the kernel OOM-kills first on a node
  rules                List the rules
  serve                Run the admission webhook (HTTPS; validate and mutate)
  whodunit [LOG|-]...  Explain OOM kills from kernel logs and pod status (--pods)
  audit                What runs now: the cluster's Pods (or --pods FILE), each on its node

Run 'oomguard <command> --help' for the options of a command.
Global options: --help, --version`;

export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'lint':
        return await (await import('./lint.js')).runLint(rest, io, 'lint');
      case 'explain':
        return await (await import('./lint.js')).runLint(rest, io, 'explain');
      case 'fix':
        return await (await import('./fix.js')).runFix(rest, io);
      case 'simulate':
        return await (await import('./simulate.js')).runSimulate(rest, io);
      case 'rules':
        return await (await import('./rules.js')).runRules(rest, io);
      case 'serve':
        return await (await import('./serve.js')).runServe(rest, io);
      case 'whodunit':
        return await (await import('./whodunit.js')).runWhodunit(rest, io);
      case 'audit':
        return await (await import('./audit.js')).runAudit(rest, io);
      case '--version':
      case '-v':
      case 'version':
        // Imported here only: it reads package.json, which no other command needs at start-up.
        io.stdout(`${(await import('./version.js')).VERSION}\n`);
        return EXIT_OK;
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? EXIT_INPUT : EXIT_OK;
      default:
        throw new UsageError(`unknown command "${command}" (expected lint, explain, fix, simulate, rules, serve, whodunit or audit; see oomguard --help)`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`oomguard: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`oomguard: internal error: ${(err as Error)?.message ?? String(err)} (please report it)\n`);
    if (io.env.OOMGUARD_DEBUG) io.stderr(`${(err as Error)?.stack ?? ''}\n`);
    return EXIT_INTERNAL;
  }
}
