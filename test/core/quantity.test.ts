// resource.Quantity parity: values, rounding, canonical strings and rejections as
// k8s.io/apimachinery/pkg/api/resource/quantity.go has them (cases after its quantity_test.go).
import t from 'tap';
import { Quantity, QuantityError, MAX_INT64, formatBytes, formatMillis } from '../../src/core/quantity.js';

const NANO = 1_000_000_000n;

// [input, exact value in nano-units, Value() (whole units, rounded away from zero), String()]
const accepted: Array<[string | number, bigint, bigint, string]> = [
  ['0', 0n, 0n, '0'],
  ['1', NANO, 1n, '1'],
  ['1Ki', 1024n * NANO, 1024n, '1Ki'],
  ['123Mi', 128974848n * NANO, 128974848n, '123Mi'],
  ['1.5Gi', 1610612736n * NANO, 1610612736n, '1536Mi'],
  ['0.5Gi', 536870912n * NANO, 536870912n, '512Mi'],
  ['5Gi', 5n * (1n << 30n) * NANO, 5n << 30n, '5Gi'],
  ['1024', 1024n * NANO, 1024n, '1024'],
  ['129e6', 129_000_000n * NANO, 129_000_000n, '129e6'],
  ['129M', 129_000_000n * NANO, 129_000_000n, '129M'],
  ['1e3', 1000n * NANO, 1000n, '1e3'],
  ['1E3', 1000n * NANO, 1000n, '1e3'],
  ['1e+3', 1000n * NANO, 1000n, '1e3'],
  ['1E', 10n ** 18n * NANO, 10n ** 18n, '1E'],
  // Beyond int64 Go's Value() overflows (undefined); oomguard clamps to int64 max.
  ['1000E', 10n ** 21n * NANO, MAX_INT64, '1e21'],
  ['1e-3', 1_000_000n, 1n, '1e-3'],
  ['1m', 1_000_000n, 1n, '1m'],
  // Memory in millibytes: a tenth of a byte, which Value() rounds up to one byte.
  ['100m', 100_000_000n, 1n, '100m'],
  ['1000m', NANO, 1n, '1'],
  ['1.5', 1_500_000_000n, 2n, '1500m'],
  ['-1', -NANO, -1n, '-1'],
  ['-100m', -100_000_000n, -1n, '-100m'],
  ['+1Gi', (1n << 30n) * NANO, 1n << 30n, '1Gi'],
  ['1n', 1n, 1n, '1n'],
  // Below a nano-unit: ParseQuantity rounds away from zero to the smallest representable value.
  ['0.1n', 1n, 1n, '1n'],
  ['-0.1n', -1n, -1n, '-1n'],
  ['1e-10', 1n, 1n, '1e-9'],
  ['0e-10', 0n, 0n, '0'],
  ['.5', 500_000_000n, 1n, '500m'],
  ['1.', NANO, 1n, '1'],
  ['00012', 12n * NANO, 12n, '12'],
  // parseQuantityString quirks the API server accepts as zero.
  ['.', 0n, 0n, '0'],
  ['-', 0n, 0n, '0'],
  ['+', 0n, 0n, '0'],
  ['.e-9', 0n, 0n, '0'],
  [' 1Gi ', (1n << 30n) * NANO, 1n << 30n, '1Gi'],
  // BinarySI values above int64 are capped at int64 max ("The max is just a simple cap").
  ['8Ei', MAX_INT64 * NANO, MAX_INT64, '9223372036854775807'],
  ['1Ei', (1n << 60n) * NANO, 1n << 60n, '1Ei'],
  // int32(exponent) wraps in Go: 2^32 becomes 0.
  ['1e4294967296', NANO, 1n, '1'],
  // JSON/YAML numbers, as a JSON encoder would write them.
  [0.5, 500_000_000n, 1n, '500m'],
  [512, 512n * NANO, 512n, '512'],
  [1e21, 10n ** 21n * NANO, MAX_INT64, '1e21'],
  [1e-7, 100n, 1n, '100e-9'],
];

t.test('accepted quantities: exact value, Value() and canonical string', async (t) => {
  for (const [input, nanos, value, text] of accepted) {
    const q = Quantity.parse(input);
    t.equal(q.nanos, nanos, `${JSON.stringify(input)} nanos`);
    t.equal(q.value(), value, `${JSON.stringify(input)} Value()`);
    t.equal(q.toString(), text, `${JSON.stringify(input)} String()`);
  }
});

