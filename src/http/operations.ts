import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

/**
 * Which operations of openapi.yaml need a bearer token, known before the body is read or validated:
 * authentication comes first in the pipeline (a request without a token is 401 before any 400), and
 * the contract, not a second list, says which operations are public (`security: []`).
 */
export interface OperationIndex {
  /** True when the operation (method and path) is described and needs authentication. */
  needsAuthentication(method: string, path: string): boolean;
  /** Every request header some operation declares as a parameter (lower case), e.g. seal-operator. */
  declaredHeaders: string[];
}

interface SpecParameter {
  in?: string;
  name?: string;
  $ref?: string;
}
interface SpecOperation {
  security?: unknown[];
  parameters?: SpecParameter[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function operationIndex(specPath: string): OperationIndex {
  const spec = parse(readFileSync(specPath, 'utf8')) as {
    security?: unknown[];
    paths: Record<string, Record<string, SpecOperation>>;
    components?: { parameters?: Record<string, SpecParameter> };
  };
  const resolve = (p: SpecParameter) => (p.$ref ? (spec.components?.parameters?.[p.$ref.replace('#/components/parameters/', '')] ?? {}) : p);
  const headers = new Set<string>();
  const securedByDefault = (spec.security ?? []).length > 0;
  const secured: { method: string; pattern: RegExp }[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    // '/v1/units/{id}/users' -> ^/v1/units/[^/]+/users$ ; a parameter is one non-empty segment.
    const pattern = new RegExp('^' + template.split(/\{[^}]+\}/).map(escape).join('[^/]+') + '/?$');
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const needs = op.security !== undefined ? op.security.length > 0 : securedByDefault;
      if (needs) secured.push({ method: method.toUpperCase(), pattern });
      for (const p of op.parameters ?? []) {
        const r = resolve(p);
        if (r.in === 'header' && r.name) headers.add(r.name.toLowerCase());
      }
    }
  }
  return {
    declaredHeaders: [...headers],
    needsAuthentication(method, path) {
      const m = method === 'HEAD' ? 'GET' : method;
      return secured.some((s) => s.method === m && s.pattern.test(path));
    },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
