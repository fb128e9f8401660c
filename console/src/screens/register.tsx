import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, ChainReport, Page, Seal, Unit } from '../api';
import { ErrorBox, Field, More, Select, TextInput, Time, useAction, useList, useSession } from '../components';
import { fromShanghaiInput, shortId, shanghaiTime } from '../format';
import { useI18n, type Key } from '../i18n';

interface RegisterFilter {
  unitId: string;
  sealId: string;
  action: string;
  documentSha256: string;
  from: string;
  to: string;
}
const EMPTY: RegisterFilter = { unitId: '', sealId: '', action: '', documentSha256: '', from: '', to: '' };

const query = (f: RegisterFilter) => ({
  unitId: f.unitId.trim() || undefined,
  sealId: f.sealId.trim() || undefined,
  action: f.action || undefined,
  documentSha256: f.documentSha256.trim() || undefined,
  from: fromShanghaiInput(f.from),
  to: fromShanghaiInput(f.to),
});

/**
 * What the service writes to the register (grep `action: '` in src/), in words for the table and the action
 * filter (Chinese, English); the code itself stays in the cell's title and in the export.
 */
const ACTIONS: Record<string, [string, string]> = {
  'seal.used': ['用印', 'Seal used'],
  'seal.use-abandoned': ['用印未完成（印章已交回）', 'Sealing abandoned (seal returned)'],
  'seal.returned': ['印章交回', 'Seal returned'],
  'seal.destroyed': ['印章销毁', 'Seal destroyed'],
  'seal.department-issued': ['签发部门印章', 'Department seal issued'],
  'seal.operator-authorised': ['授权用印人', 'Operator authorised'],
  'seal.operator-withdrawn': ['撤销用印人', 'Operator withdrawn'],
  'application.applied': ['申请制章', 'Seal applied for'],
  'application.replacement-applied': ['申请更换印章', 'Replacement applied for'],
  'application.imprint-attached': ['上传实物印模', 'Imprint attached'],
  'application.approved': ['批准制章', 'Application approved'],
  'application.rejected': ['驳回申请', 'Application rejected'],
  'unit.registered': ['单位登记', 'Unit registered'],
  'unit.renamed': ['单位更名', 'Unit renamed'],
  'unit.rename-effective': ['更名生效', 'Rename in effect'],
  'unit.deregistered': ['单位注销', 'Unit deregistered'],
  'user.created': ['新建用户', 'User created'],
  'user.role-changed': ['变更用户角色', 'User role changed'],
  'user.disabled': ['停用用户', 'User disabled'],
  'user.token-rotated': ['更换令牌', 'Token rotated'],
  'document.verified': ['验证文件', 'Document verified'],
  'document.extended': ['补充验证信息', 'Document extended'],
  'request.refused': ['拒绝请求', 'Request refused'],
  'request.refused.aggregated': ['拒绝请求（合计）', 'Requests refused (counted)'],
  'request.replayed': ['重放应答', 'Answer replayed'],
  'audit.checkpoint': ['登记检查点', 'Register checkpoint'],
};
const actionName = (code: string, lang: 'zh' | 'en'): string => ACTIONS[code]?.[lang === 'zh' ? 0 : 1] ?? code;

/** Names for the ids in the register (the newest 1000 units and seals the caller may see; older ones show as ids). */
function useNames() {
  const { client } = useSession();
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [units, setUnits] = useState<Unit[]>([]);
  useEffect(() => {
    Promise.all([client.get<Page<Unit>>('/v1/units', { limit: 1000 }), client.get<Page<Seal>>('/v1/seals', { limit: 1000 })])
      .then(([u, seals]) => {
        setUnits(u.items);
        setNames(new Map([...u.items.map((x): [string, string] => [x.id, x.name]), ...seals.items.map((s): [string, string] => [s.id, s.name])]));
      })
      .catch(() => undefined); // names are a convenience: the ids stay
  }, [client]);
  return { units, nameOf: (id: string | null) => (id ? (names.get(id) ?? shortId(id)) : '—') };
}

/**
 * 用印登记 the register, newest first, filtered (unit, seal, action, a document's SHA-256, a time
 * range in Shanghai time), and exported as NDJSON with its signed trailer for offline checking.
 * A unit administrator sees its own unit's entries only (the service scopes it).
 */
