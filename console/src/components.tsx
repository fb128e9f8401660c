import { createContext, type ComponentChildren } from 'preact';
import { useCallback, useContext, useEffect, useState } from 'preact/hooks';
import { ApiError, type Client, type Me, type Page } from './api';
import { shanghaiTime } from './format';
import { useI18n, type Key } from './i18n';

/** The signed-in caller and the client that carries its token. */
export interface Session {
  client: Client;
  me: Me;
}
export const SessionContext = createContext<Session | null>(null);
export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a session');
  return s;
}

/** A Chinese (or English) message keyed on the problem type, then the service's detail. */
export function ErrorBox({ error }: { error: unknown }) {
  const { t, problem } = useI18n();
  if (!error) return null;
  const e = error instanceof ApiError ? error : new ApiError(0, 'internal', String(error));
  return (
    <div class="error" role="alert">
      <strong>{problem(e.code, e.status)}</strong>
      {e.detail ? <span class="detail">{`${t('error')}${t('colon')}${e.detail}${e.field ? `（${e.field}）` : ''}`}</span> : null}
    </div>
  );
}

/** One list endpoint, page by page (newest first, {items, nextCursor}); reloads when the query changes. */
export function useList<T>(path: string | null, query: Record<string, string | undefined> = {}) {
  const { client } = useSession();
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const key = JSON.stringify([path, query]);

  const load = useCallback(
    async (cursor: string | null) => {
      if (!path) return;
      setLoading(true);
      setError(null);
      try {
        const page = await client.get<Page<T>>(path, { ...query, limit: 25, cursor: cursor ?? undefined });
        setItems((old) => (cursor ? [...old, ...page.items] : page.items));
        setNext(page.nextCursor);
      } catch (e) {
        setError(e);
      } finally {
        setLoading(false);
      }
    },
    // keyed on the path and query's content, not on the query object (a new one each render)
    [key],
  );
  useEffect(() => {
    void load(null);
  }, [load, version]);
  return { items, loading, error, hasMore: next !== null, more: () => load(next), reload: () => setVersion((v) => v + 1) };
}

export function More({ list }: { list: { hasMore: boolean; loading: boolean; more: () => void } }) {
  const { t } = useI18n();
  if (list.loading) return <p class="muted">{t('loading')}</p>;
  if (!list.hasMore) return null;
  return (
    <button class="secondary" onClick={list.more}>
      {t('more')}
    </button>
  );
}

/** Runs an action, keeping its error and busy state for the form that started it. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <R,>(fn: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await fn();
    } catch (e) {
      setError(e);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

/** A seal or application image fetched with the caller's token (an <img src> cannot send it), shown as a blob: URL. */
export function AuthImage({ src, alt, post }: { src: string; alt: string; post?: unknown }) {
  const { client } = useSession();
  const [url, setUrl] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const body = JSON.stringify(post ?? null);
  useEffect(() => {
    let made: string | null = null;
    let live = true;
    client
      .blob(src, post ? { method: 'POST', body: post } : {})
      .then((b) => {
        made = URL.createObjectURL(b);
        if (live) setUrl(made);
      })
      .catch((e) => live && setError(e));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
    // the POST body by content, as above
  }, [src, body]);
  if (error) return <ErrorBox error={error} />;
  return url ? <img class="seal-image" src={url} alt={alt} /> : <div class="seal-image placeholder" />;
}

/** A confirmation that says what will happen and under which article, before anything irreversible. */
export function Confirm(props: {
  message: string;
  onConfirm: () => void;
  onCancel: () => void;
  busy?: boolean;
  ready?: boolean;
  /** The work is done (e.g. a token shown once): only a close button is left. */
  done?: boolean;
  error?: unknown;
  children?: ComponentChildren;
}) {
  const { t } = useI18n();
  return (
    <div class="modal-backdrop">
      <div class="modal" role="dialog" aria-modal="true">
        <p>{props.message}</p>
        {props.children}
        <ErrorBox error={props.error} />
        <div class="buttons">
          <button class="secondary" onClick={props.onCancel}>
            {props.done ? t('close') : t('cancel')}
          </button>
          {!props.done && (
            <button class="danger" disabled={props.busy || props.ready === false} onClick={props.onConfirm}>
              {t('confirm')}
            </button>
          )}
        </div>
      </div>
    </div>
  );
}

export function State({ value }: { value: string }) {
  const { t } = useI18n();
  return <span class={`state state-${value}`}>{t(`state.${value}` as Key)}</span>;
}

export const Time = ({ iso }: { iso: string | null | undefined }) => <span class="time">{shanghaiTime(iso)}</span>;

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span>{label}</span>
      {children}
    </label>
  );
}

/** A text input bound to a state value. */
export function TextInput(props: { value: string; onInput: (v: string) => void; name?: string; placeholder?: string; required?: boolean; type?: string }) {
  return (
    <input
      type={props.type ?? 'text'}
      name={props.name}
      value={props.value}
      placeholder={props.placeholder}
      required={props.required}
      onInput={(e) => props.onInput((e.target as HTMLInputElement).value)}
    />
  );
}

export function Select(props: { value: string; onChange: (v: string) => void; name?: string; options: [string, string][] }) {
  return (
    <select name={props.name} value={props.value} onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}>
      {props.options.map(([v, label]) => (
        <option value={v}>{label}</option>
      ))}
    </select>
  );
}

/** The token of a user just made: shown once. */
export function TokenOnce({ token }: { token: string }) {
  const { t } = useI18n();
  return (
    <div class="notice">
      <p>{t('tokenOnce')}</p>
      <code class="token">{token}</code>
    </div>
  );
}
