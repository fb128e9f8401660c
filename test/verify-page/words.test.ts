import { describe, expect, test } from 'vitest';
import type { ModificationReport, SignatureReport } from '../../src/verify/types.js';
import { CHECKS, REASONS, changesAfter, reasonWords, shanghaiTime, verdictWords } from '../../verify-page/src/words.js';

const sig = (modificationsAfter: ModificationReport[], over: Partial<SignatureReport> = {}): SignatureReport => ({
  field: 'Seal1', kind: 'signature', status: 'VALID', reason: 'ok', problems: [], format: 'cades', coversWholeDocument: false, revision: 0,
  modificationsAfter, checks: { integrity: true, signature: true, chain: true, revocation: true, timestamp: true, sealImage: true, modifications: true }, ...over,
});
const m = (revision: number, kind: string, allowed = true, fields?: string[]): ModificationReport =>
  ({ revision, kind, level: allowed ? 'form-filling' : 'other', allowed, ...(fields ? { fields } : {}) });

describe('the page\'s plain words', () => {
  test('a second unit\'s seal reads as one line naming the unit; its DSS revision as one line', () => {
    const s = sig([m(1, 'catalog'), m(1, 'dss'), m(2, 'catalog'), m(2, 'page-annots'), m(2, 'acroform'), m(2, 'signature', true, ['Seal2']), m(3, 'dss')]);
    const unit = (f: string) => (f === 'Seal2' ? '广州市测试档案局' : undefined);
    expect(changesAfter(s, 'zh', unit)).toEqual(['补充了验证信息（证书、吊销信息）（允许）', '又加盖了一个印章：广州市测试档案局（允许）']);
    expect(changesAfter(s, 'en', unit)).toEqual(['validation data (certificates, revocation data) was added (allowed)', 'another seal was added: 广州市测试档案局 (allowed)']);
  });
  test('a change that is not allowed is never folded into an allowed one', () => {
    const s = sig([m(2, 'signature', true, ['Seal2']), m(2, 'page-content', false)], { status: 'INVALID', reason: 'disallowed-modification' });
    expect(changesAfter(s, 'zh')).toEqual(['页面内容被修改（不允许）']);
    expect(reasonWords(s, 'zh')).toContain('不允许的修改');
  });
  test('a valid document time-stamp is not described as a seal', () => {
    expect(reasonWords({ reason: 'ok', kind: 'document-timestamp' }, 'zh')).toContain('时间戳有效');
    expect(reasonWords({ reason: 'ok', kind: 'signature' }, 'zh')).toContain('印章有效');
  });
  test('an unknown reason falls back to the verifier\'s own code and detail', () => {
    expect(reasonWords({ reason: 'something-new', detail: 'what happened' }, 'zh')).toBe('something-new: what happened');
  });
  test('every check and the common reasons have both languages', () => {
    for (const p of [...Object.values(CHECKS), ...Object.values(REASONS)]) {
      expect(p.zh).toMatch(/[\u4e00-\u9fff]/);
      expect(p.en).toMatch(/^[\x20-\x7e]+$/);
    }
  });
  test('times are Beijing time whatever the machine\'s zone', () => {
    expect(shanghaiTime('2026-11-29T16:30:00Z', 'zh')).toBe('2026/11/30 00:30:00 北京时间');
    expect(shanghaiTime(undefined, 'en')).toBe('—');
  });
  test('the verdict', () => {
    expect(verdictWords({ valid: true, signatures: [sig([])], revisions: 1, validationTime: '' }, 'zh')).toContain('所有印章均有效');
    expect(verdictWords({ valid: false, signatures: [], revisions: 1, validationTime: '' }, 'en')).toContain('no electronic seal');
  });
});
