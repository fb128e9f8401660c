import { useState } from 'preact/hooks';
import type { Unit } from '../api';
import { Confirm, ErrorBox, Field, More, Select, State, TextInput, Time, TokenOnce, useAction, useList, useSession } from '../components';
import { useI18n } from '../i18n';

/** 单位 the municipal office's units: register, rename (Art. 18(3)), deregister (Art. 18(2)). Auditors read. */
export function UnitsScreen() {
  const { t } = useI18n();
  const { client, me } = useSession();
  const [q, setQ] = useState('');
  const [state, setState] = useState('');
  const list = useList<Unit>('/v1/units', { q: q || undefined, state: state || undefined });
  const canManage = me.role === 'municipal-admin';
  const [renaming, setRenaming] = useState<Unit | null>(null);
  const [deregistering, setDeregistering] = useState<Unit | null>(null);
  const [adminFor, setAdminFor] = useState<Unit | null>(null);
  const [adminName, setAdminName] = useState('');
  const [adminToken, setAdminToken] = useState<string | null>(null);
  const act = useAction();
  const [newName, setNewName] = useState('');
  const [effectiveDate, setEffectiveDate] = useState('');

  return (
    <section>
      {canManage && <RegisterUnit onDone={list.reload} />}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <TextInput name="q" value={q} onInput={setQ} placeholder={t('search')} />
        <Select
          name="state"
          value={state}
          onChange={setState}
          options={[
            ['', t('all')],
            ['active', t('state.active')],
            ['deregistered', t('state.deregistered')],
          ]}
        />
      </form>
      <ErrorBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>{t('name')}</th>
            <th>{t('code')}</th>
            <th>{t('status')}</th>
            <th>{t('activeSeals')}</th>
            <th>{t('createdAt')}</th>
            {canManage && <th>{t('actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {list.items.map((u) => (
            <tr key={u.id} data-unit={u.name}>
              <td>
                {u.name}
                {u.aliases.length > 0 && <div class="muted">{u.aliases.join('、')}</div>}
              </td>
              <td class="mono">{u.code}</td>
              <td>
                <State value={u.status} />
              </td>
              <td>{u.activeSeals}</td>
              <td>
                <Time iso={u.createdAt} />
              </td>
              {canManage && (
                <td>
                  <div class="actions">
                    {u.status === 'active' && (
                      <>
                        <button class="secondary" onClick={() => (setAdminFor(u), setAdminName(''), setAdminToken(null), act.clear())}>
                          {t('addUnitAdmin')}
                        </button>
                        <button class="secondary" onClick={() => (setRenaming(u), setNewName(u.name), act.clear())}>
                          {t('rename')}
                        </button>
                        <button class="danger" onClick={() => (setDeregistering(u), act.clear())}>
                          {t('deregister')}
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
      {renaming && (
        <Confirm
          message={t('confirmRename', { name: renaming.name })}
          busy={act.busy}
          error={act.error}
          onCancel={() => setRenaming(null)}
          onConfirm={async () => {
            const ok = await act.run(() => client.send('POST', `/v1/units/${renaming.id}/rename`, { newName, effectiveDate }));
            if (ok !== undefined) {
              setRenaming(null);
              list.reload();
            }
          }}
        >
          <Field label={t('newName')}>
            <TextInput name="newName" value={newName} onInput={setNewName} />
          </Field>
          <Field label={t('effectiveDate')}>
            <TextInput name="effectiveDate" type="date" value={effectiveDate} onInput={setEffectiveDate} />
          </Field>
        </Confirm>
      )}
      {adminFor && (
        <Confirm
          message={`${t('addUnitAdmin')}${t('colon')}${adminFor.name}`}
          busy={act.busy}
          done={adminToken !== null}
          ready={adminName.trim() !== ''}
          error={act.error}
          onCancel={() => setAdminFor(null)}
          onConfirm={async () => {
            const made = await act.run(() => client.send<{ id: string; token: string }>('POST', `/v1/units/${adminFor.id}/users`, { name: adminName, role: 'unit-admin' }));
            if (made) setAdminToken(made.token);
          }}
        >
          <Field label={t('name')}>
            <TextInput name="adminName" value={adminName} onInput={setAdminName} />
          </Field>
          {adminToken && <TokenOnce token={adminToken} />}
        </Confirm>
      )}
      {deregistering && (
        <Confirm
          message={t('confirmDeregister', { name: deregistering.name })}
          busy={act.busy}
          error={act.error}
          onCancel={() => setDeregistering(null)}
          onConfirm={async () => {
            const ok = await act.run(() => client.send('POST', `/v1/units/${deregistering.id}/deregister`));
            if (ok !== undefined) {
              setDeregistering(null);
              list.reload();
            }
          }}
        />
      )}
    </section>
  );
}

function RegisterUnit({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [name, setName] = useState('');
  const [code, setCode] = useState('');
  const [aliases, setAliases] = useState('');
  const act = useAction();
  return (
    <form
      class="card form-row"
      aria-label={t('registerUnit')}
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { name, code: code.trim(), aliases: aliases.split(/[,，、]/).map((a) => a.trim()).filter(Boolean) };
        const ok = await act.run(() => client.send('POST', '/v1/units', body));
        if (ok !== undefined) {
          setName('');
          setCode('');
          setAliases('');
          onDone();
        }
      }}
    >
      <h3>{t('registerUnit')}</h3>
      <Field label={t('name')}>
        <TextInput name="name" value={name} onInput={setName} required />
      </Field>
      <Field label={t('code')}>
        <TextInput name="code" value={code} onInput={setCode} required />
      </Field>
      <Field label={t('aliases')}>
        <TextInput name="aliases" value={aliases} onInput={setAliases} />
      </Field>
      <button type="submit" disabled={act.busy}>
        {t('registerUnit')}
      </button>
      <ErrorBox error={act.error} />
    </form>
  );
}
