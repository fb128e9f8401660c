import { readFileSync } from 'node:fs';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { OPENAPI_PATH } from '../../src/http/app.js';
import { PKI_ROUTES } from '../../src/http/pki-front.js';
import type { Db } from '../../src/store/db.js';
import { unsafeCharacter } from '../../src/text.js';
import { bearer, makeUser, testService, type TestService } from '../helpers/service.js';
import { storageAdapters } from '../helpers/storage.js';
import { activeSeal, creditCode, unitWithOperator } from '../helpers/units.js';
import { basicPdf } from '../pdf/fixtures.js';

/**
 * Issue 12, text inputs, tested as a class: every operation of openapi.yaml x every string it takes
 * (JSON body fields at any depth, query, path and header parameters) x every class of refused
 * character. The matrix is generated from openapi.yaml, so a field added there tomorrow is in it
 * without a line here. Each bad request must be a 400 problem naming that field, and the database
 * must be byte for byte what it was before the matrix ran.
 */

// Samples per class, written here independently of src/text.ts.
const CLASSES: Record<string, string[]> = {
  'C0 control or DEL': ['\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u001f', '\u007f'],
  'C1 control': ['\u0080', '\u0085', '\u009b', '\u009f'],
  'lone surrogate': ['\ud800', '\udbff', '\udc00', '\udfff'],
  'bidirectional control': ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c'],
  'line or paragraph separator': ['\u2028', '\u2029'],
};
/**
 * What can travel where: a lone surrogate has no UTF-8 form, so it can reach the service only inside
 * JSON (as a \\u escape; in a URL it decodes to U+FFFD). HTTP/1.1 header values are Latin-1 and Node's
 * parser refuses C0 controls in them, so only C1 controls can arrive in a header.
 */
const CLASSES_BY_PLACE: Record<Place, string[]> = {
  body: Object.keys(CLASSES),
  query: Object.keys(CLASSES).filter((c) => c !== 'lone surrogate'),
  params: Object.keys(CLASSES).filter((c) => c !== 'lone surrogate'),
  headers: ['C1 control'],
};

type Place = 'body' | 'query' | 'params' | 'headers';
interface Schema {
  type?: string;
  enum?: unknown[];
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  properties?: Record<string, Schema>;
  items?: Schema;
  $ref?: string;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: Schema;
  $ref?: string;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
}

const spec = parse(readFileSync(OPENAPI_PATH, 'utf8')) as { paths: Record<string, Record<string, Operation>> };
function deref<T>(x: T & { $ref?: string }): T {
  if (!x.$ref) return x;
  const target = x.$ref.replace(/^#\//, '').split('/').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], spec);
  return deref(target as T & { $ref?: string });
}

/** A value the schema accepts; for strings with room to spare, at least 3 characters. */
function validValue(schema0: Schema): unknown {
  const schema = deref(schema0);
  if (schema.enum) return schema.enum[0];
  switch (schema.type) {
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'array':
      return [validValue(schema.items!)];
    case 'object':
      return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, v]) => [k, validValue(v)]));
    default:
      return validString(schema);
  }
}

function validString(s: Schema): string {
  if (s.format === 'date') return '2026-12-01';
  if (s.format === 'date-time') return '2026-11-25T08:00:00Z';
  const length = Math.min(s.maxLength ?? 3, Math.max(s.minLength ?? 1, 3));
  if (s.pattern) {
    const re = new RegExp(s.pattern);
    const found = ['abc', 'a', '1', '123', 'abc.cer', 'abc.crl', '0'.repeat(64), '0'.repeat(40)].find((c) => re.test(c) && c.length <= (s.maxLength ?? Infinity));
    if (!found) throw new Error(`openapi.yaml: no sample value for pattern ${s.pattern}; add one to this test`);
    return found;
  }
  return 'x'.repeat(length);
}

/** Every string slot of an operation: where it is, its field name as problems name it, its schema. */
interface Slot {
  place: Place;
  field: string;
  path: (string | number)[];
  schema: Schema;
}
function stringSlots(op: Operation): Slot[] {
  const slots: Slot[] = [];
  for (const p0 of op.parameters ?? []) {
    const p = deref(p0);
    if (deref(p.schema).type !== 'string') continue;
    const place: Place = p.in === 'path' ? 'params' : p.in === 'query' ? 'query' : 'headers';
    slots.push({ place, field: `${place}.${place === 'headers' ? p.name.toLowerCase() : p.name}`, path: [p.name], schema: deref(p.schema) });
  }
  const json = op.requestBody?.content['application/json']?.schema;
  const walk = (schema0: Schema, path: (string | number)[]) => {
    const schema = deref(schema0);
    if (schema.type === 'object') for (const [k, v] of Object.entries(schema.properties ?? {})) walk(v, [...path, k]);
    else if (schema.type === 'array') walk(schema.items!, [...path, 0]);
    else if (schema.type === 'string' || (schema.type === undefined && schema.enum)) slots.push({ place: 'body', field: ['body', ...path].join('.'), path, schema });
  };
  if (json) walk(json, []);
  return slots;
}

