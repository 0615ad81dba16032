// debug.test.js — a failed activation's container kept for inspection when
// its action asks (annotation debug): its working directory and the proxy's
// verbose log readable over REST until it is released or its hold is over;
// nothing followed out of the folder; nothing held otherwise.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, poll } = require('./helper')

// writes a file where it runs and a link out of its folder, then fails unless told not to
const BROKEN = `import os
def main(a):
    with open("state.txt", "w") as f:
        f.write("the state at the failure\\n")
    if not os.path.lexists("escape"):
        os.symlink("/etc/hostname", "escape")
    print("about to fail", flush=True)
    if a.get("ok"):
        return {"ok": True}
    raise RuntimeError("broken on purpose")
`

const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value

test('debug: a failed activation keeps its container for inspection', async t => {
  const b = await start()
  t.after(() => b.close())
  const ow = b.ow
  const debug = id => b.raw('GET', `/api/v1/namespaces/_/activations/${id}/debug`)
  const fail = async name => {
    const r = await ow.actions.invoke({ name, blocking: true }).catch(e => e.error)
    assert.notEqual(r.response.status, 'success')
    return r
  }

  await ow.actions.create({ name: 'broken', action: BROKEN, kind: 'python:3', annotations: { debug: true } })
  await ow.actions.create({ name: 'plain', action: BROKEN, kind: 'python:3' })
  await ow.actions.create({ name: 'brief', action: BROKEN, kind: 'python:3', annotations: { debug: 1 } })

  await t.test('the failure is held: its folder is listed, with the proxy\'s verbose log', async () => {
    const rec = await fail('broken')
    assert.ok(ann(rec, 'heldUntil') > Date.now(), 'the record says until when')
    const r = await debug(rec.activationId)
    assert.equal(r.status, 200, r.body)
    const byName = name => r.json.files.find(f => f.path.split('/').pop() === name)
    assert.equal(byName('state.txt').type, 'file')
    assert.equal(byName('escape').type, 'link')
    assert.ok(byName('proxy.log').size > 0)
    const state = await b.raw('GET', `/api/v1/namespaces/_/activations/${rec.activationId}/debug/${byName('state.txt').path}`)
    assert.equal(state.status, 200)
    assert.equal(state.body, 'the state at the failure\n')
    const log = await b.raw('GET', `/api/v1/namespaces/_/activations/${rec.activationId}/debug/proxy.log`)
    assert.match(log.body, /faasfs-proxy debug: /)
    // the function's link is not followed, nor a path out of the folder
    const esc = await b.raw('GET', `/api/v1/namespaces/_/activations/${rec.activationId}/debug/${byName('escape').path}`)
    assert.equal(esc.status, 403)
    assert.ok(!esc.body.includes(require('node:fs').readFileSync('/etc/hostname', 'utf8').trim()) || esc.json.error)
    const up = await b.raw('GET', `/api/v1/namespaces/_/activations/${rec.activationId}/debug/%2E%2E/x`)
    assert.ok(up.status === 400 || up.status === 404, up.body)
    // another namespace sees nothing
    const other = await b.raw('GET', `/api/v1/namespaces/_/activations/${rec.activationId}/debug`, { auth: b.addNamespace('other') })
    assert.equal(other.status, 404)
    // released: the container goes, and the action runs on in a new one
    const del = await b.raw('DELETE', `/api/v1/namespaces/_/activations/${rec.activationId}/debug`)
    assert.equal(del.status, 200)
    assert.equal((await debug(rec.activationId)).status, 404)
    const ok = await ow.actions.invoke({ name: 'broken', params: { ok: true }, blocking: true, result: true })
    assert.deepEqual(ok, { ok: true })
  })

  await t.test('one held per action: a new failure releases the one before', async () => {
    const first = await fail('broken')
    const second = await fail('broken')
    assert.equal((await debug(second.activationId)).status, 200)
    assert.equal((await debug(first.activationId)).status, 404)
  })

  await t.test('nothing is held for a success, or without the annotation', async () => {
    const rec = await ow.actions.invoke({ name: 'broken', params: { ok: true }, blocking: true })
    assert.equal((await debug(rec.activationId)).status, 404)
    const plain = await fail('plain')
    assert.equal(ann(plain, 'heldUntil'), undefined)
    assert.equal((await debug(plain.activationId)).status, 404)
  })

  await t.test('the hold ends by itself (debug: seconds)', async () => {
    const rec = await fail('brief')
    assert.ok(ann(rec, 'heldUntil') <= Date.now() + 1500)
    await poll(async () => (await debug(rec.activationId)).status === 404)
  })
})
