// Exact port of Kubernetes' resource.Quantity parsing and arithmetic
// (k8s.io/apimachinery/pkg/api/resource/quantity.go, suffix.go, amount.go).
//
// A quantity is held as an exact BigInt count of nano-units: ParseQuantity rounds every value
// away from zero to a multiple of 10^-9 ("if you want some resources, you should get some"),
// so nothing finer ever exists. No floating point touches a value.

/** How Kubernetes would print the quantity back: the suffix family of the input. */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export class QuantityError extends Error {
  constructor(
    message: string,
    /** JSON Pointer of the offending field, when known. */
    readonly path?: string,
  ) {
    super(message);
    this.name = 'QuantityError';
  }
}

const NANO_PER_UNIT = 1_000_000_000n;
const NANO_PER_MILLI = 1_000_000n;
/** maxAllowed in quantity.go: int64 max, the cap applied to BinarySI values. */
export const MAX_INT64 = (1n << 63n) - 1n;

// quantitySuffixer (suffix.go): binary and decimal SI suffixes and their exponents.
const BINARY_SUFFIXES: ReadonlyMap<string, bigint> = new Map([
  ['Ki', 10n],
  ['Mi', 20n],
  ['Gi', 30n],
  ['Ti', 40n],
  ['Pi', 50n],
  ['Ei', 60n],
]);
const DECIMAL_SUFFIXES: ReadonlyMap<string, number> = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const DECIMAL_BY_EXPONENT = new Map([...DECIMAL_SUFFIXES].map(([s, e]) => [e, s]));
const BINARY_BY_EXPONENT = new Map([...BINARY_SUFFIXES].map(([s, e]) => [Number(e) / 10, s]));

/** The message the API server gives for ErrFormatWrong (quantity.go splitREString). */
const FORMAT_WRONG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

const SMALL_POWERS_OF_TEN: readonly bigint[] = Array.from({ length: 40 }, (_, i) => 10n ** BigInt(i));

function pow10(n: number): bigint {
  return n >= 0 && n < SMALL_POWERS_OF_TEN.length ? SMALL_POWERS_OF_TEN[n] : 10n ** BigInt(n);
}

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}

