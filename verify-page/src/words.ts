/**
 * The verification page's words: what a verification report says, in plain Chinese (the default) or English,
 * for clerks and auditors rather than PKI engineers. Pure (no DOM), so the tests read it too.
 */
import type { CheckOutcome, ModificationReport, SignatureReport, SignatureStatus, VerificationReport } from '../../src/verify/types.js';

export type Lang = 'zh' | 'en';

type Pair = { zh: string; en: string };
const w = (zh: string, en: string): Pair => ({ zh, en });

export const UI = {
  title: w('电子印章验证', 'Electronic seal verification'),
  intro: w('把 PDF 文件拖到这里，或点击选择文件。文件只在本机浏览器中验证，不会上传。', 'Drop a PDF here or click to choose one. It is verified in this browser only; nothing is uploaded.'),
  choose: w('选择 PDF 文件', 'Choose a PDF'),
  trustTitle: w('信任的根证书', 'Trusted root certificates'),
  trustNone: w('尚未设置信任的根证书：请拖入或选择根证书（PEM）。', 'No trusted root yet: drop or choose a root certificate (PEM).'),
  trustAdd: w('添加根证书（PEM）', 'Add a root certificate (PEM)'),
  trustFromService: w('来自本服务', 'from this service'),
  trustBuiltIn: w('随本页面提供', 'built into this page'),
  trustAdded: w('由您添加', 'added by you'),
  trustBad: w('不是 PEM 格式的证书', 'not a PEM certificate'),
  verifying: w('正在验证…', 'Verifying…'),
  file: w('文件', 'File'),
  validAll: w('文件完好：所有印章均有效。', 'The document is intact: every seal is valid.'),
  invalidSome: w('文件验证未通过：见下面各印章。', 'The document did not pass verification: see each seal below.'),
  noSeals: w('此文件没有电子印章或签名。', 'This document has no electronic seal or signature.'),
  notPdf: w('无法验证此文件：', 'This file cannot be verified: '),
  seal: w('印章', 'Seal'),
  unit: w('盖章单位', 'Unit'),
  sealName: w('印章名称', 'Seal name'),
  signer: w('证书主体', 'Certificate subject'),
  issuer: w('签发机构', 'Issued by'),
  time: w('盖章时间', 'Sealed at'),
  timeStamped: w('（有可信时间戳）', '(trusted time-stamp)'),
  timeClaimed: w('（盖章方自称，无时间戳）', '(claimed by the sealer, no time-stamp)'),
  level: w('签名格式', 'Signature format'),
  changesAfter: w('盖章后的修改', 'Changes after sealing'),
  noChanges: w('无', 'None'),
  checks: w('各项检查', 'Checks'),
  details: w('技术细节', 'Technical details'),
  noImage: w('（无法在页面上找到此印章的位置）', '(the seal could not be located on a page)'),
  page: w('第 {n} 页', 'page {n}'),
  riding: w('骑缝章，跨第 {pages} 页', 'riding seal across pages {pages}'),
  timestamp: w('文档时间戳', 'Document time-stamp'),
  tsa: w('时间戳机构', 'Time-stamp authority'),
  stampedAt: w('时间戳时间', 'Time-stamped at'),
  timestampOk: w('时间戳有效：文件在此时间已经存在，此后未被改动。', 'The time-stamp is valid: the document existed at this time and was not altered after it.'),
  language: w('English', '中文'),
  validationTime: w('验证时间', 'Verified at'),
  offline: w('离线版本：本页面不连接网络。', 'Offline copy: this page makes no network connections.'),
} as const satisfies Record<string, Pair>;

export const STATUS: Record<SignatureStatus, Pair> = {
  VALID: w('有效', 'Valid'),
  INVALID: w('无效', 'Invalid'),
  INDETERMINATE: w('无法确定', 'Cannot be decided'),
};

