// composer.test.js — Apache OpenWhisk Composer (npm openwhisk-composer): compositions built with
// its compose tool and deployed with its deploy tool run unchanged.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, composer } = require('./helper')

const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value

test('openwhisk-composer', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  // compose FILE.js > FILE.json; deploy NAME FILE.json -w
  const tools = composer(b)
  const deploy = name => tools.deploy(name, name)
  const run = (name, params) => ow.actions.invoke({ name, params, blocking: true })

  await t.test('deploy makes a conductor action and the actions the composition defines', async () => {
    assert.match(deploy('sequence'), /ok: created actions \/_\/cinc,\/_\/sequence/)
    const a = await ow.actions.get({ name: 'sequence' })
    assert.equal(ann(a, 'conductor').type, 'sequence')
    assert.equal(ann(a, 'provide-api-key'), true)
    assert.match(a.exec.kind, /^nodejs/)
  })

  await t.test('sequence, action, function', async () => {
    const r = await run('sequence', { n: 1 })
    assert.deepEqual(r.response.result, { n: 5 })
    assert.equal(ann(r, 'conductor'), true)
    // cinc, conductor, cinc: the backend steps the composition itself and
    // hands the function to the real conductor, which runs on to the next action
    assert.equal(r.logs.length, 3)
    const steps = await Promise.all(r.logs.map(id => ow.activations.get({ name: id })))
    assert.deepEqual(steps.map(s => s.name), ['cinc', 'sequence', 'cinc'])
    for (const s of steps) assert.equal(s.cause, r.activationId)
  })

  await t.test('if, literal', async () => {
    deploy('if')
    assert.deepEqual((await run('if', { n: 3 })).response.result, { sign: 'positive' })
    assert.deepEqual((await run('if', { n: -1 })).response.result, { sign: 'not positive' })
  })

  await t.test('let, while, dowhile, repeat', async () => {
    deploy('loops')
    assert.deepEqual((await run('loops', { n: 0 })).response.result, { n: 40 })
  })

  await t.test('try, finally, retry, mask', async () => {
    deploy('errors')
    assert.deepEqual((await run('errors', {})).response.result, { tries: 3, v: 'outer' })
  })

  await t.test('an error in a component ends the composition with it', async () => {
    deploy('fails')
    const r = await run('fails', { n: 1 }).catch(e => e.error)
    assert.deepEqual(r.response.result, { error: 'bad' })
    assert.equal(r.response.success, false)
    assert.equal(r.logs.length, 2) // cinc, conductor (the function): the second cinc never runs
  })
})
