import { useEffect, useMemo, useState } from 'preact/hooks';
import { createClient, whoAmI, type Me, type Role } from './api';
import { ErrorBox, SessionContext, TextInput, useAction } from './components';
import { I18nContext, i18n, useI18n, type Key } from './i18n';
import { forgetToken, storedToken, storeToken, watchIdle } from './session';
import { PendingScreen, UnitApplicationsScreen } from './screens/applications';
import { ChainScreen, RegisterScreen } from './screens/register';
import { SealsScreen } from './screens/seals';
import { UnitsScreen } from './screens/units';
import { UsersScreen } from './screens/users';

interface Screen {
  id: string;
  label: Key;
  render: (me: Me) => preact.JSX.Element;
}

/** What each role works on: the municipal office, a unit administrator, an auditor (others see their seals). */
const SCREENS: Record<Role, Screen[]> = {
  'municipal-admin': [
    { id: 'units', label: 'nav.units', render: () => <UnitsScreen /> },
    { id: 'pending', label: 'nav.pending', render: () => <PendingScreen /> },
    { id: 'seals', label: 'nav.seals', render: () => <SealsScreen /> },
    { id: 'users', label: 'nav.users', render: () => <UsersScreen /> },
    { id: 'register', label: 'nav.register', render: () => <RegisterScreen /> },
    { id: 'chain', label: 'nav.chain', render: () => <ChainScreen /> },
  ],
  'unit-admin': [
    { id: 'users', label: 'nav.unitUsers', render: (me) => <UsersScreen unitId={me.unitId!} /> },
    { id: 'seals', label: 'nav.unitSeals', render: () => <SealsScreen kind="unit" /> },
    { id: 'department', label: 'nav.department', render: () => <SealsScreen kind="department" /> },
    { id: 'applications', label: 'nav.applications', render: () => <UnitApplicationsScreen /> },
    { id: 'register', label: 'nav.register', render: () => <RegisterScreen /> },
  ],
  auditor: [
    { id: 'register', label: 'nav.register', render: () => <RegisterScreen /> },
    { id: 'chain', label: 'nav.chain', render: () => <ChainScreen /> },
    { id: 'units', label: 'nav.units', render: () => <UnitsScreen /> },
    { id: 'seals', label: 'nav.seals', render: () => <SealsScreen /> },
  ],
  operator: [{ id: 'seals', label: 'nav.seals', render: () => <SealsScreen /> }],
  platform: [{ id: 'seals', label: 'nav.seals', render: () => <SealsScreen /> }],
};

const LANG_KEY = 'e-seal-console-lang';

export function App() {
  const [lang, setLang] = useState<'zh' | 'en'>(() => (localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'zh'));
  const text = useMemo(() => i18n(lang), [lang]);
  const [token, setToken] = useState<string | null>(storedToken);
  const [me, setMe] = useState<Me | null>(null);
  const [notice, setNotice] = useState<Key | null>(null);

  const signOut = (why?: Key) => {
    forgetToken();
    setToken(null);
    setMe(null);
    setNotice(why ?? null);
  };
  useEffect(() => {
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    document.title = text.t('appTitle');
  }, [lang, text]);
  // a stored token (a reload within the tab's session) is checked again
  useEffect(() => {
    if (token && !me) whoAmI(token).then(setMe, () => signOut());
  }, [token]);
  useEffect(() => (token ? watchIdle(() => signOut('signedOutIdle')) : undefined), [token]);

  const switchLang = () => {
    const next = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem(LANG_KEY, next);
    setLang(next);
  };

  return (
    <I18nContext.Provider value={text}>
      <header class="top">
        <h1>{text.t('appTitle')}</h1>
        <div class="who">
          {me && (
            <span class="me">
              {text.t('whoAmI')}
              {text.t('colon')}
              <strong>{me.name}</strong> · {text.t(`role.${me.role}` as Key)}
            </span>
          )}
          <button class="link" onClick={switchLang}>
            {text.t('language')}
          </button>
          {me && (
            <button class="link" onClick={() => signOut()}>
              {text.t('signOut')}
            </button>
          )}
        </div>
      </header>
      {token && me ? (
        <Signed token={token} me={me} onUnauthorized={() => signOut()} />
      ) : (
        <SignIn
          notice={notice}
          onSignedIn={(tk, who) => {
            storeToken(tk);
            setToken(tk);
            setMe(who);
            setNotice(null);
          }}
        />
      )}
    </I18nContext.Provider>
  );
}

function SignIn({ notice, onSignedIn }: { notice: Key | null; onSignedIn: (token: string, me: Me) => void }) {
  const { t } = useI18n();
  const [value, setValue] = useState('');
  const act = useAction();
  return (
    <main class="sign-in">
      <form
        class="card"
        onSubmit={async (e) => {
          e.preventDefault();
          const tk = value.trim();
          const who = await act.run(() => whoAmI(tk));
          if (who) onSignedIn(tk, who);
        }}
      >
        <h2>{t('signIn')}</h2>
        {notice && <p class="notice">{t(notice)}</p>}
        <p class="muted">{t('tokenHint')}</p>
        <TextInput name="token" type="password" value={value} onInput={setValue} placeholder={t('token')} required />
        <button type="submit" disabled={act.busy}>
          {t('signIn')}
        </button>
        <ErrorBox error={act.error} />
      </form>
    </main>
  );
}

function Signed({ token, me, onUnauthorized }: { token: string; me: Me; onUnauthorized: () => void }) {
  const { t } = useI18n();
  const client = useMemo(() => createClient(token, onUnauthorized), [token]);
  const screens = SCREENS[me.role];
  const [hash, setHash] = useState(() => location.hash.slice(2));
  useEffect(() => {
    const on = () => setHash(location.hash.slice(2));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const current = screens.find((s) => s.id === hash) ?? screens[0]!;
  return (
    <SessionContext.Provider value={{ client, me }}>
      <nav>
        {screens.map((s) => (
          <a href={`#/${s.id}`} class={s === current ? 'current' : ''}>
            {t(s.label)}
          </a>
        ))}
      </nav>
      <main>
        <h2>{t(current.label)}</h2>
        <div key={current.id}>{current.render(me)}</div>
      </main>
    </SessionContext.Provider>
  );
}