export const CHECKS: Record<keyof SignatureReport['checks'], Pair> = {
  integrity: w('文件内容未被改动', 'Signed content unchanged'),
  signature: w('签名值正确', 'Signature value verifies'),
  chain: w('证书由信任的机构签发', 'Certificate from a trusted authority'),
  revocation: w('证书未被吊销', 'Certificate not revoked'),
  timestamp: w('时间戳', 'Time-stamp'),
  sealImage: w('印章图像与证书一致', 'Seal image matches the certificate'),
  modifications: w('盖章后的修改均被允许', 'Later changes are allowed ones'),
  ridingSlices: w('骑缝章各页完整', 'Every page keeps its riding-seal slice'),
  seseal: w('电子印章数据（GB/T 38540）由制章者签发且有效', 'Electronic seal data (GB/T 38540) signed by the seal maker and valid'),
};

/** The signature's format, named as a clerk would find it in the standards. */
export const FORMATS: Record<SignatureReport['format'], Pair> = {
  cades: w('PAdES', 'PAdES'),
  ses: w('GB/T 38540 电子签章（SM2）', 'GB/T 38540 e-seal signature (SM2)'),
  'cms-sm2': w('SM2 签名（GM/T 0010）', 'SM2 signature (GM/T 0010)'),
};

export const OUTCOME = (o: CheckOutcome): Pair =>
  o === true ? w('通过', 'passed') : o === false ? w('未通过', 'failed') : w('不适用或无法确定', 'not applicable or undecided');

