/**
 * Checks that turn pattern candidates into findings: check digits (Luhn, IBAN mod 97) and
 * the shapes phone numbers are written in. Pure functions of the candidate text.
 */

/** The Luhn check every payment card number passes. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let value = digits.charCodeAt(i) - 48;
    if (double) {
      value *= 2;
      if (value > 9) value -= 9;
    }
    sum += value;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A payment card number: 13-19 digits, written with no separators or one kind of separator,
 * a major network's first digit (2-6: Mastercard, Amex, Visa, Mastercard, Discover/UnionPay),
 * and a valid Luhn check digit.
 */
export function isCardNumber(candidate: string): boolean {
  const separators = new Set(candidate.replace(/\d/g, ''));
  if (separators.size > 1) return false;
  const digits = candidate.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^[2-6]/.test(digits)) return false;
  // Runs of one digit (0000 0000 …) pass Luhn but are placeholders, not cards.
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

/** An IBAN: two letters, two check digits, 11-30 letters or digits, and mod 97 = 1 (ISO 13616). */
export function isIban(candidate: string): boolean {
  const compact = candidate.replace(/ /g, '');
  if (compact.length < 15 || compact.length > 34) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const code = rearranged.charCodeAt(i);
    const value = code <= 57 ? code - 48 : code - 55; // A = 10 … Z = 35
    remainder = value > 9 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

/** North American (NANP) forms: (415) 555-2671, 415-555-2671, 415.555.2671, 1-415-555-2671. */
const NANP = /^(?:1[-. ])?(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}$/;
/** National forms with a trunk prefix 0: 020 7946 0958, 030-12345678, 01 23 45 67 89, (030) 1234567. */
const TRUNK = /^(?:0\d{1,4}|\(0\d{1,4}\) ?)(?:[ .-]?\d{2,8}){1,4}$/;

/**
 * A phone number: international (+ and 8-15 digits, any grouping), North American, or a
 * national number with a trunk prefix 0 (9-12 digits). Dates, IP addresses, versions and
 * bare digit strings without a leading 0 do not pass.
 */
export function isPhoneNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, '').length;
  if (digits < 7 || digits > 15) return false;
  const open = candidate.indexOf('(');
  const close = candidate.indexOf(')');
  if ((open === -1) !== (close === -1) || close < open || candidate.indexOf('(', open + 1) !== -1 || candidate.indexOf(')', close + 1) !== -1) return false;
  if (/[ .()-]{3}|[.-]{2}/.test(candidate)) return false;
  if (candidate.startsWith('+')) return digits >= 8;
  if (NANP.test(candidate)) return true;
  return TRUNK.test(candidate) && digits >= 9 && digits <= 12 && !/^0\d+\.\d+$/.test(candidate);
}
