// Shared wording helpers of the rules (rules/utils.ts).
import t from 'tap';
import { withArticle } from '../../rules/utils.js';

t.test('indefinite article as the amount is spoken', async (t) => {
  const cases: Array<[string, string]> = [
    ['8Gi', 'an 8Gi'],
    ['16Gi', 'a 16Gi'],
    ['11Gi', 'an 11Gi'],
    ['18Gi', 'an 18Gi'],
    ['110Gi', 'a 110Gi'],
    ['1T', 'a 1T'],
    ['800Mi', 'an 800Mi'],
    ['11000', 'an 11000'],
    ['1100', 'a 1100'],
    ['64Gi', 'a 64Gi'],
  ];
  for (const [amount, want] of cases) t.equal(withArticle(amount), want, amount);
});
