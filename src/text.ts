/**
 * Text that a caller sends ends up in certificates (subject names), PDFs (/Reason, /Name), seal images
 * and the append-only audit log, where it cannot be taken back. Some characters have no business in any
 * of them: they are refused rather than cleaned, so that what is stored is exactly what was sent.
 *
 * - control characters (C0, DEL, C1): NUL is refused by PostgreSQL only after the seal key and the
 *   time-stamp were used; the others break log lines, CSV exports and terminal output;
 * - lone surrogates (UTF-16 halves without their partner): not Unicode text, unencodable as UTF-8;
 * - bidirectional controls (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C): they make a name read
 *   differently from the characters it holds ("Trojan Source"), e.g. a unit name shown reversed;
 * - line and paragraph separators (U+2028, U+2029): line breaks by another name.
 *
 * Used by every entry point that takes text: the HTTP layer (src/http/text-inputs.ts) and the CLI.
 */

/** Any refused character; a lone surrogate is a high half not followed by a low one, or a low half not after a high one. */
const REFUSED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` may not be stored ("a control character (U+0000)"); null when it may. */
export function unsafeCharacter(s: string): string | null {
  // One regular-expression scan for the common case (clean text); the loop below only names what it found.
  if (!REFUSED.test(s)) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `a control character (${hex(c)})`;
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++;
        continue;
      }
      return `a lone surrogate (${hex(c)})`;
    }
    if (c >= 0xdc00 && c <= 0xdfff) return `a lone surrogate (${hex(c)})`;
    if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x200e || c === 0x200f || c === 0x061c) {
      return `a bidirectional control (${hex(c)})`;
    }
    if (c === 0x2028 || c === 0x2029) return `a line or paragraph separator (${hex(c)})`;
  }
  throw new Error('unsafeCharacter: the pattern and the loop disagree'); // kept in step by test/http/text-inputs.test.ts
}

const hex = (c: number) => 'U+' + c.toString(16).toUpperCase().padStart(4, '0');
