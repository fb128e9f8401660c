/**
 * The independent judges our output is checked with (poppler, qpdf, NSS, Ghostscript, the JDK with BouncyCastle and
 * PDFBox, Chromium, LibreOffice) are Debian packages, not npm ones. On a fresh machine with only Node, a test that
 * needs a missing judge is SKIPPED, and the run ends with one line naming every missing judge and the `apt-get
 * install` that brings them (test/helpers/judges-reporter.ts prints it). With CI=true (as `.ci/run` sets) a missing
 * judge FAILS the test instead, so nothing is skipped where it counts.
 *
 * Three ways in:
 *   describe.runIf(haveJudges('pdfsig', 'certutil'))(…)   at collection time, for a block that needs them throughout
 *   needJudge('qpdf')                                    inside a test: skips that test (or fails it in CI)
 *   beforeAll(({}, suite) => { if (!skipUnlessJudges(suite, 'qpdf')) return; … })   in a hook: skips the hook's tests
 * runTool (test/helpers/openssl-pki.ts) calls needJudge itself when a command is not installed, so a test that
 * merely runs a judge is covered without naming it.
 */
import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { RunnerTask, RunnerTestSuite } from 'vitest';
import { TestRunner } from 'vitest';

const BC_JARS = ['/usr/share/java/bcprov.jar', '/usr/share/java/bcpkix.jar', '/usr/share/java/bcutil.jar'];
const PDFBOX_JARS = ['pdfbox2', 'fontbox2', 'commons-logging'].map((j) => `/usr/share/java/${j}.jar`);

interface Judge {
  /** The Debian packages that bring it. */
  packages: string[];
  present(): boolean;
}

/** On PATH as an executable file (looked up here, not through a shell: a stripped PATH may have no shell either). */
const onPath = (cmd: string) => () =>
  (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir || '.', cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
const files = (paths: string[]) => () => paths.every((p) => existsSync(p));

/** Every judge a test may ask for, by the command (or name) tests use. */
export const JUDGES = {
  pdfsig: { packages: ['poppler-utils'], present: onPath('pdfsig') },
  pdftoppm: { packages: ['poppler-utils'], present: onPath('pdftoppm') },
  pdfinfo: { packages: ['poppler-utils'], present: onPath('pdfinfo') },
  qpdf: { packages: ['qpdf'], present: onPath('qpdf') },
  certutil: { packages: ['libnss3-tools'], present: onPath('certutil') },
  pk12util: { packages: ['libnss3-tools'], present: onPath('pk12util') },
  gs: { packages: ['ghostscript'], present: onPath('gs') },
  java: { packages: ['default-jdk-headless'], present: onPath('java') },
  javac: { packages: ['default-jdk-headless'], present: onPath('javac') },
  bouncycastle: { packages: ['libbcprov-java', 'libbcpkix-java', 'libbcutil-java'], present: files(BC_JARS) },
  pdfbox: { packages: ['libpdfbox2-java'], present: files(PDFBOX_JARS) },
  chromium: { packages: ['chromium', 'fonts-noto-cjk'], present: files(['/usr/bin/chromium']) },
  soffice: { packages: ['libreoffice-writer-nogui', 'fonts-arphic-uming'], present: onPath('soffice') },
  curl: { packages: ['curl'], present: onPath('curl') },
  bash: { packages: ['bash'], present: onPath('bash') },
} satisfies Record<string, Judge>;

export type JudgeName = keyof typeof JUDGES;
export const isJudge = (name: string): name is JudgeName => Object.hasOwn(JUDGES, name);

const known = new Map<JudgeName, boolean>();
function present(name: JudgeName): boolean {
  let p = known.get(name);
  if (p === undefined) known.set(name, (p = JUDGES[name].present()));
  return p;
}

/** The `apt-get install` line for these judges. */
export function aptLine(names: Iterable<JudgeName>): string {
  const packages = new Set([...names].flatMap((n) => JUDGES[n].packages));
  return `apt-get install -y --no-install-recommends ${[...packages].sort().join(' ')}`;
}

export class JudgeMissingError extends Error {
  constructor(readonly judges: JudgeName[]) {
    super(`${judges.join(', ')} ${judges.length > 1 ? 'are' : 'is'} not installed (CI needs every judge): ${aptLine(judges)}`);
    this.name = 'JudgeMissingError';
  }
}

/**
 * Where workers note the judges they missed: one directory per run, named by the reporter (which runs in vitest's
 * main process) in an environment variable the workers inherit; a file per missing judge.
 */
export const MISSING_DIR_VARIABLE = 'SEAL_TEST_MISSING_JUDGES_DIR';
function noteMissing(names: JudgeName[]): void {
  const dir = process.env[MISSING_DIR_VARIABLE] ?? join(tmpdir(), 'seal-missing-judges');
  mkdirSync(dir, { recursive: true });
  for (const n of names) writeFileSync(join(dir, n), '');
}

const ci = () => Boolean(process.env.CI) && process.env.CI !== 'false';

/** True when every named judge is installed. Otherwise false (noted for the summary), or in CI a JudgeMissingError. */
export function haveJudges(...names: JudgeName[]): boolean {
  const missing = names.filter((n) => !present(n));
  if (missing.length === 0) return true;
  if (ci()) throw new JudgeMissingError(missing);
  noteMissing(missing);
  return false;
}

/**
 * Inside a test: returns when the judges are installed; otherwise skips the running test (noted for the summary),
 * or fails it in CI. Outside a test (a hook) it throws, so a hook must use haveJudges around its block.
 */
export function needJudge(...names: JudgeName[]): void {
  if (haveJudges(...names)) return;
  const test = TestRunner.getCurrentTest();
  const missing = names.filter((n) => !present(n));
  if (!test) throw new JudgeMissingError(missing);
  test.context.skip(`needs ${missing.join(', ')}: ${aptLine(missing)}`);
}

/**
 * In a beforeAll hook (whose second argument is its suite, or the file): true when the judges are installed; otherwise
 * every test under that suite is marked skipped (noted for the summary) and the hook should return at once.
 * In CI a missing judge throws, failing the suite.
 */
export function skipUnlessJudges(suite: Readonly<RunnerTestSuite>, ...names: JudgeName[]): boolean {
  if (haveJudges(...names)) return true;
  // As vitest marks the tests of a suite whose hook failed, but skipped: mode for the runner, result for the report.
  const skip = (task: RunnerTask) => {
    task.mode = 'skip';
    task.result = { ...task.result, state: 'skip' };
    if (task.type === 'suite') task.tasks.forEach(skip);
  };
  suite.tasks.forEach(skip);
  return false;
}

