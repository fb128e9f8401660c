import { useState } from 'preact/hooks';
import type { Seal, User } from '../api';
import { AuthImage, Confirm, ErrorBox, Field, More, Select, State, TextInput, Time, useAction, useList, useSession } from '../components';
import { shortId } from '../format';
import { useI18n } from '../i18n';

const DAY_MS = 86_400_000;

type Pending = { what: 'return' | 'destroy' | 'replace' | 'operator'; seal: Seal } | null;

/**
 * 印章 seals by state. The municipal office returns (Art. 17(3), 18) and destroys (Art. 18) them;
 * a unit administrator sees its own unit's, authorises its operators, returns and applies for a
 * replacement. Every irreversible step asks first, naming the article. Certificates that expire
 * within 90 days are flagged.
 */
export function SealsScreen({ kind }: { kind?: 'unit' | 'department' }) {
  const { t } = useI18n();
  const { client, me } = useSession();
  const [state, setState] = useState(kind === 'department' ? '' : 'active');
  const [q, setQ] = useState('');
  const [expiring, setExpiring] = useState(false);
  const [expiresBefore] = useState(() => new Date(Date.now() + 90 * DAY_MS).toISOString());
  const list = useList<Seal>('/v1/seals', { state: state || undefined, q: q || undefined, kind, expiresBefore: expiring ? expiresBefore : undefined });
  const [pending, setPending] = useState<Pending>(null);
  const [reason, setReason] = useState('');
  const [operatorId, setOperatorId] = useState('');
  const [ref, setRef] = useState('');
  const act = useAction();
  const withdraw = useAction();
  const unitAdmin = me.role === 'unit-admin';
  const municipal = me.role === 'municipal-admin';
  const operators = useList<User>(unitAdmin ? `/v1/units/${me.unitId}/users` : null, { role: 'operator', state: 'active' });

  const open = (what: NonNullable<Pending>['what'], seal: Seal) => {
    act.clear();
    setReason('');
    setRef('');
    setOperatorId(operators.items[0]?.id ?? '');
    setPending({ what, seal });
  };
  const confirm = async () => {
    if (!pending) return;
    const { what, seal } = pending;
    const call = {
      return: () => client.send('POST', `/v1/seals/${seal.id}/return`, { reason }),
      destroy: () => client.send('POST', `/v1/seals/${seal.id}/destroy`, { reason }),
      replace: () => client.send('POST', `/v1/seals/${seal.id}/replace`, { physicalSealRef: ref, purpose: reason }),
      operator: () => client.send('POST', `/v1/seals/${seal.id}/operators`, { userId: operatorId }),
    }[what];
    const ok = await act.run(call);
    if (ok !== undefined) {
      setPending(null);
      list.reload();
    }
  };
  const message = pending
    ? {
        return: t('confirmReturn', { name: pending.seal.name }),
        destroy: t('confirmDestroy', { name: pending.seal.name }),
        replace: t('confirmReplace', { name: pending.seal.name }),
        operator: `${t('addOperator')}${t('colon')}${pending.seal.name}`,
      }[pending.what]
    : '';

  return (
    <section>
      {kind === 'department' && unitAdmin && <DepartmentSealForm onDone={list.reload} />}
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <TextInput name="q" value={q} onInput={setQ} placeholder={t('search')} />
        <Select
          name="state"
          value={state}
          onChange={setState}
          options={[
            ['', t('all')],
            ['active', t('state.active')],
            ['returned', t('state.returned')],
            ['destroyed', t('state.destroyed')],
          ]}
        />
        <label class="check">
          <input type="checkbox" name="expiring" checked={expiring} onChange={(e) => setExpiring((e.target as HTMLInputElement).checked)} />
          {t('expiringSoon')}
        </label>
      </form>
      <ErrorBox error={list.error ?? withdraw.error} />
      <table>
        <thead>
          <tr>
            <th />
            <th>{t('name')}</th>
            <th>{t('unit')}</th>
            <th>{t('kind')}</th>
            <th>{t('status')}</th>
            <th>{t('notAfter')}</th>
            <th>{t('operators')}</th>
            {(unitAdmin || municipal) && <th>{t('actions')}</th>}
          </tr>
        </thead>
        <tbody>
          {list.items.map((s) => (
            <tr key={s.id} data-seal={s.name} class={s.expiringSoon ? 'expiring' : ''}>
              <td class="thumb">
                <AuthImage src={s.imageUrl} alt={s.name} />
              </td>
              <td>
                {s.name}
                <div class="muted mono">{shortId(s.id)}</div>
              </td>
              <td>
                {s.unitName}
                {s.department ? ` · ${s.department}` : ''}
              </td>
              <td>
                {t(s.kind === 'unit' ? 'kind.unit' : 'kind.department')}
                <div class="muted">{s.algorithm}</div>
              </td>
              <td>
                <State value={s.status} />
              </td>
              <td>
                <Time iso={s.notAfter} />
                {s.expiringSoon && <span class="flag">⚠ {t('expiringSoon')}</span>}
              </td>
              <td>
                {s.operators.length === 0 && '—'}
                {s.operators.map((o) => (
                  <span class="chip" key={o.id}>
                    {o.name}
                    {unitAdmin && (
                      <button
                        class="link withdraw"
                        title={t('withdrawOperator')}
                        aria-label={`${t('withdrawOperator')} ${o.name}`}
                        disabled={withdraw.busy}
                        onClick={async () => {
                          const ok = await withdraw.run(() => client.send('DELETE', `/v1/seals/${s.id}/operators/${o.id}`));
                          if (ok !== undefined) list.reload();
                        }}
                      >
                        ×
                      </button>
                    )}
                  </span>
                ))}
              </td>
              {(unitAdmin || municipal) && (
                <td>
                  <div class="actions">
                    {unitAdmin && s.status === 'active' && (
                      <button class="secondary" onClick={() => open('operator', s)}>
                        {t('addOperator')}
                      </button>
                    )}
                    {unitAdmin && s.kind === 'unit' && s.status !== 'destroyed' && (
                      <button class="secondary" onClick={() => open('replace', s)}>
                        {t('replace')}
                      </button>
                    )}
                    {(unitAdmin || municipal) && s.status === 'active' && (
                      <button class="danger" onClick={() => open('return', s)}>
                        {t('returnSeal')}
                      </button>
                    )}
                    {municipal && s.status === 'returned' && (
                      <button class="danger" onClick={() => open('destroy', s)}>
                        {t('destroySeal')}
                      </button>
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
      {pending && (
        <Confirm
          message={message}
          busy={act.busy}
          ready={pending.what === 'operator' ? operatorId !== '' : reason.trim() !== '' && (pending.what !== 'replace' || ref.trim() !== '')}
          error={act.error}
          onCancel={() => setPending(null)}
          onConfirm={confirm}
        >
          {pending.what === 'operator' ? (
            <Field label={t('operators')}>
              <Select name="operator" value={operatorId} onChange={setOperatorId} options={operators.items.map((u) => [u.id, u.name])} />
            </Field>
          ) : (
            <>
              {pending.what === 'replace' && (
                <Field label={t('physicalSealRef')}>
                  <TextInput name="physicalSealRef" value={ref} onInput={setRef} />
                </Field>
              )}
              <Field label={pending.what === 'replace' ? t('purpose') : t('reason')}>
                <TextInput name="reason" value={reason} onInput={setReason} />
              </Field>
            </>
          )}
        </Confirm>
      )}
    </section>
  );
}

/** Art. 17(4): a unit administrator self-issues an internal department's seal. */
function DepartmentSealForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const { client, me } = useSession();
  const [department, setDepartment] = useState('');
  const [purpose, setPurpose] = useState('');
  const act = useAction();
  const [made, setMade] = useState<string | null>(null);
  return (
    <form
      class="card form-row"
      aria-label={t('issueDepartmentSeal')}
      onSubmit={async (e) => {
        e.preventDefault();
        const r = await act.run(() => client.send<{ sealId: string }>('POST', `/v1/units/${me.unitId}/department-seals`, { department, ...(purpose ? { purpose } : {}) }));
        if (r) {
          setMade(r.sealId);
          setDepartment('');
          setPurpose('');
          onDone();
        }
      }}
    >
      <h3>{t('issueDepartmentSeal')}</h3>
      <p class="muted">{t('departmentHint')}</p>
      <Field label={t('department')}>
        <TextInput name="department" value={department} onInput={setDepartment} required />
      </Field>
      <Field label={t('purpose')}>
        <TextInput name="purpose" value={purpose} onInput={setPurpose} />
      </Field>
      <button type="submit" disabled={act.busy}>
        {t('create')}
      </button>
      {made && <p class="ok">{`${t('approvedSeal')}${t('colon')}${shortId(made)}`}</p>}
      <ErrorBox error={act.error} />
    </form>
  );
}