t.test('MilliValue rounds up away from zero', async (t) => {
  t.equal(Quantity.parse('0.5').milliValue(), 500n);
  t.equal(Quantity.parse('100m').milliValue(), 100n);
  t.equal(Quantity.parse('0.1m').milliValue(), 1n);
  t.equal(Quantity.parse('-0.1m').milliValue(), -1n);
  t.equal(Quantity.parse('2').milliValue(), 2000n);
});

// [input, message fragment]
const rejected: Array<[unknown, RegExp]> = [
  ['', /must match the regular expression/],
  ['1GB', /did you mean "1Gi" or "1G"\?/],
  ['1gi', /did you mean "1Gi"\?/],
  ['512MiB', /did you mean "512Mi"\?/],
  ['1ki', /suffix.*did you mean "1Ki"\?/],
  ['1K', /suffix.*did you mean "1Ki" or "1k"\?/],
  ['1 Gi', /must match the regular expression/],
  ['1.5.5', /must match the regular expression/],
  ['abc', /must match the regular expression/],
  ['0x10', /must match the regular expression/],
  ['--1', /suffix/],
  ['1e', /suffix/],
  ['1e+', /suffix/],
  ['1Ee3', /suffix/],
  ['-.e-10', /numeric part/],
  ['.Ei', /numeric part/],
  [Number.NaN, /not a finite number/],
  [Number.POSITIVE_INFINITY, /not a finite number/],
  [true, /expected a string or a number, got boolean/],
  [null, /got null/],
  [['1Gi'], /got a list/],
  [{ amount: 1 }, /got object/],
];

t.test('rejected quantities name the field', async (t) => {
  for (const [input, message] of rejected) {
    let caught: unknown;
    try {
      Quantity.parse(input, '/spec/containers/0/resources/limits/memory');
    } catch (err) {
      caught = err;
    }
    const what = `${String(JSON.stringify(input))}`;
    t.ok(caught instanceof QuantityError, `${what} rejected`);
    if (!(caught instanceof QuantityError)) continue;
    t.match(caught.message, message, `${what} message`);
    t.equal(caught.path, '/spec/containers/0/resources/limits/memory', `${what} path`);
    t.notMatch(caught.message, /\n/, `${what} one line`);
  }
});

t.test('comparison and arithmetic are exact', async (t) => {
  const gi = Quantity.parse('1Gi');
  t.equal(gi.cmp(Quantity.parse('1073741824')), 0);
  t.ok(gi.equal(Quantity.parse('1024Mi')));
  t.equal(Quantity.parse('1G').cmp(gi), -1);
  t.equal(gi.cmp(Quantity.parse('1G')), 1);
  // 0.1 + 0.2 is exactly 0.3 here, unlike in floating point.
  t.ok(Quantity.parse('0.1').add(Quantity.parse('0.2')).equal(Quantity.parse('0.3')));
  t.equal(Quantity.parse('1Gi').add(Quantity.parse('512Mi')).toString(), '1536Mi');
  t.equal(Quantity.zero().add(Quantity.parse('1Gi')).toString(), '1Gi', 'adding to zero takes the format of y');
  t.equal(Quantity.parse('1Gi').sub(Quantity.parse('1Gi')).isZero(), true);
  t.equal(Quantity.parse('-1').sign(), -1);
  t.equal(Quantity.parse('0').sign(), 0);
  t.equal(Quantity.parse('100m').isFractional(), true);
  t.equal(Quantity.parse('1.5Gi').isFractional(), false);
  t.equal(Quantity.parse('1Gi').original, '1Gi');
  t.equal(Quantity.parse(0.5).original, '0.5');
});

t.test('formatBytes and formatMillis', async (t) => {
  const cases: Array<[bigint, string]> = [
    [0n, '0'],
    [1n, '1'],
    [1000n, '1000'],
    [1023n, '1023'],
    [1024n, '1Ki'],
    [536870912n, '512Mi'],
    [1610612736n, '1536Mi'],
    [8589934592n, '8Gi'],
    [500_000_000n, '500M'],
    [-1024n, '-1Ki'],
    [10n ** 12n, '1T'],
    [2n * 10n ** 18n, '2E'],
    [2_048_000n, '2000Ki'],
    [1_000_000n, '1M'],
  ];
  for (const [bytes, text] of cases) t.equal(formatBytes(bytes), text, `${bytes}`);
  t.equal(formatMillis(500n), '500m');
  t.equal(formatMillis(2000n), '2');
});