interface Scanned {
  positive: boolean;
  /** The sign, digits and point as written, without the suffix (inf.Dec's SetString input). */
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** parseQuantityString, character for character: what it accepts, ParseQuantity may still reject. */
function scan(str: string): Scanned | null {
  let positive = true;
  let pos = 0;
  const end = str.length;
  if (pos < end) {
    if (str[0] === '-') {
      positive = false;
      pos++;
    } else if (str[0] === '+') {
      pos++;
    }
  }
  // Leading zeros: all zeros (or a bare sign) is the number 0 with no suffix.
  for (let i = pos; ; i++) {
    if (i >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[i] === '0') pos++;
    else break;
  }
  let num = '';
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  if (i >= end) return { positive, value: str, num: str.slice(pos), denom: '', suffix: '' };
  num = str.slice(pos, i);
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    if (i >= end) return { positive, value: str, num, denom: str.slice(pos), suffix: '' };
    denom = str.slice(pos, i);
    pos = i;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  for (i = pos; ; i++) {
    if (i >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
    if (!'eEinumkKMGTP'.includes(str[i])) {
      pos = i;
      break;
    }
  }
  if (str[pos] === '-' || str[pos] === '+') pos++;
  for (i = pos; i < end; i++) if (!isDigit(str[i])) return null;
  return { positive, value, num, denom, suffix: str.slice(suffixStart) };
}

interface Suffix {
  base: 2 | 10;
  exponent: number;
  format: QuantityFormat;
}

/** quantitySuffixer.interpret. */
function interpretSuffix(s: string): Suffix | null {
  const dec = DECIMAL_SUFFIXES.get(s);
  if (dec !== undefined) return { base: 10, exponent: dec, format: 'DecimalSI' };
  const bin = BINARY_SUFFIXES.get(s);
  if (bin !== undefined) return { base: 2, exponent: Number(bin), format: 'BinarySI' };
  if (s.length > 1 && (s[0] === 'e' || s[0] === 'E')) {
    // strconv.ParseInt(s[1:], 10, 64), then int32(): an optional sign and decimal digits.
    const digits = s.slice(1);
    if (!/^[+-]?[0-9]+$/.test(digits)) return null;
    const parsed = BigInt(digits);
    if (parsed > MAX_INT64 || parsed < -MAX_INT64 - 1n) return null;
    // int32(parsed) wraps; exponents that large are caught below as out of range anyway.
    return { base: 10, exponent: Number(BigInt.asIntN(32, parsed)), format: 'DecimalExponent' };
  }
  return null;
}

/** The common slips ("1GB", "1gi", "512MiB", "1K"), with what the user probably meant. */
function suggestion(text: string): string {
  const m = /^([+-]?[0-9.]+)\s*([A-Za-z]+)$/.exec(text);
  if (m === null) return '';
  const [, number, unit] = m;
  const base = (unit.length > 1 ? unit.replace(/[bB]$/, '') : unit).toLowerCase();
  const letter = base[0];
  if (!'kmgtpe'.includes(letter) || base.length > 2 || (base.length === 2 && base[1] !== 'i')) return '';
  const binary = `${number}${letter.toUpperCase()}i`;
  if (base.length === 2) return ` (did you mean "${binary}"?)`;
  const decimal = `${number}${letter === 'k' ? 'k' : letter.toUpperCase()}`;
  return ` (did you mean "${binary}" or "${decimal}"?)`;
}

/** Whether ParseQuantity's int64 fast path takes the value (then no inf.Dec parse happens). */
function takesFastPath(s: Scanned, suffix: Suffix): boolean {
  if (suffix.base === 10) return 18 - s.num.length - s.denom.length >= 0 && suffix.exponent - s.denom.length >= -9;
  // float32(exponent)*3/10 is exact for multiples of 10.
  return suffix.exponent >= 0 && s.denom.length === 0 && 15 - s.num.length - (suffix.exponent * 3) / 10 - 1 >= 0;
}

/** Decimal exponents beyond this are refused rather than expanded into enormous integers. */
const MAX_DECIMAL_EXPONENT = 10_000;

/**
 * Rounds num/den away from zero to an integer (inf.RoundUp, negativeScaleInt64: "rounded away
 * from zero").
 */
function divAwayFromZero(num: bigint, den: bigint): bigint {
  const q = num / den;
  return q * den === num ? q : num < 0n ? q - 1n : q + 1n;
}

export class Quantity {
  private constructor(
    /** Exact value in units of 10^-9. */
    readonly nanos: bigint,
    readonly format: QuantityFormat,
    /** The text as written (numbers as JavaScript prints them), or the canonical form for results. */
    readonly original: string,
  ) {}

  static zero(): Quantity {
    return ZERO;
  }

  static fromNanos(nanos: bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
    const q = new Quantity(nanos, format, '');
    return new Quantity(nanos, format, q.toString());
  }

  static fromBytes(bytes: bigint, format: QuantityFormat = 'BinarySI'): Quantity {
    return Quantity.fromNanos(bytes * NANO_PER_UNIT, format);
  }

  /**
   * ParseQuantity as the API server runs it on a decoded value: strings (trimmed of surrounding
   * whitespace, as UnmarshalJSON does) and JSON numbers. `path` is carried into errors.
   */
  static parse(input: unknown, path?: string): Quantity {
    let text: string;
    if (typeof input === 'string') text = input.trim();
    else if (typeof input === 'number') {
      if (!Number.isFinite(input)) throw new QuantityError(`invalid quantity ${String(input)}: not a finite number`, path);
      // The shortest text that reads back as the same double, which is what a JSON encoder emits.
      text = String(input);
    } else if (typeof input === 'bigint') text = input.toString();
    else {
      const what = input === null ? 'null' : Array.isArray(input) ? 'a list' : typeof input;
      throw new QuantityError(`invalid quantity: expected a string or a number, got ${what}`, path);
    }
    // How an error quotes the input (built only for errors).
    const shown = () => (typeof input === 'string' ? JSON.stringify(input) : text);
    if (text.length === 0) throw new QuantityError(`invalid quantity ${shown()}: ${FORMAT_WRONG}`, path);
    if (text === '0') return new Quantity(0n, 'DecimalSI', text);

    const s = scan(text);
    if (s === null) throw new QuantityError(`invalid quantity ${shown()}: ${FORMAT_WRONG}${suggestion(text)}`, path);
    const suffix = interpretSuffix(s.suffix);
    if (suffix === null) {
      throw new QuantityError(`invalid quantity ${shown()}: unable to parse quantity's suffix${suggestion(text)}`, path);
    }
    // The fast int64 path and the inf.Dec path of ParseQuantity compute the same exact value;
    // only the inf.Dec path needs digits in `value` (inf.Dec.SetString rejects "." and "-.").
    if (!/[0-9]/.test(s.value) && !takesFastPath(s, suffix)) {
      throw new QuantityError(`invalid quantity ${shown()}: unable to parse numeric part of quantity`, path);
    }
    if (suffix.base === 10 && (Math.abs(suffix.exponent) > MAX_DECIMAL_EXPONENT)) {
      // inf.Dec would build 10^exponent; the value is beyond any resource (or rounds to 1n).
      if (suffix.exponent < 0) {
        const zero = /^0*$/.test(s.num + s.denom);
        return new Quantity(zero ? 0n : s.positive ? 1n : -1n, suffix.format, text);
      }
      throw new QuantityError(`invalid quantity ${shown()}: exponent above ${MAX_DECIMAL_EXPONENT} is out of range`, path);
    }
    // Exact rational: digits / 10^len(denom) * base^exponent, in nano-units.
    const digits = BigInt((s.num + s.denom).replace(/^0+(?=.)/, '') || '0');
    let numerator = digits * NANO_PER_UNIT;
    let denominator = pow10(s.denom.length);
    if (suffix.base === 2) numerator <<= BigInt(suffix.exponent);
    else if (suffix.exponent >= 0) numerator *= pow10(suffix.exponent);
    else denominator *= pow10(-suffix.exponent);
    let nanos = divAwayFromZero(numerator, denominator);
    // The BinarySI cap ("The max is just a simple cap"): values above int64 max become int64 max.
    if (suffix.format === 'BinarySI' && nanos > MAX_INT64 * NANO_PER_UNIT) nanos = MAX_INT64 * NANO_PER_UNIT;
    if (!s.positive) nanos = -nanos;
    return new Quantity(nanos, suffix.format, text);
  }

  /** Value(): whole units, rounded up away from zero. Values beyond int64 are clamped (Go overflows). */
  value(): bigint {
    const v = divAwayFromZero(this.nanos, NANO_PER_UNIT);
    return v > MAX_INT64 ? MAX_INT64 : v < -MAX_INT64 - 1n ? -MAX_INT64 - 1n : v;
  }

  /** MilliValue(): ceil(q * 1000), away from zero. */
  milliValue(): bigint {
    return divAwayFromZero(this.nanos, NANO_PER_MILLI);
  }

  /** True when the value is not a whole number of units (e.g. memory "100m" = 0.1 byte). */
  isFractional(): boolean {
    return this.nanos % NANO_PER_UNIT !== 0n;
  }

  isZero(): boolean {
    return this.nanos === 0n;
  }

  sign(): -1 | 0 | 1 {
    return this.nanos === 0n ? 0 : this.nanos < 0n ? -1 : 1;
  }

  cmp(other: Quantity): -1 | 0 | 1 {
    return this.nanos === other.nanos ? 0 : this.nanos < other.nanos ? -1 : 1;
  }

  equal(other: Quantity): boolean {
    return this.nanos === other.nanos;
  }

  /** Add: "if the current value is zero, the format of the quantity will be updated to the format of y". */
  add(other: Quantity): Quantity {
    return Quantity.fromNanos(this.nanos + other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  sub(other: Quantity): Quantity {
    return Quantity.fromNanos(this.nanos - other.nanos, this.nanos === 0n ? other.format : this.format);
  }

  /** The canonical form Kubernetes prints (CanonicalizeBytes): what `kubectl get -o yaml` shows. */
  toString(): string {
    if (this.nanos === 0n) return '0';
    let format = this.format;
    if (format === 'BinarySI') {
      const abs = this.nanos < 0n ? -this.nanos : this.nanos;
      if (abs < 1024n * NANO_PER_UNIT || this.isFractional()) format = 'DecimalSI';
    }
    if (format === 'BinarySI') {
      let amount = this.nanos / NANO_PER_UNIT;
      let exponent = 0;
      while (amount % 1024n === 0n && exponent < 6) {
        amount /= 1024n;
        exponent++;
      }
      return `${amount}${BINARY_BY_EXPONENT.get(exponent) ?? ''}`;
    }
    // AsCanonicalBytes: move factors of ten into the exponent, then lower it to a multiple of 3.
    let amount = this.nanos;
    let exponent = -9;
    while (amount % 10n === 0n) {
      amount /= 10n;
      exponent++;
    }
    while (exponent % 3 !== 0) {
      amount *= 10n;
      exponent--;
    }
    if (format === 'DecimalSI') {
      const suffix = DECIMAL_BY_EXPONENT.get(exponent);
      if (suffix !== undefined) return `${amount}${suffix}`;
    }
    return exponent === 0 ? `${amount}` : `${amount}e${exponent}`;
  }
}

const ZERO = Quantity.parse('0');

const BINARY_UNITS: ReadonlyArray<[bigint, string]> = [
  [1n << 60n, 'Ei'],
  [1n << 50n, 'Pi'],
  [1n << 40n, 'Ti'],
  [1n << 30n, 'Gi'],
  [1n << 20n, 'Mi'],
  [1n << 10n, 'Ki'],
];
const DECIMAL_UNITS: ReadonlyArray<[bigint, string]> = [
  [10n ** 18n, 'E'],
  [10n ** 15n, 'P'],
  [10n ** 12n, 'T'],
  [10n ** 9n, 'G'],
  [10n ** 6n, 'M'],
];

/**
 * Bytes as a person reads them, exactly: the shorter of the largest binary unit that divides
 * the value ("1536Mi", "8Gi") and the largest decimal unit from M up ("500M", "1T"; binary on
 * a tie), else plain bytes ("1000").
 */
export function formatBytes(bytes: bigint): string {
  if (bytes === 0n) return '0';
  const sign = bytes < 0n ? '-' : '';
  const abs = bytes < 0n ? -bytes : bytes;
  const exact = (units: ReadonlyArray<[bigint, string]>) => {
    for (const [size, unit] of units) if (abs >= size && abs % size === 0n) return `${abs / size}${unit}`;
    return null;
  };
  const binary = exact(BINARY_UNITS);
  const decimal = exact(DECIMAL_UNITS);
  const best = binary !== null && (decimal === null || binary.length <= decimal.length) ? binary : decimal ?? `${abs}`;
  return `${sign}${best}`;
}

/** CPU millicores as Kubernetes prints them: "500m", "2". */
export function formatMillis(millis: bigint): string {
  return millis % 1000n === 0n ? `${millis / 1000n}` : `${millis}m`;
}
