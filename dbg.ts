import { prepare } from './harness/plan.js';
import { runCases } from './harness/runner/pool.js';
const p = await prepare({ fixturesDir: '/tmp/fx' });
try { const r = await runCases(p.plan, { workers: 1 }); console.log(r.map(x => x.status)); } catch (e) { console.log('ERR', e); }
