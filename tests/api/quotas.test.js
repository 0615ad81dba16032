// quotas.test.js — namespace quotas as OpenWhisk has them: the limits endpoint, the operator's --set-limits, each quota's 429 and reason.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const path = require('node:path')
const { start, NODE_KIND } = require('./helper')

const BACKEND = process.env.FAASFS_BACKEND || path.join(__dirname, '..', '..', 'backend', 'faasfs-backend')
const ECHO = 'function main(a) { return a }\n'
// in flight until the backend stops: the concurrency quota counts it
const HOLD = 'function main() { return new Promise(() => {}) }\n'

// GET /api/v1/namespaces/_/limits through the npm client's own request
const limits = ow => ow.actions.client.request('GET', 'namespaces/_/limits')

// faasfs-backend --set-limits NS ...: the namespace's own quotas, as printed
function setLimits (b, ns, ...args) {
  const out = execFileSync(BACKEND, ['--data', b.data, '--set-limits', ns, ...args], {
    env: Object.assign({}, process.env, { HOME: b.home })
  })
  return JSON.parse(out.toString())
}

async function refused (promise, message) {
  await assert.rejects(promise, e => {
    assert.equal(e.statusCode, 429, e.message)
    assert.equal(e.error.error, message)
    return true
  })
}

test('namespace quotas', async t => {
  const b = await start(['--concurrent-invocations', '40', '--invocations-per-minute', '500', '--fires-per-minute', '300'])
  t.after(() => b.close())

  await t.test('GET limits: the system\'s values with OpenWhisk\'s names, read by the npm client', async () => {
    assert.deepEqual(await limits(b.ow), { concurrentInvocations: 40, invocationsPerMinute: 500, firesPerMinute: 300 })
    const r = await b.raw('PUT', '/api/v1/namespaces/_/limits', { body: {} })
    assert.equal(r.status, 405, r.body)
    assert.equal((await b.raw('GET', '/api/v1/namespaces/_/limits', { auth: null })).status, 401)
  })

  await t.test('--set-limits: a namespace\'s own values, shown at once, others untouched; "default" gives them back', async () => {
    const ow = b.client(b.addNamespace('tenant'))
    assert.deepEqual(setLimits(b, 'tenant', '--invocations-per-minute', '7', '--fires-per-minute', '0'),
      { firesPerMinute: 0, invocationsPerMinute: 7 })
    assert.deepEqual(await limits(ow), { concurrentInvocations: 40, invocationsPerMinute: 7, firesPerMinute: 0 })
    assert.deepEqual(await limits(b.ow), { concurrentInvocations: 40, invocationsPerMinute: 500, firesPerMinute: 300 })
    assert.deepEqual(setLimits(b, 'tenant', '--fires-per-minute', 'default'), { invocationsPerMinute: 7 })
    assert.deepEqual(await limits(ow), { concurrentInvocations: 40, invocationsPerMinute: 7, firesPerMinute: 300 })
    const bad = spawnSync(BACKEND, ['--data', b.data, '--set-limits', 'nobody', '--fires-per-minute', '1'])
    assert.equal(bad.status, 1)
    assert.match(bad.stderr.toString(), /--set-limits nobody: no such namespace/)
    assert.equal(spawnSync(BACKEND, ['--data', b.data, '--set-limits', 'tenant', '--fires-per-minute', '-3']).status, 2)
  })

  await t.test('invocationsPerMinute: the next invoke is 429 with OpenWhisk\'s reason; other namespaces run on', async () => {
    const ow = b.client(b.addNamespace('rate'))
    setLimits(b, 'rate', '--invocations-per-minute', '3')
    await limits(ow) // read again by the daemon
    await ow.actions.create({ name: 'echo', action: { exec: { kind: NODE_KIND, code: ECHO } } })
    for (let i = 0; i < 3; i++) assert.deepEqual(await ow.actions.invoke({ name: 'echo', blocking: true, result: true, params: { i } }), { i })
    await refused(ow.actions.invoke({ name: 'echo', blocking: true }), 'Too many requests in the last minute (count: 4, allowed: 3).')
    await refused(ow.actions.invoke({ name: 'echo' }), 'Too many requests in the last minute (count: 4, allowed: 3).')
    await b.ow.actions.create({ name: 'echo', action: { exec: { kind: NODE_KIND, code: ECHO } } })
    assert.deepEqual(await b.ow.actions.invoke({ name: 'echo', blocking: true, result: true, params: { x: 1 } }), { x: 1 })
  })

  await t.test('concurrentInvocations: with two in flight the third is 429; a sequence\'s steps are its own', async () => {
    const ow = b.client(b.addNamespace('conc'))
    setLimits(b, 'conc', '--concurrent-invocations', '2')
    await limits(ow)
    await ow.actions.create({ name: 'hold', action: { exec: { kind: NODE_KIND, code: HOLD } }, limits: { timeout: 300000 } })
    await ow.actions.create({ name: 'echo', action: { exec: { kind: NODE_KIND, code: ECHO } } })
    await ow.actions.create({ name: 'seq', action: { exec: { kind: 'sequence', components: ['/conc/echo', '/conc/echo', '/conc/echo'] } } })
    // one in flight: a three-step sequence still runs (one invocation, not four)
    await ow.actions.invoke({ name: 'hold' })
    assert.deepEqual(await ow.actions.invoke({ name: 'seq', blocking: true, result: true, params: { s: 1 } }), { s: 1 })
    await ow.actions.invoke({ name: 'hold' })
    await refused(ow.actions.invoke({ name: 'echo', blocking: true }), 'Too many concurrent requests in flight (count: 2, allowed: 2).')
    // a fire whose every rule is refused is refused itself, and leaves no record: an acknowledged fire runs
    await ow.triggers.create({ name: 'full' })
    await ow.rules.create({ name: 'tofull', action: 'echo', trigger: 'full' })
    await refused(ow.triggers.invoke({ name: 'full', params: { f: 1 } }), 'Too many concurrent requests in flight (count: 2, allowed: 2).')
    assert.equal((await ow.activations.list({ name: 'full', limit: 10 })).length, 0)
  })

  await t.test('firesPerMinute: the next fire is 429 with the reason, and starts no rule', async () => {
    const ow = b.client(b.addNamespace('fires'))
    setLimits(b, 'fires', '--fires-per-minute', '2')
    await limits(ow)
    await ow.actions.create({ name: 'echo', action: { exec: { kind: NODE_KIND, code: ECHO } } })
    await ow.triggers.create({ name: 'tick' })
    await ow.rules.create({ name: 'r', action: 'echo', trigger: 'tick' })
    for (let i = 0; i < 2; i++) assert.ok((await ow.triggers.invoke({ name: 'tick', params: { i } })).activationId)
    await refused(ow.triggers.invoke({ name: 'tick', params: { i: 2 } }), 'Too many requests in the last minute (count: 3, allowed: 2).')
    const acts = await ow.activations.list({ limit: 50 })
    assert.equal(acts.filter(a => a.name === 'tick').length, 2)
  })
})
