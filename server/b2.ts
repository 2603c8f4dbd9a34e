import { startHarness, createTestTenant } from './test/harness.ts';
const h = await startHarness();
const t = await createTestTenant(h, 'perf');
await t.api('POST', '/metadata/changes', { operations: [
  { op: 'createObject', object: { apiName: 'patient', labels: { en: { singular: 'Patient', plural: 'Patients' } }, fields: [
    { apiName: 'name', type: 'text', labels: { en: 'Name' }, required: true },
    { apiName: 'email', type: 'email', labels: { en: 'Email' } },
    { apiName: 'phone', type: 'phone', labels: { en: 'Phone' } },
    { apiName: 'status', type: 'picklist', labels: { en: 'Status' }, values: ['a','b','c','d','e'].map((v) => ({ apiName: v, labels: { en: v } })) },
    { apiName: 'age', type: 'number', labels: { en: 'Age' } },
    { apiName: 'birth_date', type: 'date', labels: { en: 'Birth date' } },
    { apiName: 'balance', type: 'currency', labels: { en: 'Balance' } },
    { apiName: 'city', type: 'text', labels: { en: 'City' } },
    { apiName: 'seen_at', type: 'datetime', labels: { en: 'Seen' } },
    { apiName: 'vip', type: 'boolean', labels: { en: 'VIP' } },
    { apiName: 'clinic', type: 'lookup', labels: { en: 'Clinic' }, lookup: { objectId: 'organization', onDelete: 'setNull', relationshipName: 'patients' } },
  ] } } ] });
const org = (await t.api('POST', '/records/organization', { name: 'Org' })).json().id;
const ops = (n: number) => Array.from({ length: 1000 }, (_, i) => ({ op: 'create', data: { name: `P ${n}-${i}`, email: `p${n}-${i}@x.io`, phone: '+1 555 0100', status: 'abcde'[i % 5], age: i % 90, birth_date: '1990-05-06', balance: 12.5, city: 'Paris', seen_at: new Date().toISOString(), vip: i % 2 === 0, clinic: org } }));
const bodies = Array.from({ length: 20 }, (_, n) => JSON.stringify({ operations: ops(n) }));
for (let round = 0; round < 2; round++) {
  const start = performance.now();
  let t1 = 0;
  await Promise.all([0, 1].map(async (w) => { for (let n = w; n < 10; n += 2) {
    const res = await h.server.app.inject({ method: 'POST', url: '/api/v1/records/patient/batch', headers: { authorization: `Bearer ${t.key}`, 'content-type': 'application/json' }, payload: bodies[round * 10 + n] });
    if (res.statusCode !== 200) { console.log(res.statusCode, res.body.slice(0, 300)); break; }
  } }));
  const secs = (performance.now() - start) / 1000;
  console.log(`RESULT ${process.env.DATABASE_URL ? 'pg' : 'pglite'}: ${Math.round(10000 / secs)} records/s`);
}
await h.close();