/** What each reason code means, in plain words. Unknown codes fall back to the verifier's own detail text. */
export const REASONS: Record<string, Pair> = {
  ok: w('印章有效：盖章后文件未被篡改，证书可信。', 'The seal is valid: the document was not altered after sealing, and the certificate is trusted.'),
  'digest-mismatch': w('文件在盖章后被改动过（内容与盖章时不一致）。', 'The document was altered after it was sealed (its content differs from what was sealed).'),
  'message-digest-mismatch': w('文件在盖章后被改动过（内容与盖章时不一致）。', 'The document was altered after it was sealed (its content differs from what was sealed).'),
  'signature-invalid': w('签名值不正确：文件或签名被改动过。', 'The signature value does not verify: the document or the signature was altered.'),
  'disallowed-modification': w('盖章后文件有不允许的修改（例如改了页面内容）。', 'The document was changed after sealing in a way that is not allowed (for example page content).'),
  'chain-untrusted': w('印章证书不是由您信任的机构签发的。', 'The seal certificate was not issued by an authority you trust.'),
  'certificate-expired': w('盖章时证书已过期。', 'The certificate had expired when the seal was made.'),
  'certificate-expired-no-proof-of-time': w('证书现已过期，且没有可信时间证明盖章发生在过期之前。', 'The certificate has expired and nothing proves the seal was made before that.'),
  'certificate-not-yet-valid': w('盖章时证书尚未生效。', 'The certificate was not yet valid when the seal was made.'),
  'revoked-before-signing': w('盖章前证书已被吊销（例如印章已缴销或注销）。', 'The certificate was revoked before the seal was made (for example the seal was returned or destroyed).'),
  'revoked-signing-time-unproven': w('证书已被吊销，且无法证明盖章早于吊销。', 'The certificate was revoked and nothing proves the seal was made before that.'),
  'revocation-unknown': w('无法确认证书是否已被吊销（文件中没有吊销信息）。', 'Whether the certificate was revoked cannot be told (the document holds no revocation data).'),
  'seal-image-mismatch': w('页面上的印章图像与证书中登记的图像不一致。', 'The seal image on the page differs from the image registered in the certificate.'),
  'seal-image-missing': w('页面上找不到证书登记的印章图像。', 'The image registered in the certificate is not on the page.'),
  'seal-image-unreadable': w('页面上的印章图像无法读取。', 'The seal image on the page cannot be read.'),
  'seal-image-binding-malformed': w('证书中的印章图像登记信息损坏。', 'The seal image registration in the certificate is damaged.'),
  'riding-slice-missing': w('骑缝章缺少某一页上的部分。', 'A page is missing its part of the riding seal.'),
  'timestamp-untrusted': w('时间戳不是由您信任的机构签发的。', 'The time-stamp was not issued by an authority you trust.'),
  'timestamp-imprint-mismatch': w('时间戳与签名不对应。', 'The time-stamp does not belong to this signature.'),
  'timestamp-signature-invalid': w('时间戳的签名不正确。', 'The time-stamp\'s signature does not verify.'),
  'timestamp-chain-invalid': w('时间戳机构的证书有问题。', 'The time-stamp authority\'s certificate is not valid.'),
  'timestamp-malformed': w('时间戳无法读取。', 'The time-stamp cannot be read.'),
  'claimed-time-after-timestamp': w('自称的盖章时间晚于时间戳，时间不可信。', 'The claimed sealing time is after the time-stamp.'),
  'signed-after-validation-time': w('盖章时间晚于验证时间。', 'The seal was made after the validation time.'),
  'crypto-constraints': w('使用的算法过弱或不受支持，无法依赖。', 'The algorithms used are too weak or unsupported to rely on.'),
  'unsupported-algorithm': w('签名算法不受支持。', 'The signature algorithm is not supported.'),
  'key-usage-invalid': w('证书不允许用于盖章。', 'The certificate may not be used for sealing.'),
  'extended-key-usage-invalid': w('证书用途不符。', 'The certificate is not for this purpose.'),
  'name-constraints-violated': w('证书超出了签发机构被允许的范围。', 'The certificate is outside what its issuer may certify.'),
  'basic-constraints-violated': w('证书链中有不允许签发证书的证书。', 'A certificate in the path may not issue certificates.'),
  'path-length-exceeded': w('证书链过长。', 'The certificate path is too long.'),
  'unknown-critical-extension': w('证书含有无法理解的关键扩展。', 'A certificate carries a critical extension the verifier does not understand.'),
  'out-of-bounds-no-poe': w('证书已超出有效期，且没有归档时间戳证明。', 'A certificate is past its validity and no archive time-stamp proves the signature existed before.'),
  'cms-malformed': w('签名数据损坏，无法读取。', 'The signature data is damaged and cannot be read.'),
  'malformed-signature': w('签名字段损坏。', 'The signature field is damaged.'),
  'encapsulated-content': w('签名格式不正确（含有不应有的内容）。', 'The signature format is wrong (it carries content it must not).'),
  'signer-certificate-missing': w('签名中没有签名者证书。', 'The signature does not include the signer\'s certificate.'),
  'signed-attributes-missing': w('签名缺少必需的签名属性。', 'The signature lacks required signed attributes.'),
  'signing-certificate-mismatch': w('签名所指的证书与实际证书不符。', 'The signature names a different certificate than the one included.'),
  'signing-certificate-missing': w('签名没有标明签名证书。', 'The signature does not identify its certificate.'),
  'content-type-mismatch': w('签名的内容类型不符。', 'The signature\'s content type does not match.'),
  'rsa-not-allowed': w('此处不允许 RSA 签名。', 'RSA signatures are not allowed here.'),
  'byterange-missing': w('签名没有说明它覆盖文件的哪些部分。', 'The signature does not say which bytes it covers.'),
  'byterange-malformed': w('签名覆盖范围损坏。', 'The signature\'s byte range is damaged.'),
  'byterange-not-at-start': w('签名没有从文件开头覆盖。', 'The signature does not cover the file from its start.'),
  'byterange-beyond-file': w('签名覆盖范围超出文件。', 'The signature\'s byte range runs past the end of the file.'),
  'byterange-gap-not-contents': w('签名覆盖范围中有未签名的部分。', 'The signature leaves part of the file unsigned.'),
  'byterange-not-whole-revision': w('签名没有覆盖完整的文件版本。', 'The signature does not cover a whole revision of the file.'),
  'signature-dictionary-replaced': w('签名被替换过。', 'The signature was replaced.'),
  'contents-missing': w('签名内容缺失。', 'The signature value is missing.'),
  'contents-malformed': w('签名内容损坏。', 'The signature value is damaged.'),
  'contents-empty': w('签名内容为空。', 'The signature value is empty.'),
  'document-too-complex': w('文件结构过于复杂，超出验证的限度，无法判断。', 'The document is too complex to verify within the verifier\'s limits.'),
  // GB/T 38540 (SM2 seals): the SES_Signature and the seal data (SESeal) the seal maker signed
  'ses-malformed': w('电子签章数据（GB/T 38540）损坏，无法读取。', 'The GB/T 38540 signature data is damaged and cannot be read.'),
  'ses-property-mismatch': w('电子签章数据所指的文件范围与实际不符。', 'The GB/T 38540 signature names other bytes than those it signs.'),
  'seseal-signature-invalid': w('电子印章数据不是由制章者签发的（制章者签名不正确）。', 'The seal data was not signed by the seal maker (its signature does not verify).'),
  'signer-not-in-seseal': w('签章证书不属于这枚电子印章。', 'The signing certificate does not belong to this electronic seal.'),
  'seseal-not-valid-at-signing': w('盖章时电子印章不在有效期内。', 'The electronic seal was not valid when the document was sealed.'),
  'seseal-picture-unreadable': w('电子印章数据中的印章图像无法读取。', 'The seal picture in the seal data cannot be read.'),
};

