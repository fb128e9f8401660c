import { AppError } from '../errors.js';

/**
 * 统一社会信用代码 unified social credit code (GB 32100-2015): 18 characters from a 31-symbol
 * alphabet (digits and capitals without I, O, Z, S, V). Position 1 is the registration authority,
 * 2 the organisation type, 3-8 the administrative division code (digits), 9-17 the organisation
 * code body, 18 a check character: C18 = 31 - (sum(Ci * Wi) mod 31), with 31 written as 0.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function creditCodeCheckCharacter(first17: string): string | null {
  if (first17.length !== 17) return null;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const v = ALPHABET.indexOf(first17[i]!);
    if (v < 0) return null;
    sum += v * WEIGHTS[i]!;
  }
  const check = (31 - (sum % 31)) % 31;
  return ALPHABET[check]!;
}

export function validateCreditCode(code: string): boolean {
  if (typeof code !== 'string' || !/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  return creditCodeCheckCharacter(code.slice(0, 17)) === code[17];
}

/** Throws AppError 422 `invalid-credit-code` unless the code is well-formed with the right check character. */
export function assertCreditCode(code: string): void {
  if (!validateCreditCode(code)) {
    throw new AppError(422, 'invalid-credit-code', 'The unified social credit code is malformed or its check character (GB 32100-2015) is wrong.', {
      field: 'code',
    });
  }
}
