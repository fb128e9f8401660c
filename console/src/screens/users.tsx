import { useState } from 'preact/hooks';
import type { Role, User } from '../api';
import { Confirm, ErrorBox, Field, More, Select, State, TextInput, Time, TokenOnce, useAction, useList, useSession } from '../components';
import { useI18n, type Key } from '../i18n';

const MUNICIPAL_ROLES: Role[] = ['municipal-admin', 'auditor', 'platform'];
const UNIT_ROLES: Role[] = ['unit-admin', 'operator'];

/**
 * 用户 users: the municipal office manages the municipal roles (GET/POST /v1/users); a unit
 * administrator its unit's users (Art. 12-14): create (the token is shown once), change role,
 * disable at once (Art. 14: a leaver loses access on the next request).
 */
export function UsersScreen({ unitId }: { unitId?: string }) {
  const { t } = useI18n();
  const { client, me } = useSession();
  const roles = unitId ? UNIT_ROLES : MUNICIPAL_ROLES;
  const path = unitId ? `/v1/units/${unitId}/users` : '/v1/users';
  const [state, setState] = useState('active');
  const list = useList<User>(path, { state: state || undefined });
  const [name, setName] = useState('');
  const [role, setRole] = useState<string>(roles[roles.length - 1]!);
  const [token, setToken] = useState<string | null>(null);
  const [disabling, setDisabling] = useState<User | null>(null);
  const create = useAction();
  const change = useAction();
  const canManage = me.role === 'municipal-admin' || me.role === 'unit-admin';
  const roleName = (r: string) => t(`role.${r}` as Key);

  return (
    <section>
      {canManage && (
        <form
          class="card form-row"
          aria-label={t('createUser')}
          onSubmit={async (e) => {
            e.preventDefault();
            const made = await create.run(() => client.send<{ id: string; token: string }>('POST', path, { name, role }));
            if (made) {
              setToken(made.token);
              setName('');
              list.reload();
            }
          }}
        >
          <h3>{t('createUser')}</h3>
          <Field label={t('name')}>
            <TextInput name="name" value={name} onInput={setName} required />
          </Field>
          <Field label={t('role')}>
            <Select name="role" value={role} onChange={setRole} options={roles.map((r) => [r, roleName(r)])} />
          </Field>
          <button type="submit" disabled={create.busy}>
            {t('create')}
          </button>
          <ErrorBox error={create.error} />
          {token && <TokenOnce token={token} />}
        </form>
      )}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <Select
          name="state"
          value={state}
          onChange={setState}
          options={[
            ['', t('all')],
            ['active', t('state.active')],
            ['disabled', t('state.disabled')],
          ]}
        />
      </form>
      <ErrorBox error={list.error ?? change.error} />
      <table>
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('role')}</th>
            <th>{t('status')}</th>
            <th>{t('createdAt')}</th>
            {canManage && <th>{t('actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {list.items.map((u) => (
            <tr key={u.id} data-user={u.name}>
              <td>{u.name}</td>
              <td>{roleName(u.role)}</td>
              <td>
                <State value={u.status} />
              </td>
              <td>
                <Time iso={u.createdAt} />
              </td>
              {canManage && (
                <td>
                  <div class="actions">
                    {u.status === 'active' && u.id !== me.userId && (
                      <>
                        {roles
                          .filter((r) => r !== u.role)
                          .map((r) => (
                            <button
                              class="secondary"
                              disabled={change.busy}
                              onClick={async () => {
                                const ok = await change.run(() => client.send('PATCH', `/v1/users/${u.id}`, { role: r }));
                                if (ok !== undefined) list.reload();
                              }}
                            >
                              {`${t('changeRole')}${roleName(r)}`}
                            </button>
                          ))}
                        <button class="danger" onClick={() => (change.clear(), setDisabling(u))}>
                          {t('disable')}
                        </button>
                      </>
                    )}
                  </div>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
      {!list.loading && list.items.length === 0 && <p class="muted">{t('none')}</p>}
      <More list={list} />
      {disabling && (
        <Confirm
          message={t('confirmDisable', { name: disabling.name })}
          busy={change.busy}
          error={change.error}
          onCancel={() => setDisabling(null)}
          onConfirm={async () => {
            const ok = await change.run(() => client.send('DELETE', `/v1/users/${disabling.id}`));
            if (ok !== undefined) {
              setDisabling(null);
              list.reload();
            }
          }}
        />
      )}
    </section>
  );
}
