/**
 * The verification page (验证页面): a PDF dropped or chosen here is verified in the browser by the service's own
 * verifier (src/verify, on the browser crypto port); the document never leaves the machine. Shows the verdict, then
 * each seal: its picture as on the page, unit, seal, time, level, later changes and the checks, in plain words.
 */
import { verifyPdf } from '../../src/verify/verify-pdf.js';
import type { SignatureReport, VerificationReport } from '../../src/verify/types.js';
import { digest } from '../../src/verify/signature-algorithms.js';
import { sealPictures, type SealPicture } from './seal-view.js';
import { addRoots, rootsFromPem, serviceRoots, type TrustedRoot } from './trust.js';
import { CHECKS, FORMATS, OUTCOME, STATUS, UI, changesAfter, fileProblemWords, fill, labelled, reasonWords, shanghaiTime, verdictWords, type Lang } from './words.js';

interface Result {
  name: string;
  size: number;
  sha256: string;
  report?: VerificationReport;
  error?: { type?: string; detail: string };
  pictures: Map<string, SealPicture>;
}

const offline = document.documentElement.dataset.offline === 'true';
let lang: Lang = (localStorage.getItem('verify-lang') as Lang | null) === 'en' || new URLSearchParams(location.search).get('lang') === 'en' ? 'en' : 'zh';
const roots: TrustedRoot[] = [];
let rootError = '';
let current: Result | undefined;
let lastBytes: Uint8Array | undefined;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, ...children: (Node | string | undefined)[]): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) if (c !== undefined) e.append(c);
  return e;
}

function setState(state: 'idle' | 'verifying' | 'done' | 'error') {
  document.body.dataset.state = state;
}

function renderStatic() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.title = UI.title[lang];
  $('title').textContent = UI.title[lang];
  $('intro').textContent = UI.intro[lang];
  $('choose-label').textContent = UI.choose[lang];
  $('lang').textContent = UI.language[lang];
  $('trust-title').textContent = UI.trustTitle[lang];
  $('trust-add-label').textContent = UI.trustAdd[lang];
  $('offline-note').textContent = offline ? UI.offline[lang] : '';
  renderRoots();
  renderResult();
}

function renderRoots() {
  const list = $('roots');
  list.replaceChildren();
  const source = { 'built-in': UI.trustBuiltIn, service: UI.trustFromService, added: UI.trustAdded };
  if (!roots.length) list.append(el('li', { class: 'warn' }, UI.trustNone[lang]));
  for (const r of roots) {
    list.append(el('li', {}, el('span', { class: 'root-name' }, r.name), ' ', el('span', { class: 'root-source' }, lang === 'zh' ? `（${source[r.source][lang]}）` : `(${source[r.source][lang]})`),
      el('br'), el('code', { class: 'fingerprint' }, `SHA-256 ${r.fingerprint}`)));
  }
  if (rootError) list.append(el('li', { class: 'warn' }, rootError));
}

function row(label: string, value: Node | string): HTMLElement {
  return el('div', { class: 'row' }, el('dt', {}, label), el('dd', {}, value));
}

function sealCard(sig: SignatureReport, index: number, picture: SealPicture | undefined, unitOfField: (field: string) => string | undefined): HTMLElement {
  const isStamp = sig.kind === 'document-timestamp';
  const title = isStamp ? UI.timestamp[lang] : `${UI.seal[lang]} ${index + 1}${sig.signer?.seal ? ` · ${sig.signer.seal}` : ''}`;
  const head = el('header', {}, el('h2', {}, title), el('span', { class: `status status-${sig.status}`, 'data-status': sig.status }, STATUS[sig.status][lang]));
  const figure = isStamp ? undefined : picture
    ? el('figure', {}, el('img', { src: picture.dataUrl, alt: title, class: 'seal-picture' }), el('figcaption', {}, fill(UI.page[lang], { n: picture.page })))
    : el('figure', { class: 'no-picture' }, UI.noImage[lang]);
  const facts = el('dl', {});
  facts.append(el('p', { class: `reason reason-${sig.status}` }, reasonWords(sig, lang)));
  if (isStamp) {
    // a document time-stamp: who stamped it and when; no unit, no seal
    if (sig.signer) facts.append(row(UI.tsa[lang], sig.signer.seal || sig.signer.unit || '—'));
    facts.append(row(UI.stampedAt[lang], shanghaiTime(sig.signedAt, lang)));
  } else {
    if (sig.signer) facts.append(row(UI.unit[lang], sig.signer.unit || '—'), row(UI.sealName[lang], sig.signer.seal || '—'));
    const timeNote = sig.timeSource === 'timestamp' ? UI.timeStamped[lang] : sig.timeSource === 'claimed' ? UI.timeClaimed[lang] : '';
    facts.append(row(UI.time[lang], `${shanghaiTime(sig.signedAt, lang)} ${timeNote}`.trim()));
  }
  facts.append(row(UI.level[lang], `${FORMATS[sig.format]?.[lang] ?? sig.format}${sig.level ? ` ${sig.level}` : ''}`));
  if (sig.riding && sig.ridingPages?.length) facts.append(row(UI.seal[lang], fill(UI.riding[lang], { pages: sig.ridingPages.join(lang === 'zh' ? '、' : ', ') })));
  const changes = changesAfter(sig, lang, unitOfField);
  facts.append(row(UI.changesAfter[lang], changes.length ? el('ul', { class: 'changes' }, ...changes.map((c) => el('li', {}, c))) : UI.noChanges[lang]));
  const checks = el('ul', { class: 'checks' });
  for (const [key, outcome] of Object.entries(sig.checks) as [keyof SignatureReport['checks'], SignatureReport['checks'][keyof SignatureReport['checks']]][]) {
    // what does not apply to a time-stamp (revocation of its own certificate aside, a seal image) is left out
    if (outcome === undefined || (isStamp && outcome === null)) continue;
    const mark = outcome === true ? '✔' : outcome === false ? '✘' : '–';
    checks.append(el('li', { class: `check check-${String(outcome)}` }, el('span', { class: 'mark' }, mark), ` ${labelled(CHECKS[key][lang], OUTCOME(outcome)[lang], lang)}`));
  }
  facts.append(row(UI.checks[lang], checks));
  const tech = el('details', {}, el('summary', {}, UI.details[lang]),
    el('pre', {}, [
      `field: ${sig.field}`, `reason: ${sig.reason}`, sig.detail ? `detail: ${sig.detail}` : undefined,
      sig.signer ? `${UI.signer[lang]}: ${sig.signer.subject}` : undefined, sig.signer ? `${UI.issuer[lang]}: ${sig.signer.issuer}` : undefined,
      sig.signer ? `serial: ${sig.signer.certificateSerial}` : undefined, sig.subFilter ? `subFilter: ${sig.subFilter}` : undefined,
      ...sig.problems.slice(1).map((p) => `${p.reason}: ${p.detail}`),
    ].filter(Boolean).join('\n')));
  return el('article', { class: `seal seal-${sig.status}`, 'data-status': sig.status, 'data-field': sig.field },
    head, el('div', { class: 'seal-body' }, figure ?? '', el('div', { class: 'facts' }, facts, tech)));
}

