// The output adapters, each a pure function from a LintReport to text.
export { formatText, type TextOptions } from './text.js';
export { formatJson, JSON_SCHEMA_VERSION } from './json.js';
export { formatExplain, explainNote, type ExplainOptions } from './explain.js';
export { formatSarif, INPUT_ERROR_RULE_ID, type SarifRule, type SarifTool } from './sarif.js';
export { formatJunit } from './junit.js';
export { formatGithub } from './github.js';
export { countReport, type ReportCounts } from './common.js';
export { nodeFooter } from './footer.js';

/** The values of `--format`. */
export const OUTPUT_FORMATS = ['text', 'json', 'sarif', 'junit', 'github'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
