import { useState } from 'preact/hooks';
import type { Application } from '../api';
import { AuthImage, ErrorBox, Field, More, Select, State, TextInput, Time, useAction, useList, useSession } from '../components';
import { shortId } from '../format';
import { useI18n, type Key } from '../i18n';

export const TEMPLATES = ['round-official', 'round-special', 'oval', 'square-name'] as const;

/**
 * 待审批申请 the municipal office decides applications (Art. 17(1)) after seeing the seal they will
 * make: the image rendered from the template and, when the unit uploaded a scan of its physical seal,
 * the image extracted from that imprint with its quality report, side by side. Approval binds the
 * imprint's image when there is one, the rendered one otherwise.
 */
export function PendingScreen() {
  const { t } = useI18n();
  const list = useList<Application>('/v1/seal-applications', { state: 'applied' });
  return (
    <section>
      <ErrorBox error={list.error} />
      {list.items.map((a) => (
        <PendingApplication key={a.id} app={a} onDecided={list.reload} />
      ))}
      {!list.loading && list.items.length === 0 && <p class="muted">{t('none')}</p>}
      <More list={list} />
    </section>
  );
}

/** The extraction's quality report (src/imprint/types.ts ImprintReport), in words. */
function ImprintReport({ report }: { report: Record<string, unknown> }) {
  const { t } = useI18n();
  const num = (v: unknown, digits: number) => (typeof v === 'number' ? v.toFixed(digits) : '—');
  const size = report.detectedSizeMm as { width?: number; height?: number } | undefined;
  const warnings = Array.isArray(report.warnings) ? (report.warnings as unknown[]).map(String) : [];
  return (
    <dl class="report">
      <dt>{t('report.confidence')}</dt>
      <dd class={typeof report.confidence === 'number' && report.confidence < 0.5 ? 'warn' : ''}>{num(report.confidence, 2)}</dd>
      <dt>{t('report.inkCoverage')}</dt>
      <dd>{typeof report.inkCoverage === 'number' ? `${(report.inkCoverage * 100).toFixed(1)}%` : '—'}</dd>
      <dt>{t('report.detectedSize')}</dt>
      <dd>{size ? `${num(size.width, 1)} × ${num(size.height, 1)} mm` : '—'}</dd>
      <dt>{t('report.rotation')}</dt>
      <dd>{`${num(report.rotationDegrees, 1)}°`}</dd>
      <dt>{t('report.warnings')}</dt>
      <dd>{warnings.length ? warnings.join('；') : t('report.noWarnings')}</dd>
    </dl>
  );
}

