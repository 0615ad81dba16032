// composer.test.js — Apache OpenWhisk Composer (npm openwhisk-composer): compositions built with
// its compose tool and deployed with its deploy tool run unchanged.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { start } = require('./helper')

const BIN = path.join(__dirname, 'node_modules', 'openwhisk-composer', 'bin')
const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value

test('openwhisk-composer', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  // the tools read ~/.wskprops, as wsk does
  fs.writeFileSync(path.join(b.home, '.wskprops'), `APIHOST=http://127.0.0.1:${b.port}\nAUTH=${b.auth}\n`)
  const env = Object.assign({}, process.env, { HOME: b.home })
  for (const k of Object.keys(env)) if (k.startsWith('__OW_')) delete env[k]

  // compose FILE.js > FILE.json; deploy NAME FILE.json -w
  function deploy (name) {
    const json = path.join(b.dir, name + '.json')
    const out = execFileSync(process.execPath, [path.join(BIN, 'compose.js'), path.join(__dirname, 'compose', name + '.js')], { env })
    fs.writeFileSync(json, out)
    return execFileSync(process.execPath, [path.join(BIN, 'deploy.js'), name, json, '-w'], { env }).toString()
  }
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
