// What one top-level render may cost: how deeply variables that hold templates may expand,
// how much text may come out, and how many evaluation steps it may take. A template that
// blows any of these fails its host with one line instead of exhausting memory.

export interface Limits {
  /** Variables that hold templates, expanded inside each other. */
  depth: number;
  /** Characters produced in total (text output, string building). */
  chars: number;
  /** Expression nodes evaluated (loops, ranges). */
  steps: number;
}

export const DEFAULT_LIMITS: Limits = { depth: 20, chars: 16 * 1024 * 1024, steps: 5_000_000 };

export class BudgetError extends Error {}

export class Budget {
  depth = 0;
  chars = 0;
  steps = 0;
  constructor(readonly limits: Limits = DEFAULT_LIMITS) {}

  /** Count produced characters; throws once the total passes the limit. */
  spendChars(n: number): void {
    this.chars += n;
    if (this.chars > this.limits.chars)
      throw new BudgetError(
        `template output exceeds ${mib(this.limits.chars)} (a value that expands itself, or a loop that is too large?)`,
      );
  }

  /** A string or list of `n` elements is about to be built. */
  checkSize(n: number): void {
    if (n > this.limits.chars)
      throw new BudgetError(`template would build a value of ${n} elements, over ${mib(this.limits.chars)}`);
  }

  step(n = 1): void {
    this.steps += n;
    if (this.steps > this.limits.steps)
      throw new BudgetError(
        `template evaluation exceeds ${this.limits.steps} steps (a loop that is too large?)`,
      );
  }

  /** Run `fn` one variable-expansion level deeper. */
  nested<T>(what: string, fn: () => T): T {
    if (this.depth >= this.limits.depth)
      throw new BudgetError(
        `template nesting deeper than ${this.limits.depth} levels while expanding ${what} (a variable that refers to itself?)`,
      );
    this.depth++;
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }
}

function mib(n: number): string {
  return `${Math.round(n / 1024 / 1024)} MiB`;
}