export function RegisterScreen() {
  const { t, lang } = useI18n();
  const { client } = useSession();
  const [draft, setDraft] = useState<RegisterFilter>(EMPTY);
  const [filter, setFilter] = useState<RegisterFilter>(EMPTY);
  const list = useList<AuditEntry>('/v1/audit', query(filter));
  const exporting = useAction();
  const [download, setDownload] = useState<{ url: string; name: string } | null>(null);
  const set = (k: keyof RegisterFilter) => (v: string) => setDraft({ ...draft, [k]: v });
  const { units, nameOf } = useNames();

  return (
    <section>
      <form
        class="card form-row"
        aria-label={t('filter')}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
        }}
      >
        <Field label={t('unit')}>
          <Select name="unitId" value={draft.unitId} onChange={set('unitId')} options={[['', t('all')], ...units.map((u): [string, string] => [u.id, u.name])]} />
        </Field>
        <Field label={t('seal')}>
          <TextInput name="sealId" value={draft.sealId} onInput={set('sealId')} />
        </Field>
        <Field label={t('action')}>
          <Select name="action" value={draft.action} onChange={set('action')} options={[['', t('all')], ...Object.keys(ACTIONS).map((a): [string, string] => [a, actionName(a, lang)])]} />
        </Field>
        <Field label={t('documentSha256')}>
          <TextInput name="documentSha256" value={draft.documentSha256} onInput={set('documentSha256')} />
        </Field>
        <Field label={`${t('from')}${t('shanghaiTimeNote')}`}>
          <TextInput name="from" type="datetime-local" value={draft.from} onInput={set('from')} />
        </Field>
        <Field label={`${t('to')}${t('shanghaiTimeNote')}`}>
          <TextInput name="to" type="datetime-local" value={draft.to} onInput={set('to')} />
        </Field>
        <button type="submit">{t('filter')}</button>
        <button
          type="button"
          class="secondary"
          disabled={exporting.busy}
          onClick={async () => {
            const q = new URLSearchParams(Object.entries(query(filter)).filter((e): e is [string, string] => e[1] !== undefined));
            const blob = await exporting.run(() => client.blob(`/v1/audit/export${q.size ? `?${q}` : ''}`));
            if (blob) {
              if (download) URL.revokeObjectURL(download.url);
              setDownload({ url: URL.createObjectURL(blob), name: `register-${new Date().toISOString().slice(0, 19).replace(/:/g, '')}.ndjson` });
            }
          }}
        >
          {t('export')}
        </button>
        {download && (
          <a class="download" href={download.url} download={download.name}>
            {download.name}
          </a>
        )}
      </form>
      <ErrorBox error={list.error ?? exporting.error} />
      <table class="register">
        <thead>
          <tr>
            <th>#</th>
            <th>{`${t('time')}${t('shanghaiTimeNote')}`}</th>
            <th>{t('action')}</th>
            <th>{t('outcome')}</th>
            <th>{t('actor')}</th>
            <th>{t('unit')}</th>
            <th>{t('seal')}</th>
            <th>{t('documentSha256')}</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((e) => (
            <tr key={e.seq} class={e.outcome === 'refused' ? 'refused' : ''}>
              <td class="mono">{e.seq}</td>
              <td>
                <Time iso={e.at} />
              </td>
              <td title={e.action}>{actionName(e.action, lang)}</td>
              <td>{t(`outcome.${e.outcome}` as Key)}</td>
              <td>{e.actorRole ? t(`role.${e.actorRole}` as Key) : '—'}</td>
              <td>{nameOf(e.unitId)}</td>
              <td>{nameOf(e.sealId)}</td>
              <td class="mono">{typeof e.details.documentSha256 === 'string' ? `${e.details.documentSha256.slice(0, 12)}…` : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!list.loading && list.items.length === 0 && <p class="muted">{t('none')}</p>}
      <More list={list} />
    </section>
  );
}

/** 链与检查点校验 the hash chain and the signed, time-stamped checkpoints, checked by the service. */
export function ChainScreen() {
  const { t } = useI18n();
  const { client } = useSession();
  const check = useAction();
  const [report, setReport] = useState<ChainReport | null>(null);
  return (
    <section>
      <div class="card">
        <button
          disabled={check.busy}
          onClick={async () => {
            const r = await check.run(() => client.get<ChainReport>('/v1/audit/verify'));
            if (r) setReport(r);
          }}
        >
          {t('checkChain')}
        </button>
        {check.busy && <p class="muted">{t('loading')}</p>}
        <ErrorBox error={check.error} />
      </div>
      {report && (
        <div class={`card chain ${report.valid ? 'valid' : 'invalid'}`} role="status">
          <h3>{report.valid ? `✔ ${t('chainValid')}` : `✘ ${t('chainInvalid')}${report.problem ?? ''}`}</h3>
          <dl class="facts">
            <dt>{t('entries')}</dt>
            <dd>{report.entries}</dd>
            <dt>{t('checkpoints')}</dt>
            <dd>{report.checkpoints}</dd>
            <dt>{t('lastCheckpoint')}</dt>
            <dd>{report.lastCheckpoint ? `#${report.lastCheckpoint.id} · ${shanghaiTime(report.lastCheckpoint.at)} · seq ${report.lastCheckpoint.headSeq}` : '—'}</dd>
          </dl>
          {report.problems && report.problems.length > 1 && (
            <ul>
              {report.problems.map((p) => (
                <li>{p}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