function PendingApplication({ app, onDecided }: { app: Application; onDecided: () => void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [reason, setReason] = useState('');
  const act = useAction();
  const decide = async (how: 'approve' | 'reject') => {
    const ok = await act.run(() => client.send('POST', `/v1/seal-applications/${app.id}/${how}`, how === 'reject' ? { reason } : undefined));
    if (ok !== undefined) onDecided();
  };
  return (
    <article class="card application" data-application={app.id}>
      <header>
        <h3>{app.unitName}</h3>
        <State value={app.status} />
      </header>
      <dl class="facts">
        <dt>{t('sealText')}</dt>
        <dd>
          {app.text}
          {app.bottomText ? ` · ${app.bottomText}` : ''}
        </dd>
        <dt>{t('template')}</dt>
        <dd>{t(`template.${app.template}` as Key)}</dd>
        <dt>{t('algorithm')}</dt>
        <dd>{app.algorithm}</dd>
        <dt>{t('physicalSealRef')}</dt>
        <dd>{app.physicalSealRef}</dd>
        <dt>{t('purpose')}</dt>
        <dd>{app.purpose}</dd>
        <dt>{t('appliedAt')}</dt>
        <dd>
          <Time iso={app.appliedAt} />
        </dd>
        {app.replacesSealId && (
          <>
            <dt>{t('replaces')}</dt>
            <dd class="mono">{shortId(app.replacesSealId)}</dd>
          </>
        )}
      </dl>
      <div class="side-by-side">
        <figure>
          <AuthImage src="/v1/render/preview" post={{ template: app.template, text: app.text, ...(app.bottomText ? { bottomText: app.bottomText } : {}), dpi: 150 }} alt={t('rendered')} />
          <figcaption>{t('rendered')}</figcaption>
        </figure>
        {app.imprint ? (
          <figure>
            <AuthImage src={app.imprint.imageUrl} alt={t('imprint')} />
            <figcaption>
              {t('imprint')} ({app.imprint.sizeMm.width.toFixed(1)} × {app.imprint.sizeMm.height.toFixed(1)} mm)
            </figcaption>
            <h4>{t('qualityReport')}</h4>
            <ImprintReport report={app.imprint.report} />
          </figure>
        ) : (
          <p class="muted imprint-missing">{t('noImprint')}</p>
        )}
      </div>
      <div class="decision">
        <button disabled={act.busy} onClick={() => decide('approve')}>
          {t('approve')}
        </button>
        <TextInput name="reason" value={reason} onInput={setReason} placeholder={t('reason')} />
        <button class="danger" disabled={act.busy || !reason.trim()} onClick={() => decide('reject')}>
          {t('reject')}
        </button>
      </div>
      <ErrorBox error={act.error} />
    </article>
  );
}

/** 申请与更换 a unit administrator applies for its unit's seals and follows its applications and replacements. */
export function UnitApplicationsScreen() {
  const { t } = useI18n();
  const list = useList<Application>('/v1/seal-applications');
  return (
    <section>
      <ApplyForm onDone={list.reload} />
      <ErrorBox error={list.error} />
      <table>
        <thead>
          <tr>
            <th>{t('sealText')}</th>
            <th>{t('purpose')}</th>
            <th>{t('status')}</th>
            <th>{t('appliedAt')}</th>
            <th>{t('replacesShort')}</th>
            <th>{t('imprint')}</th>
          </tr>
        </thead>
        <tbody>
          {list.items.map((a) => (
            <tr key={a.id}>
              <td>
                {a.text}
                {a.bottomText ? ` · ${a.bottomText}` : ''}
                <div class="muted">{t(`template.${a.template}` as Key)}</div>
              </td>
              <td>{a.purpose}</td>
              <td>
                <State value={a.status} />
                {a.decisionReason && <div class="muted">{a.decisionReason}</div>}
              </td>
              <td>
                <Time iso={a.appliedAt} />
              </td>
              <td class="mono">{a.replacesSealId ? shortId(a.replacesSealId) : '—'}</td>
              <td>{a.status === 'applied' ? <ImprintUpload app={a} onDone={list.reload} /> : a.imprint ? t('imprintAttached') : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {!list.loading && list.items.length === 0 && <p class="muted">{t('none')}</p>}
      <More list={list} />
    </section>
  );
}

function ApplyForm({ onDone }: { onDone: () => void }) {
  const { t } = useI18n();
  const { client, me } = useSession();
  const [template, setTemplate] = useState<string>('round-official');
  // empty: the service's default (SEAL_DEFAULT_ALGORITHM)
  const [algorithm, setAlgorithm] = useState('');
  const [text, setText] = useState('');
  const [bottomText, setBottomText] = useState('');
  const [physicalSealRef, setRef] = useState('');
  const [purpose, setPurpose] = useState('');
  const [preview, setPreview] = useState<{ template: string; text: string; bottomText?: string } | null>(null);
  const act = useAction();
  return (
    <form
      class="card form-row"
      aria-label={t('apply')}
      onSubmit={async (e) => {
        e.preventDefault();
        const body = { unitId: me.unitId, template, text, physicalSealRef, purpose, ...(bottomText ? { bottomText } : {}), ...(algorithm ? { algorithm } : {}) };
        const ok = await act.run(() => client.send('POST', '/v1/seal-applications', body));
        if (ok !== undefined) onDone();
      }}
    >
      <h3>{t('apply')}</h3>
      <Field label={t('template')}>
        <Select name="template" value={template} onChange={setTemplate} options={TEMPLATES.map((x) => [x, t(`template.${x}` as Key)])} />
      </Field>
      <Field label={t('sealText')}>
        <TextInput name="text" value={text} onInput={setText} required />
      </Field>
      <Field label={t('bottomText')}>
        <TextInput name="bottomText" value={bottomText} onInput={setBottomText} />
      </Field>
      <Field label={t('algorithm')}>
        <Select
          name="algorithm"
          value={algorithm}
          onChange={setAlgorithm}
          options={[
            ['', t('algorithmDefault')],
            ['ECDSA-P256', 'ECDSA-P256'],
            ['SM2', 'SM2（GB/T 38540）'],
          ]}
        />
      </Field>
      <Field label={t('physicalSealRef')}>
        <TextInput name="physicalSealRef" value={physicalSealRef} onInput={setRef} required />
      </Field>
      <Field label={t('purpose')}>
        <TextInput name="purpose" value={purpose} onInput={setPurpose} required />
      </Field>
      <button type="button" class="secondary" disabled={!text.trim()} onClick={() => setPreview({ template, text, ...(bottomText ? { bottomText } : {}) })}>
        {t('preview')}
      </button>
      <button type="submit" disabled={act.busy}>
        {t('apply')}
      </button>
      <ErrorBox error={act.error} />
      {preview && (
        <figure class="preview">
          <AuthImage src="/v1/render/preview" post={{ ...preview, dpi: 150 }} alt={t('preview')} />
          <figcaption>{t('rendered')}</figcaption>
        </figure>
      )}
    </form>
  );
}

/**
 * Art. 15, 17(1): the scan or photo of the physical seal's imprint; the service extracts the seal and
 * reports its quality, and the municipal office sees both before deciding.
 */
function ImprintUpload({ app, onDone }: { app: Application; onDone: () => void }) {
  const { t } = useI18n();
  const { client } = useSession();
  const [file, setFile] = useState<File | null>(null);
  const [diameter, setDiameter] = useState('');
  const act = useAction();
  return (
    <form
      class="imprint-upload"
      aria-label={t('uploadImprint')}
      onSubmit={async (e) => {
        e.preventDefault();
        if (!file) return;
        const q = diameter.trim() ? `?diameterMm=${encodeURIComponent(diameter.trim())}` : '';
        const ok = await act.run(() => client.upload(`/v1/seal-applications/${app.id}/imprint${q}`, file));
        if (ok !== undefined) onDone();
      }}
    >
      {app.imprint && <span class="ok">{t('imprintAttached')}</span>}
      <input type="file" name="scan" accept="image/png,image/jpeg,image/tiff" title={t('uploadImprint')} onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
      <input type="number" name="diameterMm" min="10" max="80" step="0.1" value={diameter} placeholder={t('diameterMm')} onInput={(e) => setDiameter((e.target as HTMLInputElement).value)} />
      <button type="submit" class="secondary" disabled={!file || act.busy}>
        {t('upload')}
      </button>
      <ErrorBox error={act.error} />
    </form>
  );
}
