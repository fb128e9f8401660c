import { defineConfig } from 'vitest/config';

/** Only the judges fixture, with the project's reporters (test/judges.test.ts runs it in a child process). */
export default defineConfig({
  test: {
    root: new URL('../../..', import.meta.url).pathname,
    include: ['test/helpers/judges-fixture/*.fixture.ts'],
    reporters: ['default', './test/helpers/judges-reporter.ts'],
    pool: 'forks',
    maxWorkers: 1,
  },
});
