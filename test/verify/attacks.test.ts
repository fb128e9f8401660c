import { beforeAll, describe, expect, test } from 'vitest';
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import { makeAttackCorpus, type AttackCorpus } from '../fixtures/make-attacks.js';
import { skipUnlessJudges } from '../helpers/judges.js';

let corpus: AttackCorpus;
beforeAll(async ({}, suite) => {
  // Two of its documents are signed by poppler's pdfsig, with a key in an NSS database.
  if (!skipUnlessJudges(suite, 'pdfsig', 'certutil', 'pk12util')) return;
  corpus = await makeAttackCorpus();
}, 180_000);

const NAMES = [
  'good-b-t', 'good-b-lt', 'bytes-changed', 'page-content-rewritten', 'page-added', 'signature-wrapping', 'signature-wrapping-second', 'byterange-short',
  'contents-empty', 'contents-malformed', 'contents-missing', 'byterange-missing', 'byterange-malformed', 'byterange-not-at-start',
  'shadow-base', 'shadow-hide', 'shadow-replace', 'shadow-hide-and-replace', 'shadow-dangling-reference', 'unknown-ca', 'revoked-before-signing',
  'revoked-after-signing', 'revocation-unknown-offline', 'expired-certificate', 'wrong-key-usage', 'name-constraints-inside',
  'name-constraints-violated', 'swapped-seal-image', 'two-units-first', 'two-units-second', 'docmdp-p1-extra-seal',
  'pdfsig-trusted', 'pdfsig-untrusted', 'signpdf-trusted', 'signpdf-untrusted',
];

describe('attack corpus', () => {
  test('every case of the corpus is listed here', () => {
    expect(corpus.cases.map((c) => c.name).sort()).toEqual([...NAMES].sort());
  });
  test.each(NAMES)('%s', async (name) => {
    const c = corpus.cases.find((x) => x.name === name)!;
    const anchors = [{ 'test-root': corpus.pki.root.certDer, 'other-root': corpus.otherPki.root.certDer, 'rsa-root': corpus.rsaRoot }[c.trust]];
    const report = await verifyPdf(c.pdf, { trustAnchors: anchors, ...(c.now ? { now: c.now } : {}) });
    const sig = report.signatures[c.expect.index ?? 0];
    expect(sig, JSON.stringify(report, null, 1)).toBeDefined();
    expect({ status: sig!.status, reason: sig!.reason }, JSON.stringify(sig, null, 1)).toEqual({ status: c.expect.status, reason: c.expect.reason });
    if (c.expect.detailMatches) expect(sig!.detail).toMatch(c.expect.detailMatches);
    expect(report.valid).toBe(report.signatures.every((s) => s.status === 'VALID'));
  });
});