interface Case {
  method: string;
  template: string;
  op: Operation;
}
const ALL_CASES: Case[] = Object.entries(spec.paths).flatMap(([template, item]) =>
  Object.entries(item).filter(([m]) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).map(([method, op]) => ({ method, template, op })),
);
/**
 * The CA's public routes are answered by the PKI front (src/http/pki-front.ts) before Express: no text
 * reaches storage, a certificate or a log from them; each input is matched against a strict syntax
 * (a CA id, base64, an algorithm name) and anything else is refused its own way (404, 400, or an OCSP
 * malformedRequest as RFC 6960 requires). They are checked apart, below.
 */
const isPki = (c: Case) => PKI_ROUTES.some((r) => r.method === c.method.toUpperCase() && r.path === c.template);
const CASES = ALL_CASES.filter((c) => !isPki(c));
const PKI_CASES = ALL_CASES.filter(isPki);

/** The request for `c` with every value valid, then `bad` put in place of the slot's value. */
function send(app: TestService['app'], token: string, c: Case, slot?: Slot, bad?: string) {
  const params: Record<string, string> = {};
  const query: Record<string, string> = {};
  const headers: Record<string, string> = { ...bearer(token) };
  for (const p0 of c.op.parameters ?? []) {
    const p = deref(p0);
    const value = String(validValue(p.schema));
    if (p.in === 'path') params[p.name] = value;
    else if (p.in === 'query' && slot?.place === 'query' && slot.path[0] === p.name) query[p.name] = value;
    else if (p.in === 'header' && slot?.place === 'headers' && slot.path[0] === p.name) headers[p.name] = value;
  }
  const jsonSchema = c.op.requestBody?.content['application/json']?.schema;
  let body: unknown = jsonSchema ? validValue(jsonSchema) : undefined;
  if (slot && bad !== undefined) {
    const base = String(slot.place === 'body' ? getAt(body, slot.path) : slot.place === 'params' ? params[slot.path[0]!] : validValue(slot.schema));
    // In the middle of an otherwise valid value, keeping its length, so only the character is wrong.
    const value = base.length >= 2 ? base.slice(0, -1) + bad : bad;
    if (slot.place === 'body') body = setAt(body, slot.path, value);
    else if (slot.place === 'params') params[slot.path[0] as string] = value;
    else if (slot.place === 'query') query[slot.path[0] as string] = value;
    else headers[slot.path[0] as string] = value;
  }
  const url = c.template.replace(/\{([^}]+)\}/g, (_m, name: string) => encodeURIComponent(params[name]!));
  let r = (request(app) as unknown as Record<string, (u: string) => request.Test>)[c.method]!(url).query(query).set(headers);
  const content = Object.keys(c.op.requestBody?.content ?? {});
  if (jsonSchema) r = r.send(body as object);
  else if (content.length > 0) r = r.set('Content-Type', content[0]!).send(Buffer.from('%PDF-1.7\n'));
  return r;
}

const getAt = (o: unknown, path: (string | number)[]): unknown => path.reduce<unknown>((x, k) => (x as Record<string | number, unknown>)[k], o);
function setAt(o: unknown, path: (string | number)[], value: unknown): unknown {
  const copy = structuredClone(o) as Record<string | number, unknown>;
  let at = copy;
  for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

/** The whole database as one string per table, to compare before and after. */
async function snapshot(db: Db): Promise<Record<string, string>> {
  const { rows: tables } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  );
  const out: Record<string, string> = {};
  for (const { table_name } of tables) {
    const { rows } = await db.query<{ d: string | null; n: string }>(`SELECT md5(string_agg(t::text, '|' ORDER BY t::text)) AS d, count(*)::text AS n FROM "${table_name}" t`);
    out[table_name] = `${rows[0]!.n}:${rows[0]!.d ?? ''}`;
  }
  return out;
}

