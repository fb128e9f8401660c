import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../../auth/roles.js';
import { createUserWithToken } from '../../auth/tokens.js';
import { loadConfig } from '../../config.js';
import { openStore } from '../../store/open.js';
import { unsafeCharacter } from '../../text.js';

/**
 * `seal token create --role R [--name N] [--unit UNIT_ID]`: makes a user with that role and prints its token once.
 * It opens the storage directly, so with embedded storage run it before the service starts (PGlite
 * allows one process); with PostgreSQL any time.
 */
export async function tokenCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'create') {
    process.stderr.write('usage: seal token create --role ROLE [--name NAME] [--unit UNIT_ID]\n');
    return 2;
  }
  const { values } = parseArgs({
    args: rest,
    options: { role: { type: 'string' }, name: { type: 'string' }, unit: { type: 'string' } },
    strict: true,
  });
  if (!isRole(values.role)) {
    process.stderr.write(`seal token create: --role must be one of ${ROLES.join(', ')}\n`);
    return 2;
  }
  const needsUnit = values.role === 'unit-admin' || values.role === 'operator';
  if (needsUnit !== Boolean(values.unit)) {
    process.stderr.write(`seal token create: --unit is ${needsUnit ? 'required' : 'not allowed'} for role ${values.role}\n`);
    return 2;
  }
  const name = values.name?.trim();
  const unsafe = values.name !== undefined ? (name === '' ? 'nothing but blanks' : unsafeCharacter(values.name)) : null;
  if (unsafe) {
    process.stderr.write(`seal token create: --name contains ${unsafe}\n`);
    return 2;
  }
  const config = loadConfig();
  const db = await openStore(config);
  try {
    const role = values.role;
    const { id, token } = await db.transaction((tx) =>
      createUserWithToken(tx, { name: name ?? `${role} (command line)`, role, unitId: values.unit ?? null }),
    );
    process.stderr.write(`created user ${id} with role ${role}; the token below is shown only once:\n`);
    process.stdout.write(token + '\n');
    return 0;
  } finally {
    await db.close();
  }
}
