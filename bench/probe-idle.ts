// Temporary probe (not committed)
import { readFile } from 'node:fs/promises';
import { ensureFixtures } from '../test/fixtures/make-fixtures.js';
import { httpSealRun, serviceCpuMs, startService } from './http.js';
const files = await ensureFixtures(['size-8m']);
const d8 = await readFile(files['size-8m']!);
const svc = await startService();
const seal = httpSealRun(svc);
const round = async (name: string, n: number) => { const c: number[] = []; for (let i = 0; i < n; i++) { const c0 = serviceCpuMs(svc.pid); await seal(d8); c.push(Math.round(serviceCpuMs(svc.pid) - c0)); } console.log(name, c.join(' '), 'mean', Math.round(c.reduce((a, b) => a + b) / n)); };
await round('warm', 6); await round('busy', 10); await new Promise((r) => setTimeout(r, 65_000)); await round('after idle', 12);
await svc.stop();
