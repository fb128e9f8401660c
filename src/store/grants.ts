import type { Queryable } from './db.js';

/** The tables that only grow: the service's own role may read and append, nothing more. */
export const APPEND_ONLY_TABLES = ['audit_log', 'audit_checkpoints'] as const;

/**
 * Run by the owner role after migrating: the service's role (DATABASE_URL) may read and write the
 * service's tables, but only read and append the audit tables. It cannot UPDATE, DELETE or TRUNCATE
 * audit rows, and, not owning them, cannot drop or disable their triggers either. Idempotent (run at
 * every start, so tables added by later migrations are covered).
 */
export async function grantServiceRole(owner: Queryable, serviceRole: string): Promise<void> {
  const { rows } = await owner.query<{ role: string; schema: string; owner: string }>(
    'SELECT quote_ident($1) AS role, quote_ident(current_schema()) AS schema, quote_ident(current_user) AS owner',
    [serviceRole],
  );
  const { role, schema, owner: self } = rows[0]!;
  if (role === self) return; // one role for both: only the triggers guard the log
  await owner.exec(`
    GRANT USAGE ON SCHEMA ${schema} TO ${role};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${role};
    REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON ${APPEND_ONLY_TABLES.join(', ')} FROM ${role};
    REVOKE CREATE ON SCHEMA ${schema} FROM ${role};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role};
  `);
}
