// callbacks.test.js — functions that call the platform with normal imports:
// python's `import faasfs` and node's `require('openwhisk')`, configured from
// the environment the runtime gives (provide-api-key=true), with a key of the
// activation's own that dies with it, and that api-key-scope narrows.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, poll, NODE_KIND } = require('./helper')

const ECHO = 'def main(args):\n    return args\n'
const KEYED = { 'provide-api-key': true }

// python: invoke, fire, activation get, and the key it was given
const PY = `import os, faasfs
def main(a):
    out = {'key': os.environ.get('__OW_API_KEY'), 'ns': os.environ.get('__OW_NAMESPACE')}
    out['result'] = faasfs.invoke('echo', {'from': 'python', 'n': a.get('n', 1)})
    rec = faasfs.invoke('echo', {'again': 'python'}, result=False)
    out['record'] = faasfs.activation(rec['activationId'])['response']['result']
    out['fired'] = faasfs.fire('tick', {'from': 'python-fire'})
    out['async'] = faasfs.actions.invoke(name='echo', params={'from': 'python-async'})
    return out
`

// node: the same with the openwhisk npm module, as OpenWhisk's runtime has it
const NODE = `const openwhisk = require('openwhisk')
async function main (a) {
  const ow = openwhisk()
  const out = { key: process.env.__OW_API_KEY }
  out.result = await ow.actions.invoke({ name: 'echo', params: { from: 'node' }, blocking: true, result: true })
  const rec = await ow.actions.invoke({ name: 'echo', params: { again: 'node' }, blocking: true })
  out.record = (await ow.activations.get({ name: rec.activationId })).response.result
  out.fired = await ow.triggers.invoke({ name: 'tick', params: { from: 'node-fire' } })
  return out
}
exports.main = main
`

// python, scoped: tries everything, reports each status
const SCOPED = `import faasfs
def status(f, *args):
    try:
        f(*args)
        return 200
    except faasfs.Error as e:
        return e.status
def main(a):
    c = faasfs.Client()
    rec = c.invoke('echo', {'x': 1}, result=False)
    other = a.get('other_activation', 'none')
    return {
        'echo': status(c.invoke, 'echo', {}),
        'other': status(c.invoke, 'secret', {}),
        'tick': status(c.fire, 'tick', {}),
        'tock': status(c.fire, 'tock', {}),
        'echo_activation': status(c.activation, rec['activationId']),
        'other_activation': status(c.activation, other),
        'list': status(c.request, 'GET', '_/actions'),
        'create': status(c.request, 'PUT', '_/actions/made?overwrite=true', {'exec': {'kind': 'python:3', 'code': 'def main(a): return a'}}),
        'elsewhere': status(c.request, 'POST', 'other/actions/echo'),
    }
`

const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value

