// triggers.test.js — firing: one trigger to many actions, many triggers to one action, raw events.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, poll } = require('./helper')

const TAG = 'def main(args):\n    return {"tag": args.get("tag"), "args": args}\n'

// the finished activations of an action, newest first
async function runsOf (ow, name, n) {
  return poll(async () => {
    const list = await ow.activations.list({ name, docs: true, limit: 200 })
    return list.length >= n ? list : null
  })
}

test('triggers', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())

  for (const n of ['x', 'y', 'z', 'sink']) await ow.actions.create({ name: n, action: TAG, kind: 'python:3', params: { tag: n } })

  await t.test('no rule, or only inactive ones: 204 and no record', async () => {
    await ow.triggers.create({ name: 'lonely' })
    const r = await b.raw('POST', '/api/v1/namespaces/_/triggers/lonely', { body: { a: 1 } })
    assert.equal(r.status, 204)
    await ow.rules.create({ name: 'off', trigger: 'lonely', action: 'x' })
    await ow.rules.disable({ name: 'off' })
    assert.equal((await b.raw('POST', '/api/v1/namespaces/_/triggers/lonely', { body: {} })).status, 204)
    assert.deepEqual(await ow.activations.list({ name: 'lonely' }), [])
  })

  await t.test('one trigger fans out to three actions with the event and the trigger\'s parameters', async () => {
    await ow.triggers.create({ name: 'fan', trigger: { parameters: [{ key: 'from', value: 'trigger' }] } })
    for (const n of ['x', 'y', 'z']) await ow.rules.create({ name: `fan-${n}`, trigger: 'fan', action: n })
    const fired = await ow.triggers.invoke({ name: 'fan', params: { event: 42 } })
    assert.match(fired.activationId, /^[0-9a-f]{32}$/)
    const rec = await poll(() => ow.activations.get({ name: fired.activationId }).catch(() => null))
    assert.equal(rec.name, 'fan')
    assert.deepEqual(rec.response.result, { from: 'trigger', event: 42 })
    const lines = rec.logs.map(l => JSON.parse(l))
    assert.deepEqual(lines.map(l => l.rule).sort(), ['guest/fan-x', 'guest/fan-y', 'guest/fan-z'])
    assert.ok(lines.every(l => l.success && l.statusCode === 0 && /^[0-9a-f]{32}$/.test(l.activationId)))
    for (const l of lines) {
      const run = await poll(() => ow.activations.get({ name: l.activationId }).catch(() => null))
      assert.equal(run.cause, fired.activationId)
      assert.equal(run.response.result.args.event, 42)
      assert.equal(run.response.result.args.from, 'trigger')
      assert.equal(run.response.result.tag, l.action.split('/')[1])
    }
  })

  await t.test('many triggers feed one action', async () => {
    for (const n of ['t1', 't2', 't3']) {
      await ow.triggers.create({ name: n })
      await ow.rules.create({ name: `${n}-sink`, trigger: n, action: 'sink' })
    }
    for (const n of ['t1', 't2', 't3']) await ow.triggers.invoke({ name: n, params: { via: n } })
    const runs = await runsOf(ow, 'sink', 3)
    assert.deepEqual(runs.map(r => r.response.result.args.via).sort(), ['t1', 't2', 't3'])
  })

  await t.test('a raw event (CSV) reaches the action unchanged, with its content type', async () => {
    await ow.triggers.create({ name: 'csv' })
    await ow.rules.create({ name: 'csv-x', trigger: 'csv', action: 'x' })
    const r = await b.raw('POST', '/api/v1/namespaces/_/triggers/csv', { body: 'id,v\n1,2\n', headers: { 'content-type': 'text/csv' } })
    assert.equal(r.status, 202)
    const rec = await poll(() => ow.activations.get({ name: r.json.activationId }).catch(() => null))
    const run = await poll(() => ow.activations.get({ name: JSON.parse(rec.logs[0]).activationId }).catch(() => null))
    assert.equal(run.response.result.args.__ow_body, 'id,v\n1,2\n')
    assert.deepEqual(run.response.result.args.__ow_headers, { 'content-type': 'text/csv' })
  })

  await t.test('a rule whose action is gone is reported in the trigger record', async () => {
    await ow.actions.create({ name: 'gone', action: TAG, kind: 'python:3' })
    await ow.triggers.create({ name: 'tg' })
    await ow.rules.create({ name: 'tg-gone', trigger: 'tg', action: 'gone' })
    await ow.actions.delete({ name: 'gone' })
    const r = await ow.triggers.invoke({ name: 'tg' })
    const rec = await poll(() => ow.activations.get({ name: r.activationId }).catch(() => null))
    const line = JSON.parse(rec.logs[0])
    assert.equal(line.success, false)
    assert.match(line.error, /does not exist/)
  })

  await t.test('firing a missing trigger is 404', async () => {
    await assert.rejects(ow.triggers.invoke({ name: 'nope' }), e => e.statusCode === 404)
  })
})
