// conductor.test.js — conductor actions: the backend runs the composition's loop, as OpenWhisk's controller does.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, poll } = require('./helper')

const INC = 'def main(args):\n    return {"n": args.get("n", 0) + 1}\n'
const FAIL = 'def main(args):\n    return {"error": "no luck"}\n'
// Runs "inc" args.times times, the count left held in the state; then
// gives what it got, with what the conductor saw of errors.
const LOOP = `def main(args):
    st = args.get("$loop") or {"left": args.get("times", 0), "next": args.get("next", "/_/inc")}
    if "error" in args:
        return {"params": {"error": args["error"]}}
    if st["left"] == 0:
        return {"params": {"n": args.get("n", 0)}}
    st["left"] -= 1
    return {"action": st["next"], "params": {"n": args.get("n", 0)}, "state": {"$loop": st}}
`
// Names whatever it was asked to, once; then returns what came back.
const ASK = `def main(args):
    if "asked" in args:
        args.pop("asked")
        return {"params": args}
    return {"action": args["ask"], "params": args.get("with", {}), "state": {"asked": True}}
`
// Always asks for another component.
const GREEDY = `def main(args):
    if "error" in args:
        return {"params": {"stopped": args["error"]}}
    return {"action": args.get("ask", "/_/inc"), "params": {}}
`

const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value
const conductor = { conductor: true }