describe('src/text.ts: the refused classes', () => {
  it('refuses every sample of every class, alone and inside text', () => {
    for (const [cls, samples] of Object.entries(CLASSES)) {
      for (const ch of samples) {
        expect(unsafeCharacter(ch), `${cls} ${JSON.stringify(ch)}`).not.toBeNull();
        expect(unsafeCharacter(`广州市${ch}人民政府`), `${cls} ${JSON.stringify(ch)}`).not.toBeNull();
      }
    }
    expect(unsafeCharacter('\udc00\ud800'), 'a pair in the wrong order').not.toBeNull();
  });
  it('over every UTF-16 code unit: exactly the classes above are refused (32 C0 + 33 DEL/C1 + 12 bidi + 2 separators + 2048 halves alone)', () => {
    let refused = 0;
    for (let c = 0; c < 0x10000; c++) if (unsafeCharacter(`a${String.fromCharCode(c)}b`)) refused++;
    expect(refused).toBe(32 + 33 + 12 + 2 + 2048);
  });

  it('accepts ordinary text: CJK (also outside the BMP), Latin, punctuation, full-width space', () => {
    for (const ok of ['广州市人民政府办公厅', '𠀀𪚥 (CJK Ext. B)', 'Müller-Lüdenscheidt & Söhne, Ltd.', '粤公〔2026〕12号', '办公室\u3000一科', '😀', '']) {
      expect(unsafeCharacter(ok), ok).toBeNull();
    }
  });
});