test('callbacks from inside a function', async t => {
  const b = await start()
  t.after(() => b.close())
  const ow = b.ow

  await ow.actions.create({ name: 'echo', action: ECHO, kind: 'python:3' })
  await ow.actions.create({ name: 'secret', action: 'def main(a):\n    return {"secret": 42}\n', kind: 'python:3' })
  await ow.triggers.create({ name: 'tick' })
  await ow.triggers.create({ name: 'tock' })
  await ow.rules.create({ name: 'tick-echo', trigger: 'tick', action: 'echo' })

  // the records of echo that some function made, found by a parameter
  const echoed = (key, value) => poll(async () => {
    const l = await ow.activations.list({ name: 'echo', docs: true, limit: 200 })
    return l.find(r => r.response.result[key] === value)
  })

  await t.test('python: import faasfs invokes, fires and reads an activation', async () => {
    await ow.actions.create({ name: 'pycall', action: PY, kind: 'python:3', annotations: KEYED })
    const r = await ow.actions.invoke({ name: 'pycall', params: { n: 7 }, blocking: true, result: true })
    assert.deepEqual(r.result, { from: 'python', n: 7 })
    assert.deepEqual(r.record, { again: 'python' })
    assert.match(r.fired.activationId, /^[0-9a-f]{32}$/)
    assert.match(r.async.activationId, /^[0-9a-f]{32}$/)
    assert.equal(r.ns, 'guest')
    // the fire ran the rule's action, and the non-blocking invoke ran too
    await echoed('from', 'python-fire')
    await echoed('from', 'python-async')
    const fire = await poll(() => ow.activations.get({ name: r.fired.activationId }).catch(() => null))
    assert.equal(fire.name, 'tick')
  })

  await t.test('node: require("openwhisk") invokes, fires and reads an activation', async () => {
    await ow.actions.create({ name: 'nodecall', action: NODE, kind: NODE_KIND, annotations: KEYED })
    const r = await ow.actions.invoke({ name: 'nodecall', blocking: true, result: true })
    assert.deepEqual(r.result, { from: 'node' })
    assert.deepEqual(r.record, { again: 'node' })
    assert.match(r.fired.activationId, /^[0-9a-f]{32}$/)
    await echoed('from', 'node-fire')
  })

  await t.test('the key is the activation\'s own, not the caller\'s, and dies when the run ends', async () => {
    const rec = await ow.actions.invoke({ name: 'pycall', blocking: true })
    const key = rec.response.result.key
    assert.match(key, new RegExp(`^fn-${rec.activationId}:[0-9a-f]{64}$`))
    assert.notEqual(key, b.auth)
    assert.ok(!JSON.stringify(rec).includes(b.auth), 'the namespace key is nowhere in the record')
    const late = await b.raw('GET', '/api/v1/namespaces/_/actions', { auth: key })
    assert.equal(late.status, 401)
    const forged = key.replace(/.$/, c => (c === '0' ? '1' : '0'))
    assert.equal((await b.raw('GET', '/api/v1/namespaces/_/actions', { auth: forged })).status, 401)
  })

  await t.test('without provide-api-key there is no key, and the module says what to do', async () => {
    await ow.actions.create({ name: 'nokey', kind: 'python:3', action: 'import faasfs\ndef main(a):\n    try:\n        faasfs.invoke("echo")\n    except faasfs.Error as e:\n        return {"why": str(e)}\n' })
    const r = await ow.actions.invoke({ name: 'nokey', blocking: true, result: true })
    assert.match(r.why, /provide-api-key=true/)
  })

  await t.test('api-key-scope: the key invokes, fires and reads only what it lists', async () => {
    const other = await ow.actions.invoke({ name: 'secret', blocking: true })
    await ow.actions.create({
      name: 'scoped',
      action: SCOPED,
      kind: 'python:3',
      annotations: { ...KEYED, 'api-key-scope': ['actions/echo', 'triggers/tick'] }
    })
    const r = await ow.actions.invoke({ name: 'scoped', params: { other_activation: other.activationId }, blocking: true, result: true })
    assert.deepEqual(r, {
      echo: 200,
      other: 403,
      tick: 200,
      tock: 403,
      echo_activation: 200,
      other_activation: 403,
      list: 403,
      create: 403,
      elsewhere: 403
    })
    await assert.rejects(ow.actions.get({ name: 'made' }), e => e.statusCode === 404)
    const rec = await ow.actions.get({ name: 'scoped' })
    assert.deepEqual(ann(rec, 'api-key-scope'), ['actions/echo', 'triggers/tick'])
  })

  await t.test('a 403 of a scoped key says what the key may do', async () => {
    await ow.actions.create({
      name: 'scoped2',
      kind: 'python:3',
      action: 'import faasfs\ndef main(a):\n    try:\n        faasfs.invoke("secret")\n    except faasfs.Error as e:\n        return {"status": e.status, "why": e.message}\n',
      annotations: { ...KEYED, 'api-key-scope': 'actions/ech*' }
    })
    const r = await ow.actions.invoke({ name: 'scoped2', blocking: true, result: true })
    assert.equal(r.status, 403)
    assert.match(r.why, /api-key-scope to \["actions\/ech\*"\]/)
  })
})
