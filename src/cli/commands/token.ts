import { parseArgs } from 'node:util';
import { isRole, MUNICIPAL_ROLES, ROLES, type Role } from '../../auth/roles.js';
import { unsafeCharacter } from '../../text.js';

const USAGE = `usage: seal token create --role ROLE [--name NAME] [--unit UNIT_ID] [--url http://HOST:PORT]

  Makes a user with that role and prints its token once (on stdout; the rest goes to stderr).
  roles: ${ROLES.join(', ')}; unit-admin and operator need --unit.

  --url URL   against a running service, over HTTP, as a municipal administrator (or, for a unit's
              users, that unit's administrator) whose token is read from the environment variable
              SEAL_TOKEN, never from the command line (where ps shows it)
  (no --url)  opens the database directly: PostgreSQL (DATABASE_URL) any time, the embedded database
              (SEAL_DATA_DIR) only while the service is stopped; while it runs, this refuses with exit 1
exit status: 0 made, 1 refused or failed, 2 usage error
`;

interface TokenRequest {
  role: Role;
  name: string;
  unitId: string | null;
}

/** `seal token create …`: a new user with a token, over HTTP or straight into a database nobody else holds. */
export async function tokenCommand(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const [sub, ...rest] = args;
  let values: { role?: string; name?: string; unit?: string; url?: string };
  try {
    if (sub !== 'create') throw new Error(sub ? `unknown subcommand "${sub}"` : 'expected: create');
    ({ values } = parseArgs({
      args: rest,
      options: { role: { type: 'string' }, name: { type: 'string' }, unit: { type: 'string' }, url: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`seal token: ${(e as Error).message.split('\n')[0]}\n${USAGE}`);
    return 2;
  }
  if (!isRole(values.role)) {
    process.stderr.write(`seal token create: --role must be one of ${ROLES.join(', ')}\n`);
    return 2;
  }
  const role = values.role;
  const needsUnit = !(MUNICIPAL_ROLES as readonly string[]).includes(role);
  if (needsUnit !== Boolean(values.unit)) {
    process.stderr.write(`seal token create: --unit is ${needsUnit ? 'required' : 'not allowed'} for role ${role}\n`);
    return 2;
  }
  const name = values.name?.trim();
  const unsafe = values.name !== undefined ? (name === '' ? 'nothing but blanks' : unsafeCharacter(values.name)) : null;
  if (unsafe) {
    process.stderr.write(`seal token create: --name contains ${unsafe}\n`);
    return 2;
  }
  const request: TokenRequest = { role, name: name ?? `${role} (command line)`, unitId: values.unit ?? null };
  if (values.url !== undefined) return createOverHttp(values.url, request);
  return createInDatabase(request);
}

/** Against a running service: the same endpoints the console uses, so the audit log names who asked. */
async function createOverHttp(base: string, req: TokenRequest): Promise<number> {
  const bearer = process.env.SEAL_TOKEN;
  if (!bearer) {
    process.stderr.write('seal token create: --url needs the caller\'s token in the environment variable SEAL_TOKEN\n');
    return 2;
  }
  let url: URL;
  try {
    url = new URL(req.unitId ? `/v1/units/${encodeURIComponent(req.unitId)}/users` : '/v1/users', base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    process.stderr.write(`seal token create: --url must be the service's address, e.g. http://127.0.0.1:8080, got "${base}"\n`);
    return 2;
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ name: req.name, role: req.role }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (e) {
    process.stderr.write(`seal token create: the service at ${url.origin} did not answer: ${(e as Error).message}\n`);
    return 1;
  }
  const body = (await res.json().catch(() => ({}))) as { id?: string; token?: string; detail?: string; type?: string };
  if (res.status !== 201 || !body.token) {
    process.stderr.write(`seal token create: the service refused (HTTP ${res.status}): ${body.detail ?? body.type ?? 'no detail'}\n`);
    return 1;
  }
  return printCreated(body.id ?? '?', req.role, body.token);
}

/** Straight into the database; the embedded one refuses (DatabaseInUseError) while a service holds it. */
async function createInDatabase(req: TokenRequest): Promise<number> {
  const [{ loadConfig }, { openStore }, { createUserWithToken }, { DatabaseInUseError }] = await Promise.all([
    import('../../config.js'),
    import('../../store/open.js'),
    import('../../auth/tokens.js'),
    import('../../store/dir-lock.js'),
  ]);
  let db;
  try {
    db = await openStore(loadConfig());
  } catch (e) {
    if (!(e instanceof DatabaseInUseError)) throw e;
    process.stderr.write(`seal token create: ${e.message}: SEAL_TOKEN=<municipal token> seal token create --url http://HOST:PORT …\n`);
    return 1;
  }
  try {
    const { id, token } = await db.transaction((tx) => createUserWithToken(tx, req));
    return printCreated(id, req.role, token);
  } finally {
    await db.close();
  }
}

function printCreated(id: string, role: Role, token: string): number {
  process.stderr.write(`created user ${id} with role ${role}; the token below is shown only once:\n`);
  process.stdout.write(token + '\n');
  return 0;
}