test('conductor actions', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())

  await ow.actions.create({ name: 'inc', action: INC, kind: 'python:3' })
  await ow.actions.create({ name: 'fail', action: FAIL, kind: 'python:3', limits: { memory: 512 } })
  await ow.actions.create({ name: 'loop', action: LOOP, kind: 'python:3', annotations: conductor })
  await ow.actions.create({ name: 'ask', action: ASK, kind: 'python:3', annotations: conductor })
  await ow.actions.create({ name: 'greedy', action: GREEDY, kind: 'python:3', annotations: conductor })

  await t.test('the backend follows the conductor, holding its state between steps', async () => {
    const r = await ow.actions.invoke({ name: 'loop', blocking: true, params: { times: 3, n: 10 } })
    assert.equal(r.response.status, 'success', JSON.stringify(r.response))
    assert.deepEqual(r.response.result, { n: 13 })
    assert.equal(ann(r, 'kind'), 'sequence')
    assert.equal(ann(r, 'conductor'), true)
    assert.equal(ann(r, 'topmost'), true)
    assert.equal(ann(r, 'path'), 'guest/loop')
    assert.equal(ann(r, 'limits').memory, 256)
    // conductor, inc, conductor, inc, conductor, inc, conductor
    assert.equal(r.logs.length, 7)
    let sum = 0
    for (const [i, id] of r.logs.entries()) {
      const c = await ow.activations.get({ name: id })
      assert.equal(c.cause, r.activationId)
      assert.equal(ann(c, 'causedBy'), 'sequence')
      assert.equal(ann(c, 'topmost'), undefined)
      assert.equal(c.name, i % 2 ? 'inc' : 'loop')
      assert.equal(ann(c, 'conductor'), undefined)
      sum += c.duration
    }
    assert.equal(r.duration, sum)
  })

  await t.test('a conductor that names no action is the whole composition', async () => {
    const r = await ow.actions.invoke({ name: 'loop', blocking: true, result: true, params: { n: 5 } })
    assert.deepEqual(r, { n: 5 })
  })

  await t.test('params and state that are not objects are boxed', async () => {
    await ow.actions.create({
      name: 'boxes',
      kind: 'python:3',
      annotations: conductor,
      action: 'def main(args):\n    if "state" in args:\n        return {"params": [args["state"], args["n"]]}\n' +
        '    return {"action": "inc", "params": {"n": 1}, "state": 7}\n'
    })
    const r = await ow.actions.invoke({ name: 'boxes', blocking: true, result: true })
    assert.deepEqual(r, { value: [7, 2] })
  })

  await t.test('a failed component\'s error reaches the conductor, which decides', async () => {
    const r = await ow.actions.invoke({ name: 'loop', blocking: true, params: { times: 3, next: '/_/fail' } })
    assert.equal(r.response.status, 'success')
    assert.deepEqual(r.response.result, { error: 'no luck' })
    assert.equal(r.logs.length, 3)
    assert.equal(ann(r, 'limits').memory, 512) // the largest of its steps'
  })

  await t.test('a conductor\'s own error ends the composition with it', async () => {
    await ow.actions.create({ name: 'broken', kind: 'python:3', annotations: conductor, action: FAIL })
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/broken?blocking=true', { body: {} })
    assert.equal(r.status, 502)
    assert.equal(r.json.response.status, 'application error')
    assert.deepEqual(r.json.response.result, { error: 'no luck' })
    assert.equal(r.json.logs.length, 1)
  })

  await t.test('a missing or unparsable component is an error the conductor sees', async () => {
    let r = await ow.actions.invoke({ name: 'ask', blocking: true, result: true, params: { ask: '/_/nope' } })
    assert.deepEqual(r, { error: "Failed to resolve action with name 'guest/nope' during composition." })
    r = await ow.actions.invoke({ name: 'ask', blocking: true, result: true, params: { ask: 42 } })
    assert.deepEqual(r, { error: 'Failed to parse action name from json value 42 during composition.' })
    r = await ow.actions.invoke({ name: 'ask', blocking: true, result: true, params: { ask: '/a/b/c/d' } })
    assert.match(r.error, /^Failed to parse action name from json value "\/a\/b\/c\/d" during composition\.$/)
  })

  await t.test('components: compositions nest, in sequences and in each other', async () => {
    await ow.actions.create({ name: 'loop2', action: LOOP, kind: 'python:3', annotations: conductor, params: { times: 2 } })
    await ow.actions.create({ name: 'seq', sequence: ['/_/inc', '/_/loop2', '/_/inc'] })
    let r = await ow.actions.invoke({ name: 'seq', blocking: true, result: true, params: { n: 0 } })
    assert.deepEqual(r, { n: 4 })
    r = await ow.actions.invoke({ name: 'ask', blocking: true, params: { ask: 'loop', with: { times: 2, n: 1 } } })
    assert.deepEqual(r.response.result, { n: 3 })
    const inner = await ow.activations.get({ name: r.logs[1] })
    assert.equal(ann(inner, 'conductor'), true)
    assert.equal(ann(inner, 'topmost'), undefined)
    assert.equal(ann(inner, 'causedBy'), 'sequence')
    assert.equal(inner.cause, r.activationId)
    assert.equal(inner.logs.length, 5) // not flattened
  })

  await t.test('at most 50 components; then the conductor is told', async () => {
    // 50 times a conductor and a component, the 51st conductor's asks
    // refused, the 52nd told
    const r = await ow.actions.invoke({ name: 'greedy', blocking: true })
    assert.equal(r.response.status, 'success')
    assert.deepEqual(r.response.result, { stopped: 'Too many actions in the composition.' })
    assert.equal(r.logs.length, 50 + 52)
  })

  await t.test('at most 101 conductor runs; then the composition fails', async () => {
    await ow.actions.create({
      name: 'greedy2',
      kind: 'python:3',
      annotations: conductor,
      action: 'def main(args):\n    return {"action": "/_/nope"}\n'
    })
    const r2 = await b.raw('POST', '/api/v1/namespaces/_/actions/greedy2?blocking=true', { body: {} })
    assert.equal(r2.status, 502)
    assert.deepEqual(r2.json.response.result, { error: 'Too many actions in the composition.' })
    assert.equal(r2.json.logs.length, 101)
  })

  await t.test('a non-blocking invoke gives the id; the record follows', async () => {
    const { activationId } = await ow.actions.invoke({ name: 'loop', params: { times: 2, n: 0 } })
    const rec = await poll(async () => {
      const a = await ow.activations.get({ name: activationId })
      return a.response && a.end ? a : null
    })
    assert.deepEqual(rec.response.result, { n: 2 })
    assert.equal(rec.logs.length, 5)
  })

  await t.test('"conductor": false or "" is not a conductor', async () => {
    await ow.actions.create({ name: 'plain', action: LOOP, kind: 'python:3', annotations: { conductor: '' } })
    const r = await ow.actions.invoke({ name: 'plain', blocking: true, params: { times: 1 } })
    assert.equal(ann(r, 'kind'), 'python:3')
    assert.equal(r.response.result.action, '/_/inc')
  })
})
