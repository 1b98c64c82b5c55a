// The baseline of benchmarks/sync_bench.py: PouchDB replicating the same documents as KIMdesk's
// sync benchmark (10k case records of ~1 KB) from one LevelDB database through express-pouchdb on
// 127.0.0.1 into a second one. Prints one JSON line: seconds per step, named as in sync_bench.py.
//     node replicate.js [records] [incremental] [batch_size]
// batch_size 1000 is the faster of the settings tried here (PouchDB's default of 100 took 18.5 s
// instead of 15.6 s for push + pull of 10k new documents), so the baseline is PouchDB at its best.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const express = require('express');
const PouchDB = require('pouchdb');

const records = parseInt(process.argv[2] || '10000', 10);
const incremental = parseInt(process.argv[3] || '1000', 10);
const opts = { batch_size: parseInt(process.argv[4] || '1000', 10) };
const words = ['Termin', 'Jobcenter', 'Sprachkurs', 'Anerkennung', 'Wohnung', 'Kita', 'Beratung',
  'Ausländerbehörde', 'Integrationskurs', 'Unterlagen', 'nachreichen', 'begleitet'];
let seed = 1;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
function filler(size) {
  const out = [];
  while (out.join(' ').length < size) out.push(words[Math.floor(rand() * words.length)]);
  return out.join(' ').slice(0, size);
}
function caseDoc(i) {
  const stamp = new Date().toISOString();
  return {
    _id: crypto.randomUUID(), created_at: stamp, updated_at: stamp, deleted: false,
    case_number: `2025-BENCH-${String(i).padStart(6, '0')}`, person_id: crypto.randomUUID(),
    owner: 'bench', team: 'Team Nord', municipality: '', phase: 'erstkontakt',
    opened_on: '2025-01-01', closed_on: null, closure_reason: null, rechtskreise: [],
    handlungsfelder: [], review_on: null, referral_source: filler(700),
  };
}
async function timed(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e9;
}
async function change(db, limit) {
  const all = await db.allDocs({ include_docs: true, limit });
  const docs = all.rows.map((r) => ({ ...r.doc, referral_source: filler(700) + crypto.randomUUID(),
    updated_at: new Date().toISOString() }));
  await db.bulkDocs(docs);
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kimdesk-pouch-'));
  const Local = PouchDB.defaults({ prefix: path.join(dir, 'local-') });
  const Remote = PouchDB.defaults({ prefix: path.join(dir, 'server-') });
  const app = express();
  app.use('/', require('express-pouchdb')(Remote, { mode: 'minimumForPouchDB', logPath: path.join(dir, 'log.txt') }));
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  const url = new PouchDB(`http://127.0.0.1:${server.address().port}/cases`);
  await new Remote('cases').info();
  const a = new Local('a');
  const b = new Local('b');
  const docs = [];
  for (let i = 0; i < records; i += 1) docs.push(caseDoc(i));
  for (let i = 0; i < docs.length; i += 1000) await a.bulkDocs(docs.slice(i, i + 1000));
  const out = {};
  out['push new'] = await timed(() => a.replicate.to(url, opts));
  out['pull new'] = await timed(() => b.replicate.from(url, opts));
  await change(a, records);
  out['push changed'] = await timed(() => a.replicate.to(url, opts));
  out['pull changed'] = await timed(() => b.replicate.from(url, opts));
  await change(a, incremental);
  out['push 1k'] = await timed(() => a.replicate.to(url, opts));
  const info = await b.info();
  if (info.doc_count !== records) throw new Error(`pulled ${info.doc_count} of ${records}`);
  server.close();
  await Promise.all([a.close(), b.close()]);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify(out));
}
main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });
