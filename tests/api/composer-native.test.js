// composer-native.test.js — Composer compositions the backend steps itself (composer_fsm.c).
// Each case of compose/cases.js, built and deployed with Composer's own tools,
// runs twice: as deployed, and with its conductor's code edited below the
// marker, which the backend leaves to the real conductor every step, as
// OpenWhisk runs it. Both must give the same results; the first has no
// conductor run where no state needs JavaScript (Composer's own functions,
// which if, while, repeat, retry, literal and retain lower to, are run by
// the backend), and no more than the second where some do.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, composer, NODE_KIND } = require('./helper')

const NODE = {
  inc: 'function main(p) { return { n: (p.n || 0) + 1 } }',
  fail: "function main(p) { return { error: 'failed ' + p.n } }",
  pos: 'function main(p) { return { value: p.n > 0, n: p.n } }',
  lt3: 'function main(p) { return { value: p.n < 3, n: p.n } }',
  echo: 'function main(p) { return p }',
  dyn: "function main(p) { return { type: 'action', name: 'inc', params: { n: 10 } } }",
  errzero: 'function main(p) { return { error: 0 } }'
}
// numbers JavaScript would change on their way through the conductor
const FLOAT = 'def main(args):\n    return {"n": float(args.get("n", 0)) * 2, "big": 2**60 + 1, "bigf": 2.0**60, "half": 0.5, "l": [1.0, -0.0]}\n'
const TYPES = 'def main(args):\n    return {k: type(v).__name__ + " " + repr(v) for k, v in args.items()}\n'

// case: [inputs, conductor runs as deployed (the edited one has a run after each component, and one first)]
const CASES = {
  seq: [[{ n: 1 }, { n: 1, error: 'given' }], 0],
  try: [[{ n: 1 }], 0],
  finally: [[{ n: 1 }], 0],
  if_nosave: [[{ n: 1 }, { n: -1 }], 0],
  while_nosave: [[{ n: 0 }, { n: 5 }], 0],
  dowhile_nosave: [[{ n: 0 }, { n: 5 }], 0],
  let_mask: [[{ n: 1 }], 0],
  nested: [[{ n: 1 }], 0],
  empty: [[{ n: 1 }, { error: 'given' }], 0],
  dynamic: [[{}], 0],
  dynamic_bad: [[{ n: 1 }], 0],
  missing: [[{ n: 1 }], 0],
  numbers: [[{ n: 1.5 }], 0],
  error0: [[{}], 0],
  limit: [[{ n: 1 }], 0],
  if: [[{ n: 1 }, { n: -1 }], 0],
  while: [[{ n: 0 }, { n: 5 }], 0],
  dowhile: [[{ n: 0 }, { n: 5 }], 0],
  repeat: [[{ n: 0 }], 0],
  retry: [[{ n: 0 }], 0],
  retry_ok: [[{ n: 0 }], 0],
  literal: [[{ n: 0 }], 0],
  retain: [[{ n: 0 }], 0],
  retain_catch: [[{ n: 0 }], 0],
  shadow: [[{ n: 1 }, { n: -1 }], 0],
  function: [[{ n: 1 }], 1],
  if_fn: [[{ n: 1 }, { n: -1 }], null],
  while_fn: [[{ n: 0 }], null],
  merge: [[{ n: 0 }], null],
  bad_name: [[{ n: 0 }], null],
  count_text: [[{ n: 0 }], null],
  let_fn: [[{ n: 0 }], null],
  try_fn: [[{ n: 1 }], null]
}

test('Composer compositions stepped by the backend', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  const tools = composer(b)

  for (const [name, code] of Object.entries(NODE)) {
    await ow.actions.create({ name, action: { exec: { kind: NODE_KIND, code } } })
  }
  await ow.actions.create({ name: 'float', action: { exec: { kind: 'python:3', code: FLOAT } } })
  await ow.actions.create({ name: 'types', action: { exec: { kind: 'python:3', code: TYPES } } })

  // compose cases.js with CASE; deploy it as NAME; NAME-edited: its code with a comment at the end
  const deploy = kase => tools.deploy(kase, 'cases', { CASE: kase })
  async function edited (kase) {
    const a = await ow.actions.get({ name: kase })
    a.exec.code += '\n// edited below the marker\n'
    await ow.actions.update({ name: kase + '-edited', action: { exec: a.exec, annotations: a.annotations, limits: a.limits } })
  }
  // the activation, whether it succeeded or not, and how many of its steps were conductor runs
  async function run (name, params) {
    const r = await ow.actions.invoke({ name, params, blocking: true }).catch(e => e.error)
    assert.ok(r && r.response, `${name}: ${JSON.stringify(r)}`)
    let conductors = 0
    for (const id of r.logs) {
      const step = await ow.activations.get({ name: id })
      assert.equal(step.cause, r.activationId)
      if (step.name === name) conductors++
    }
    return { result: r.response.result, status: r.response.status, conductors, steps: r.logs.length }
  }

  for (const [kase, [inputs, conductors]] of Object.entries(CASES)) {
    await t.test(kase, async () => {
      deploy(kase)
      await edited(kase)
      for (const params of inputs) {
        const here = await run(kase, params)
        const real = await run(kase + '-edited', params)
        const what = `${kase} ${JSON.stringify(params)}`
        assert.deepEqual(here.result, real.result, what)
        assert.equal(here.status, real.status, what)
        // the real conductor runs first and after every component (and one that could not run)
        assert.ok(real.conductors >= real.steps - real.conductors + 1, what)
        if (conductors !== null) assert.equal(here.conductors, conductors, what)
        else assert.ok(here.conductors > 0 && here.conductors <= real.conductors, `${what}: ${here.conductors} of ${real.conductors}`)
        assert.equal(here.steps - here.conductors, real.steps - real.conductors, what) // the same components
      }
    })
  }

  await t.test('what the cases gave', async () => {
    assert.deepEqual((await run('seq', { n: 1 })).result, { n: 4 })
    assert.deepEqual((await run('numbers', { n: 1.5 })).result,
      { n: 'int 3', big: 'int 1152921504606847000', bigf: 'int 1152921504606847000', half: 'float 0.5', l: 'list [1, 0]' })
    const limit = await run('limit', { n: 1 })
    assert.deepEqual(limit.result, { error: 'Too many actions in the composition.' })
    assert.equal(limit.steps, 50)
    assert.deepEqual((await run('dynamic_bad', { n: 1 })).result, { error: 'Incorrect use of the dynamic combinator at AST node root[1]' })
  })

  await t.test('an update that edits below the marker is the real conductor\'s from then on', async () => {
    assert.equal((await run('seq', { n: 1 })).conductors, 0)
    const a = await ow.actions.get({ name: 'seq' })
    await ow.actions.update({ name: 'seq', action: { exec: Object.assign(a.exec, { code: a.exec.code + ' ' }) } })
    const r = await run('seq', { n: 1 })
    assert.deepEqual(r.result, { n: 4 })
    assert.equal(r.conductors, 4)
    deploy('seq') // deployed again by Composer: stepped here again
    assert.equal((await run('seq', { n: 1 })).conductors, 0)
  })
})