function renderResult() {
  const out = $('result');
  out.replaceChildren();
  if (!current) return;
  const r = current;
  out.append(el('p', { class: 'file' }, labelled(UI.file[lang], `${r.name} · ${r.size.toLocaleString()} B · SHA-256 ${r.sha256}`, lang)));
  if (r.error) {
    out.append(el('p', { class: 'verdict verdict-error', id: 'verdict', 'data-valid': 'false' }, UI.notPdf[lang] + fileProblemWords(r.error.type, r.error.detail, lang)));
    return;
  }
  const report = r.report!;
  out.append(el('p', { class: `verdict ${report.valid ? 'verdict-valid' : 'verdict-invalid'}`, id: 'verdict', 'data-valid': String(report.valid) }, verdictWords(report, lang)));
  out.append(el('p', { class: 'validation-time' }, labelled(UI.validationTime[lang], shanghaiTime(report.validationTime, lang), lang)));
  let n = 0;
  const unitOfField = (field: string) => report.signatures.find((s) => s.field === field)?.signer?.unit || undefined;
  for (const sig of report.signatures) {
    out.append(sealCard(sig, sig.kind === 'document-timestamp' ? -1 : n, r.pictures.get(sig.field), unitOfField));
    if (sig.kind !== 'document-timestamp') n++;
  }
}

async function verify(name: string, bytes: Uint8Array) {
  lastBytes = bytes;
  setState('verifying');
  $('result').replaceChildren(el('p', { class: 'busy' }, UI.verifying[lang]));
  // let "verifying…" be painted before the verifier's synchronous parts (reading, hashing) hold the thread
  await new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
  const sha256 = digest('SHA-256', bytes).toString('hex');
  const result: Result = { name, size: bytes.length, sha256, pictures: new Map() };
  try {
    result.report = await verifyPdf(bytes, { trustAnchors: roots.map((x) => x.der) });
    result.pictures = await sealPictures(bytes, result.report.signatures.map((s) => s.field));
  } catch (e) {
    const err = e as { type?: string; detail?: string; message?: string };
    result.error = { ...(err.type ? { type: err.type } : {}), detail: err.detail ?? err.message ?? String(e) };
  }
  current = result;
  renderResult();
  setState(result.error ? 'error' : 'done');
}

const looksLikePem = (bytes: Uint8Array) => new TextDecoder('latin1').decode(bytes.subarray(0, 2048)).includes('-----BEGIN');

async function take(file: File) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (/\.(pem|crt|cer)$/i.test(file.name) || looksLikePem(bytes)) {
    try {
      addRoots(roots, rootsFromPem(new TextDecoder().decode(bytes), 'added'));
      rootError = '';
    } catch {
      rootError = `${file.name}: ${UI.trustBad[lang]}`;
    }
    renderRoots();
    // A root added after a document was dropped: verify that document again with it.
    if (lastBytes && current) await verify(current.name, lastBytes);
    return;
  }
  await verify(file.name, bytes);
}

async function start() {
  const builtIn = document.getElementById('trusted-roots')?.textContent ?? '';
  try {
    if (builtIn.includes('-----BEGIN')) addRoots(roots, rootsFromPem(builtIn, 'built-in'));
  } catch {
    rootError = UI.trustBad[lang];
  }
  if (!offline && location.protocol !== 'file:') addRoots(roots, await serviceRoots());
  renderStatic();
  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    try { localStorage.setItem('verify-lang', lang); } catch { /* file:// may refuse storage */ }
    renderStatic();
  });
  const pdfInput = $<HTMLInputElement>('pdf-input');
  pdfInput.addEventListener('change', () => { const f = pdfInput.files?.[0]; if (f) void take(f); pdfInput.value = ''; });
  const rootInput = $<HTMLInputElement>('root-input');
  rootInput.addEventListener('change', () => { const f = rootInput.files?.[0]; if (f) void take(f); rootInput.value = ''; });
  const drop = $('drop');
  drop.addEventListener('click', (e) => { if (e.target === drop || (e.target as HTMLElement).id === 'intro') pdfInput.click(); });
  document.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  document.addEventListener('dragleave', () => drop.classList.remove('over'));
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files?.[0];
    if (f) void take(f);
  });
  setState('idle');
}

void start();