describe.each(storageAdapters())('every string of every request ($name)', (adapter) => {
  let db: Db;
  let svc: TestService;
  let token: string;

  beforeAll(async () => {
    db = await adapter.open();
    svc = await testService(db);
    token = (await makeUser(db, 'municipal-admin')).token;
    // Something in every table a refused request might touch: a unit with users (and so audit entries).
    await unitWithOperator(svc.app, token, 1, '广州市测试局');
  });
  afterAll(async () => {
    await svc?.close();
  });

  it('openapi.yaml caps the length of every string a request carries (or it is an enum, a date or a pattern)', () => {
    const uncapped = CASES.flatMap((c) =>
      stringSlots(c.op)
        .filter((s) => s.schema.maxLength === undefined && !s.schema.enum && !s.schema.format && !(s.schema.pattern && /\{\d+(,\d+)?\}\$$/.test(s.schema.pattern)))
        .map((s) => `${c.method.toUpperCase()} ${c.template} ${s.field}`),
    );
    expect(uncapped).toEqual([]);
  });

  it('every operation x every string field x every refused class: 400 naming the field, nothing written', { timeout: 600_000 }, async () => {
    const before = await snapshot(db);
    const failures: string[] = [];
    let tried = 0;
    for (const c of CASES) {
      for (const slot of stringSlots(c.op)) {
        for (const [i, cls] of CLASSES_BY_PLACE[slot.place].entries()) {
          const samples = CLASSES[cls]!.filter((ch) => slot.place !== 'headers' || ch >= '\u0080');
          const bad = samples[(tried + i) % samples.length]!;
          tried++;
          const res = await send(svc.app, token, c, slot, bad);
          const ok = res.status === 400 && /application\/problem\+json/.test(res.headers['content-type'] ?? '') && res.body.field === slot.field;
          if (!ok) failures.push(`${c.method.toUpperCase()} ${c.template} ${slot.field} ${cls} ${JSON.stringify(bad)}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // The matrix is not empty by accident: the fields the issue names are all in it.
    const fields = new Set(CASES.flatMap((c) => stringSlots(c.op).map((s) => s.field)));
    for (const f of ['body.name', 'body.reason', 'body.text', 'body.bottomText', 'body.physicalSealRef', 'body.purpose', 'body.department', 'body.newName', 'body.aliases.0', 'query.reason', 'query.title', 'headers.seal-operator']) {
      expect(fields, f).toContain(f);
    }
    expect(tried).toBeGreaterThan(150);
    expect(await snapshot(db)).toEqual(before);
  });

  it('the PKI front refuses every bad character in its inputs in its own way: never a success, nothing written', { timeout: 300_000 }, async () => {
    expect(PKI_CASES.length).toBe(PKI_ROUTES.length);
    const before = await snapshot(db);
    const failures: string[] = [];
    for (const c of PKI_CASES) {
      for (const slot of stringSlots(c.op)) {
        for (const cls of CLASSES_BY_PLACE[slot.place]) {
          for (const bad of CLASSES[cls]!) {
            const res = await send(svc.app, token, c, slot, bad).buffer(true).parse((r, cb) => {
              const chunks: Buffer[] = [];
              r.on('data', (x: Buffer) => chunks.push(x));
              r.on('end', () => cb(null, Buffer.concat(chunks)));
            });
            const body = res.body as Buffer;
            // OCSPResponse { responseStatus malformedRequest (1) }: DER 30 03 0a 01 01
            const ocspMalformed = res.status === 200 && body.equals(Buffer.from('30030a0101', 'hex'));
            if (!(res.status >= 400 && res.status < 500) && !ocspMalformed) failures.push(`${c.method} ${c.template} ${slot.field} ${JSON.stringify(bad)}: ${res.status}`);
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot(db)).toEqual(before);
  });

  it('blank strings are refused naming the field; names are stored trimmed', async () => {
    const before = await snapshot(db);
    const failures: string[] = [];
    for (const c of CASES) {
      for (const slot of stringSlots(c.op).filter((s) => s.place === 'body' && !s.schema.enum && !s.schema.pattern && !s.schema.format)) {
        const r = await sendWhole(c, slot, ' \u3000 ');
        if (r.status !== 400 || r.body.field !== slot.field) failures.push(`${c.method.toUpperCase()} ${c.template} ${slot.field}: ${r.status} ${JSON.stringify(r.body).slice(0, 160)}`);
      }
    }
    expect(failures).toEqual([]);
    expect(await snapshot(db)).toEqual(before);

    const made = await request(svc.app).post('/v1/users').set(bearer(token)).send({ name: '  审计员 张三 \u3000', role: 'auditor' }).expect(201);
    const { rows } = await db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [made.body.id]);
    expect(rows[0]!.name).toBe('审计员 张三');
    const unit = await request(svc.app).post('/v1/units').set(bearer(token)).send({ name: ' 广州市修剪局 ', code: creditCode(77), aliases: ['  修剪局'] }).expect(201);
    const u = await request(svc.app).get(`/v1/units/${unit.body.id}`).set(bearer(token)).expect(200);
    expect(u.body.name).toBe('广州市修剪局');
    expect(u.body.aliases).toEqual(['修剪局']);
  });

  it('sealing with a bad reason, title or Seal-Operator: 400 before the seal key or the TSA is touched (the issue\'s 500 after signing)', { timeout: 300_000 }, async () => {
    const u = await unitWithOperator(svc.app, token, 2, '广州市用印局');
    const sealId = await activeSeal(svc.app, token, u, '广州市用印局');
    const platform = (await makeUser(db, 'platform')).token;
    const pdf = Buffer.from(await basicPdf({ pages: 1 }));
    const before = await snapshot(db);
    const sign = (query: string, who = u.operator.token, operator?: string) => {
      let r = request(svc.app).post(`/v1/seals/${sealId}/sign?page=1&x=100&y=100&${query}`).set(bearer(who)).set('Content-Type', 'application/pdf');
      if (operator !== undefined) r = r.set('Seal-Operator', operator);
      return r.send(pdf);
    };
    const cases: [string, ReturnType<typeof sign>][] = [
      ['query.reason', sign(`reason=${encodeURIComponent('批准\u0000')}`)],
      ['query.reason', sign(`reason=${encodeURIComponent('同意\u202e意同')}`)],
      ['query.title', sign(`title=${encodeURIComponent('关于\u0007的通知')}`)],
      ['query.title', sign(`title=${encodeURIComponent('   ')}`)],
      ['headers.seal-operator', sign('', platform, `${u.operator.id}\u0085`)],
    ];
    for (const [field, pending] of cases) {
      const res = await pending;
      expect([field, res.status, res.body.field]).toEqual([field, 400, field]);
    }
    // Nothing signed, time-stamped or registered: every table as it was.
    expect(await snapshot(db)).toEqual(before);
    // And the same request with clean text seals.
    const ok = await sign(`reason=${encodeURIComponent(' 同意 ')}&title=${encodeURIComponent('关于印发的通知')}&level=B-T`);
    expect(ok.status).toBe(200);
  });

  /** The request with the slot's whole value replaced (for blank values). */
  function sendWhole(c: Case, slot: Slot, value: string) {
    const jsonSchema = c.op.requestBody!.content['application/json']!.schema;
    const body = setAt(validValue(jsonSchema), slot.path, value);
    const url = c.template.replace(/\{([^}]+)\}/g, 'abc');
    return (request(svc.app) as unknown as Record<string, (u: string) => request.Test>)[c.method]!(url).set(bearer(token)).send(body as object);
  }
});
