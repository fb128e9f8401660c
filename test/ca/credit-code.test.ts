import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assertCreditCode, creditCodeCheckCharacter, validateCreditCode } from '../../src/ca/credit-code.js';
import { AppError } from '../../src/errors.js';

const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts the published sample and codes with a computed check character', () => {
    expect(validateCreditCode('91350100M000100Y43')).toBe(true);
    // Worked by hand: sum(Ci*Wi) over 91350100M000100Y4 = 1640; 1640 mod 31 = 28; 31 - 28 = 3 -> '3'
    expect(creditCodeCheckCharacter('91350100M000100Y4')).toBe('3');
    expect(validateCreditCode('91110000100000000' + creditCodeCheckCharacter('91110000100000000'))).toBe(true);
  });

  it('rejects a wrong check character, bad letters, wrong length and lower case', () => {
    expect(validateCreditCode('91350100M000100Y44')).toBe(false);
    expect(validateCreditCode('91350100M000100Y4')).toBe(false);
    expect(validateCreditCode('91350100M000100Y430')).toBe(false);
    expect(validateCreditCode('91350100m000100y43')).toBe(false);
    expect(validateCreditCode('91350100O000100Y43')).toBe(false); // O is not in the alphabet
    expect(validateCreditCode('913501A0M000100Y43')).toBe(false); // division code is digits
    expect(validateCreditCode('')).toBe(false);
  });

  it('exactly one check character completes any 17-character body', () => {
    const body = fc
      .tuple(
        fc.array(fc.constantFrom(...ALPHABET), { minLength: 2, maxLength: 2 }),
        fc.array(fc.constantFrom(...'0123456789'), { minLength: 6, maxLength: 6 }),
        fc.array(fc.constantFrom(...ALPHABET), { minLength: 9, maxLength: 9 }),
      )
      .map(([a, b, c]) => [...a, ...b, ...c].join(''));
    fc.assert(
      fc.property(body, (b) => {
        const valid = [...ALPHABET].filter((c) => validateCreditCode(b + c));
        return valid.length === 1 && valid[0] === creditCodeCheckCharacter(b);
      }),
      { numRuns: 300 },
    );
  });

  it('assertCreditCode throws AppError 422 invalid-credit-code', () => {
    expect(() => assertCreditCode('91350100M000100Y43')).not.toThrow();
    try {
      assertCreditCode('91350100M000100Y44');
      throw new Error('not thrown');
    } catch (e) {
      expect(e).toBeInstanceOf(AppError);
      expect((e as AppError).status).toBe(422);
      expect((e as AppError).type).toBe('invalid-credit-code');
    }
  });
});
