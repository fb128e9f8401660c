/**
 * The token lives in sessionStorage only (gone when the tab closes, never in localStorage or a
 * cookie), and the session ends after IDLE_MS without a key press, click or scroll.
 */
const KEY = 'e-seal-console-token';
export const IDLE_MS = 15 * 60_000;

export const storedToken = (): string | null => sessionStorage.getItem(KEY);
export const storeToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const forgetToken = (): void => sessionStorage.removeItem(KEY);

/** Calls onIdle once after IDLE_MS without activity; returns the function that stops watching. */
export function watchIdle(onIdle: () => void, idleMs = IDLE_MS): () => void {
  let timer = setTimeout(onIdle, idleMs);
  const reset = () => {
    clearTimeout(timer);
    timer = setTimeout(onIdle, idleMs);
  };
  const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
  for (const e of events) window.addEventListener(e, reset, { passive: true });
  return () => {
    clearTimeout(timer);
    for (const e of events) window.removeEventListener(e, reset);
  };
}