/** What a later change is, in plain words (the verifier's modification kinds). */
export const CHANGE_KINDS: Record<string, Pair> = {
  signature: w('又加盖了一个印章', 'another seal was added'),
  'signature-field': w('又加盖了一个印章', 'another seal was added'),
  dss: w('补充了验证信息（证书、吊销信息）', 'validation data (certificates, revocation data) was added'),
  'document-timestamp': w('加了文档时间戳', 'a document time-stamp was added'),
  metadata: w('文档信息被修改', 'document information was changed'),
  'form-fill': w('填写了表单', 'a form was filled in'),
  annotation: w('添加了批注', 'an annotation was added'),
  'page-annots': w('页面批注被修改', 'page annotations were changed'),
  catalog: w('文档结构被修改', 'the document structure was changed'),
  'page-content': w('页面内容被修改', 'page content was changed'),
  page: w('页面被增加、删除或替换', 'a page was added, removed or replaced'),
  'unaccounted-bytes': w('文件末尾有来历不明的数据', 'unexplained data was appended to the file'),
  'unreadable-revision': w('有一个无法读取的修改', 'a change that cannot be read'),
  'unused-object-freed': w('清理了未使用的对象', 'unused objects were removed'),
  'unchanged-rewritten': w('未改变的内容被重写', 'unchanged content was rewritten'),
};

/** Why a file could not be verified at all, by the verifier's problem type. */
export const FILE_PROBLEMS: Record<string, Pair> = {
  'not-a-pdf': w('这不是可读取的 PDF 文件。', 'This is not a readable PDF file.'),
  'unverifiable-pdf': w('这不是可读取的 PDF 文件（或文件已损坏）。', 'This is not a readable PDF file (or it is damaged).'),
  'unsealable-pdf': w('这不是可读取的 PDF 文件（或文件已损坏）。', 'This is not a readable PDF file (or it is damaged).'),
  'encrypted-pdf': w('此 PDF 已加密，只能验证未加密的文件。', 'This PDF is encrypted; only unencrypted documents can be verified.'),
  'invalid-trust-anchor': w('某个信任的根证书无法读取。', 'A trusted root certificate cannot be read.'),
};

/** A verifier error in plain words: by its problem type when known, else its own detail. */
export function fileProblemWords(type: string | undefined, detail: string, lang: Lang): string {
  const p = type ? FILE_PROBLEMS[type] : undefined;
  return p ? p[lang] : detail;
}

