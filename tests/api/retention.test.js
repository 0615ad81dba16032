// retention.test.js — activation records are pruned by count in the background
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, poll } = require('./helper')

// The store as the first version of the schema left it: one action, one old record.
const V1 = `
CREATE TABLE namespaces(name TEXT PRIMARY KEY, uuid TEXT UNIQUE NOT NULL, keyhash TEXT NOT NULL, created INTEGER NOT NULL);
CREATE TABLE entities(ns TEXT NOT NULL, coll TEXT NOT NULL, name TEXT NOT NULL, ref TEXT NOT NULL DEFAULT '',
  updated INTEGER NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(ns, coll, name)) WITHOUT ROWID;
CREATE INDEX entities_ref ON entities(ns, coll, ref);
CREATE TABLE activations(id TEXT PRIMARY KEY, ns TEXT NOT NULL, name TEXT NOT NULL, start INTEGER NOT NULL,
  end INTEGER NOT NULL, status INTEGER NOT NULL, doc TEXT NOT NULL);
CREATE INDEX activations_ns_start ON activations(ns, start);
CREATE INDEX activations_ns_name_start ON activations(ns, name, start);
CREATE INDEX activations_start ON activations(start);
CREATE TABLE events(seq INTEGER PRIMARY KEY AUTOINCREMENT, ns TEXT NOT NULL, kind TEXT NOT NULL, op TEXT NOT NULL,
  name TEXT NOT NULL, version TEXT, act_id TEXT);
CREATE INDEX events_ns ON events(ns, seq);
PRAGMA user_version = 1;`

function v1Store (dir) {
  const action = { namespace: 'guest', name: 'old', version: '0.0.1', publish: false, annotations: [{ key: 'exec', value: 'python:3' }],
    parameters: [], updated: 1, exec: { kind: 'python:3', code: PY, binary: false }, limits: { timeout: 60000, memory: 256, logs: 10, concurrency: 1 } }
  const rec = { namespace: 'guest', name: 'old', version: '0.0.1', subject: 'guest', publish: false, activationId: 'a'.repeat(32),
    start: Date.now() - 1000, end: Date.now() - 900, duration: 100, logs: [], annotations: [],
    response: { status: 'success', statusCode: 0, success: true, result: { i: 'old' } } }
  const script = `import sqlite3, sys, json
c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2])
c.execute("INSERT INTO entities VALUES('guest','actions','old','',1,?)", (sys.argv[3],))
c.execute("INSERT INTO activations VALUES(?, 'guest', 'old', ?, ?, 0, ?)", ('a'*32, ${rec.start}, ${rec.end}, sys.argv[4]))
c.commit()`
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  execFileSync('/usr/bin/python3', ['-c', script, path.join(dir, 'faasfs.db'), V1, JSON.stringify(action), JSON.stringify(rec)])
}

const PY = 'def main(args):\n    return {"i": args.get("i")}\n'

test('retention', async t => {
  const b = await start(['--keep-activations', '5', '--prune-every', '1'])
  const ow = b.ow
  t.after(() => b.close())

  await t.test('only the newest records are kept', async () => {
    await ow.actions.create({ name: 'a', action: PY, kind: 'python:3' })
    const ids = []
    for (let i = 0; i < 12; i++) ids.push((await ow.actions.invoke({ name: 'a', blocking: true, params: { i } })).activationId)
    const kept = await poll(async () => {
      const list = await ow.activations.list({ limit: 200 })
      return list.length <= 5 ? list : null
    })
    assert.equal(kept.length, 5)
    assert.deepEqual(kept.map(a => a.activationId).sort(), ids.slice(-5).sort())
    await assert.rejects(ow.activations.get({ name: ids[0] }), e => e.statusCode === 404)
  })

  await t.test('a restart keeps entities and records', async () => {
    await b.stop()
    await b.start()
    assert.equal((await ow.actions.get({ name: 'a' })).name, 'a')
    assert.equal((await b.ow.activations.list({ limit: 200 })).length, 5)
    const r = await b.ow.actions.invoke({ name: 'a', blocking: true, result: true, params: { i: 99 } })
    assert.deepEqual(r, { i: 99 })
  })
})

test('a store of schema version 1 is migrated in place', async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-v1-'))
  v1Store(path.join(dir, 'data'))
  const b = await start(['--data', path.join(dir, 'data')])
  t.after(async () => { await b.close(); fs.rmSync(dir, { recursive: true, force: true }) })
  const rec = await b.ow.activations.get({ name: 'a'.repeat(32) })
  assert.deepEqual(rec.response.result, { i: 'old' })
  assert.deepEqual(await b.ow.actions.invoke({ name: 'old', blocking: true, result: true, params: { i: 'new' } }), { i: 'new' })
  const list = await b.ow.activations.list({ name: 'old' })
  assert.equal(list.length, 2)
  const version = execFileSync('/usr/bin/python3', ['-c', 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("pragma user_version").fetchone()[0])',
    path.join(dir, 'data', 'faasfs.db')]).toString().trim()
  assert.equal(version, '8')
})

test('--sync-full commits the same records', async t => {
  const b = await start(['--sync-full'])
  t.after(() => b.close())
  await b.ow.actions.create({ name: 'a', action: PY, kind: 'python:3' })
  const r = await b.ow.actions.invoke({ name: 'a', params: { i: 1 } })
  const rec = await poll(() => b.ow.activations.get({ name: r.activationId }).catch(() => null))
  assert.deepEqual(rec.response.result, { i: 1 })
  await b.kill9()
  await b.start()
  assert.deepEqual((await b.ow.activations.get({ name: r.activationId })).response.result, { i: 1 })
})
