// `oomguard rules`: the rules with their default severity and description.
import { parseArgs } from 'node:util';
import { EXIT_OK, UsageError } from './exit-codes.js';
import type { Io } from './io.js';
import { rules } from '../../rules/index.js';

export async function runRules(argv: string[], io: Io): Promise<number> {
  let values;
  try {
    values = parseArgs({ args: argv, strict: true, options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } } }).values;
  } catch (err) {
    throw new UsageError(`${(err as Error).message.split('\n')[0]} (see oomguard rules --help)`);
  }
  if (values.help) {
    io.stdout('Usage: oomguard rules [--format text|json]\n\nLists every rule with its default severity and description.\n');
    return EXIT_OK;
  }
  const format = values.format ?? 'text';
  if (format === 'json') {
    const list = rules.map((r) => ({
      id: r.meta.id,
      severity: r.meta.severity,
      description: r.meta.description,
      remediation: r.meta.remediation,
      fixable: r.meta.fixable,
      options: r.meta.options,
      defaultOptions: r.meta.defaultOptions,
      docs: `docs/rules/${r.meta.id}.md`,
    }));
    io.stdout(`${JSON.stringify(list, null, 2)}\n`);
    return EXIT_OK;
  }
  if (format !== 'text') throw new UsageError(`unknown --format "${format}" (expected text or json)`);
  const width = Math.max(...rules.map((r) => r.meta.id.length));
  const lines = rules.map((r) => `${r.meta.id.padEnd(width)}  ${r.meta.severity.padEnd(7)}  ${r.meta.description}`);
  io.stdout(`${'RULE'.padEnd(width)}  DEFAULT  DESCRIPTION\n${lines.join('\n')}\n`);
  return EXIT_OK;
}
