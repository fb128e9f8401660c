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
}

interface SpecOperation {
  security?: unknown[];
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function operationIndex(specPath: string): OperationIndex {
  const spec = parse(readFileSync(specPath, 'utf8')) as { security?: unknown[]; paths: Record<string, Record<string, SpecOperation>> };
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
    }
  }
  return {
    needsAuthentication(method, path) {
      const m = method === 'HEAD' ? 'GET' : method;
      return secured.some((s) => s.method === m && s.pattern.test(path));
    },
  };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
