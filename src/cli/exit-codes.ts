/** Exit codes, DESIGN.md §5. */
export const EXIT_OK = 0;
/** Findings at error severity. */
export const EXIT_FINDINGS = 1;
/** Bad usage, or unreadable or invalid input (takes precedence over findings). */
export const EXIT_INPUT = 2;
/** A bug in oomguard itself. */
export const EXIT_INTERNAL = 3;

/** An error shown as one line, without a stack trace. */
export class UsageError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT_INPUT) {
    super(message);
    this.name = 'UsageError';
  }
}
