// entities.test.js — every entity operation through the real openwhisk client.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start } = require('./helper')

const PY = 'def main(args):\n    return {"greeting": "Hello " + args.get("name", "stranger")}\n'

test('entities', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())

  await t.test('namespaces list is the caller\'s own', async () => {
    assert.deepEqual(await ow.namespaces.list(), ['guest'])
  })

  await t.test('action create, get, get without code', async () => {
    const a = await ow.actions.create({ name: 'hello', action: PY, kind: 'python:3' })
    assert.equal(a.name, 'hello')
    assert.equal(a.namespace, 'guest')
    assert.equal(a.version, '0.0.1')
    assert.equal(a.publish, false)
    assert.equal(a.exec.kind, 'python:3')
    assert.equal(a.exec.binary, false)
    assert.deepEqual(a.limits, { timeout: 60000, memory: 256, logs: 10, concurrency: 1 })
    assert.ok(a.annotations.some(x => x.key === 'exec' && x.value === 'python:3'))
    const g = await ow.actions.get({ name: 'hello' })
    assert.equal(g.exec.code, PY)
    const nc = await ow.actions.get({ name: 'hello', code: false })
    assert.equal(nc.exec.code, undefined)
    assert.equal(nc.exec.kind, 'python:3')
  })

  await t.test('create again without overwrite is 409', async () => {
    await assert.rejects(ow.actions.create({ name: 'hello', action: PY, kind: 'python:3' }),
      e => e.statusCode === 409 && /already exists/.test(e.message))
  })

  await t.test('update bumps the version and merges limits and annotations', async () => {
    const u = await ow.actions.update({ name: 'hello', action: { limits: { timeout: 5000 }, annotations: [{ key: 'a', value: 1 }] } })
    assert.equal(u.version, '0.0.2')
    assert.equal(u.limits.timeout, 5000)
    assert.equal(u.limits.memory, 256)
    assert.equal(u.exec.code, PY)
    const u2 = await ow.actions.update({ name: 'hello', action: { annotations: [{ key: 'b', value: 2 }] } })
    assert.equal(u2.version, '0.0.3')
    const keys = u2.annotations.map(x => x.key)
    assert.ok(keys.includes('a') && keys.includes('b') && keys.includes('exec'))
  })

  await t.test('list with limit, skip and count', async () => {
    for (const n of ['a1', 'a2', 'a3']) await ow.actions.create({ name: n, action: PY, kind: 'python:3' })
    const all = await ow.actions.list()
    assert.equal(all.length, 4)
    assert.ok(all.every(x => x.exec.code === undefined))
    assert.equal((await ow.actions.list({ limit: 2 })).length, 2)
    assert.equal((await ow.actions.list({ limit: 2, skip: 3 })).length, 1)
    assert.deepEqual(await ow.actions.list({ count: true }), { actions: 4 })
  })

  await t.test('delete, then get is 404', async () => {
    const d = await ow.actions.delete({ name: 'a3' })
    assert.equal(d.name, 'a3')
    await assert.rejects(ow.actions.get({ name: 'a3' }), e => e.statusCode === 404)
    await assert.rejects(ow.actions.delete({ name: 'a3' }), e => e.statusCode === 404)
  })

  await t.test('packages: create, action inside, get lists it, delete needs force', async () => {
    const p = await ow.packages.create({ name: 'utils', package: { parameters: [{ key: 'p', value: 1 }] } })
    assert.equal(p.name, 'utils')
    assert.deepEqual(p.binding, {})
    const a = await ow.actions.create({ name: 'utils/echo', action: PY, kind: 'python:3' })
    assert.equal(a.namespace, 'guest/utils')
    const g = await ow.packages.get({ name: 'utils' })
    assert.deepEqual(g.actions.map(x => x.name), ['echo'])
    const inside = await b.raw('GET', '/api/v1/namespaces/_/actions/utils/')
    assert.deepEqual(inside.json.map(x => [x.namespace, x.name]), [['guest/utils', 'echo']])
    const u = await ow.packages.update({ name: 'utils', package: { publish: true } })
    assert.equal(u.version, '0.0.2')
    assert.equal(u.publish, true)
    await assert.rejects(ow.packages.delete({ name: 'utils' }), e => e.statusCode === 409 && /not empty/.test(e.message))
    const list = await ow.packages.list()
    assert.equal(list.length, 1)
  })

  await t.test('package bindings: create, get shows the bound actions, no actions created inside', async () => {
    const bnd = await ow.packages.create({ name: 'mine', package: { binding: { namespace: 'guest', name: 'utils' } } })
    assert.deepEqual(bnd.binding, { namespace: 'guest', name: 'utils' })
    const g = await ow.packages.get({ name: 'mine' })
    assert.deepEqual(g.actions.map(x => x.name), ['echo'])
    await assert.rejects(ow.actions.create({ name: 'mine/x', action: PY, kind: 'python:3' }),
      e => e.statusCode === 400 && /binding/.test(e.message))
    await assert.rejects(ow.packages.create({ name: 'bad', package: { binding: { namespace: 'guest', name: 'nope' } } }),
      e => e.statusCode === 400)
    await assert.rejects(ow.packages.create({ name: 'default' }), e => e.statusCode === 400 && /reserved/.test(e.message))
  })

  await t.test('package delete with force removes its actions', async () => {
    await ow.packages.delete({ name: 'mine' })
    const r = await b.raw('DELETE', '/api/v1/namespaces/_/packages/utils?force=true')
    assert.equal(r.status, 200)
    await assert.rejects(ow.actions.get({ name: 'utils/echo' }), e => e.statusCode === 404)
  })

  await t.test('triggers: create, get, update, list, delete', async () => {
    const tr = await ow.triggers.create({ name: 't1', trigger: { parameters: [{ key: 'k', value: 'v' }] } })
    assert.equal(tr.version, '0.0.1')
    assert.deepEqual(tr.limits, {})
    assert.deepEqual(tr.parameters, [{ key: 'k', value: 'v' }])
    const u = await ow.triggers.update({ name: 't1', trigger: { annotations: [{ key: 'x', value: 1 }] } })
    assert.equal(u.version, '0.0.2')
    assert.equal((await ow.triggers.list()).length, 1)
    await ow.triggers.create({ name: 't2' })
    assert.equal((await ow.triggers.list()).length, 2)
    await ow.triggers.delete({ name: 't2' })
    await assert.rejects(ow.triggers.get({ name: 't2' }), e => e.statusCode === 404)
  })

  await t.test('rules: create active, disable, enable, the trigger lists it, delete', async () => {
    const r = await ow.rules.create({ name: 'r1', trigger: 't1', action: 'hello' })
    assert.equal(r.status, 'active')
    assert.deepEqual(r.trigger, { path: 'guest', name: 't1' })
    assert.deepEqual(r.action, { path: 'guest', name: 'hello' })
    assert.equal((await ow.rules.disable({ name: 'r1' })).status, 'inactive')
    assert.equal((await ow.rules.get({ name: 'r1' })).status, 'inactive')
    assert.equal((await ow.rules.enable({ name: 'r1' })).status, 'active')
    const tr = await ow.triggers.get({ name: 't1' })
    assert.deepEqual(tr.rules['guest/r1'], { action: { path: 'guest', name: 'hello' }, status: 'active' })
    assert.equal((await ow.rules.list()).length, 1)
    await assert.rejects(ow.rules.create({ name: 'r2', trigger: 'nope', action: 'hello' }),
      e => e.statusCode === 400 && /valid trigger/.test(e.message))
    await assert.rejects(ow.rules.create({ name: 'r2', trigger: 't1', action: 'nope' }), e => e.statusCode === 400)
    const d = await ow.rules.delete({ name: 'r1' })
    assert.equal(d.status, 'inactive')
    await assert.rejects(ow.rules.get({ name: 'r1' }), e => e.statusCode === 404)
  })

  await t.test('sequence creation checks its components', async () => {
    const s = await ow.actions.create({ name: 'seq', sequence: ['/_/hello', '/guest/a1'] })
    assert.deepEqual(s.exec, { kind: 'sequence', components: ['/guest/hello', '/guest/a1'] })
    await assert.rejects(ow.actions.create({ name: 'seq2', sequence: ['/_/nope'] }),
      e => e.statusCode === 400 && /does not exist/.test(e.message))
    await assert.rejects(ow.actions.update({ name: 'seq', sequence: ['/_/seq'] }),
      e => e.statusCode === 400 && /itself/.test(e.message))
  })

  await t.test('the root documents runtimes; /api/v1 describes the API', async () => {
    const root = await b.raw('GET', '/')
    assert.ok(root.json.runtimes.python[0].kind === 'python:3')
    const v1 = await b.raw('GET', '/api/v1')
    assert.equal(v1.json.api_version, '1.0.0')
  })
})
