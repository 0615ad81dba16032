// retention.test.js — activation records are pruned by count in the background
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, poll } = require('./helper')

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
