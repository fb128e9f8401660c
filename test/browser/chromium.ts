import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Debian's Chromium (`apt-get install chromium`); `npx playwright install` cannot download browsers here. */
export const CHROMIUM = '/usr/bin/chromium';

export interface HeadlessChromium {
  context: BrowserContext;
  /** Its fresh profile folder (a place for files the test hands the page). */
  profile: string;
  close(): Promise<void>;
}

/**
 * Headless Chromium kept off the network (without the background-networking flags it keeps trying hosts this
 * machine cannot reach), with a fresh profile, a Chinese locale and, on purpose, a browser time zone other than
 * Asia/Shanghai: the pages must still show Beijing time.
 */
export async function headlessChromium(name: string, viewport: { width: number; height: number }): Promise<HeadlessChromium> {
  const profile = mkdtempSync(join(tmpdir(), `${name}-chromium-`));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport,
    locale: 'zh-CN',
    timezoneId: 'Europe/Berlin',
  });
  return {
    context,
    profile,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