export const pick = (p: Pair, lang: Lang): string => p[lang];

/** "label: value" with the colon of the language. */
export const labelled = (label: string, value: string, lang: Lang): string => `${label}${lang === 'zh' ? '：' : ': '}${value}`;

export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{(\w+)\}/g, (_m, k: string) => String(values[k] ?? ''));
}

/** The reason in plain words, or the verifier's detail when the code is not one we describe. */
export function reasonWords(sig: Pick<SignatureReport, 'reason' | 'detail'> & { kind?: SignatureReport['kind'] }, lang: Lang): string {
  if (sig.kind === 'document-timestamp' && sig.reason === 'ok') return UI.timestampOk[lang];
  const p = REASONS[sig.reason];
  if (p) return p[lang];
  return `${sig.reason}${sig.detail ? `: ${sig.detail}` : ''}`;
}

/** One later change in plain words, with whether it is allowed. */
export function changeWords(m: ModificationReport, lang: Lang): string {
  const what = CHANGE_KINDS[m.kind]?.[lang] ?? m.kind;
  const allowed = m.allowed ? (lang === 'zh' ? '（允许）' : ' (allowed)') : lang === 'zh' ? '（不允许）' : ' (not allowed)';
  const fields = m.fields?.length ? (lang === 'zh' ? `：${m.fields.join('、')}` : `: ${m.fields.join(', ')}`) : '';
  return `${what}${fields}${allowed}`;
}

/**
 * Changes after a seal, one line per later revision in plain words. A revision that adds a seal (its field, widget,
 * page /Annots and /AcroForm entries) reads "another seal was added: <unit> (allowed)"; one that only adds validation
 * data reads as that; a revision with a change not allowed lists each such change, so nothing wrong is folded away.
 * `unitOfField` names the unit that signed a field (from the same report).
 */
export function changesAfter(sig: SignatureReport, lang: Lang, unitOfField: (field: string) => string | undefined = () => undefined): string[] {
  const byRevision = new Map<number, ModificationReport[]>();
  for (const m of sig.modificationsAfter) byRevision.set(m.revision, [...(byRevision.get(m.revision) ?? []), m]);
  const out: string[] = [];
  const add = (line: string) => { if (!out.includes(line)) out.push(line); };
  const allowed = lang === 'zh' ? '（允许）' : ' (allowed)';
  for (const entries of byRevision.values()) {
    const wrong = entries.filter((m) => !m.allowed);
    if (wrong.length) { for (const m of wrong) add(changeWords(m, lang)); continue; }
    const seal = entries.find((m) => m.kind === 'signature' || m.kind === 'signature-field');
    if (seal) {
      const who = (seal.fields ?? []).map((f) => unitOfField(f) ?? f).join(lang === 'zh' ? '、' : ', ');
      add(`${CHANGE_KINDS.signature![lang]}${who ? (lang === 'zh' ? `：${who}` : `: ${who}`) : ''}${allowed}`);
      continue;
    }
    // a document time-stamp or validation data (DSS) comes with the catalog entry that points to it: one line
    const stamp = entries.find((m) => m.kind === 'document-timestamp') ?? entries.find((m) => m.kind === 'dss');
    if (stamp) { add(changeWords(stamp, lang)); continue; }
    for (const m of entries) add(changeWords(m, lang));
  }
  return out;
}

/** Times in Asia/Shanghai whatever the browser's zone, as the register records them for the city. */
export function shanghaiTime(iso: string | undefined, lang: Lang): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const text = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  }).format(d);
  return `${text} ${lang === 'zh' ? '北京时间' : 'Beijing time'}`;
}

/** The document's verdict in one sentence. */
export function verdictWords(report: VerificationReport, lang: Lang): string {
  if (!report.signatures.length) return UI.noSeals[lang];
  return report.valid ? UI.validAll[lang] : UI.invalidSome[lang];
}
