// invoke.test.js — real functions through the real client: invoke, parameters, sequences, activations.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, poll, NODE_KIND } = require('./helper')

const ECHO = 'import os\ndef main(args):\n    print("echo", len(args))\n    return {"args": args, "env": os.environ.get("SECRET", "")}\n'
const FAIL = 'def main(args):\n    return {"error": "no luck"}\n'
const INC = 'def main(args):\n    return {"n": args.get("n", 0) + 1}\n'
const NODE = 'function main(args) { console.log("from node"); return { hello: args.name || "node" } }\n'
const BASH = '#!/bin/bash\necho "log from bash" >&2\necho "{\\"bash\\": $1}"\n'

const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value

test('invoke', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())

  await ow.actions.create({ name: 'echo', action: ECHO, kind: 'python:3', params: { a: 'action', b: 'action' } })
  await ow.actions.create({ name: 'fail', action: FAIL, kind: 'python:3' })
  await ow.actions.create({ name: 'inc', action: INC, kind: 'python:3' })

  await t.test('blocking invoke returns the whole record, cold then warm', async () => {
    const r1 = await ow.actions.invoke({ name: 'echo', blocking: true, params: { c: 3 } })
    assert.equal(r1.response.success, true)
    assert.equal(r1.response.status, 'success')
    assert.deepEqual(r1.response.result.args, { a: 'action', b: 'action', c: 3 })
    assert.match(r1.activationId, /^[0-9a-f]{32}$/)
    assert.ok(r1.logs.some(l => /stdout: echo 3$/.test(l)), JSON.stringify(r1.logs))
    assert.equal(ann(r1, 'path'), 'guest/echo')
    assert.equal(ann(r1, 'kind'), 'python:3')
    assert.deepEqual(ann(r1, 'limits'), { timeout: 60000, memory: 256, logs: 10, concurrency: 1 })
    assert.equal(typeof ann(r1, 'waitTime'), 'number')
    assert.ok(['cold', 'stemcell'].includes(ann(r1, 'startup')))
    assert.equal(typeof ann(r1, 'initTime'), 'number')
    assert.ok(r1.end >= r1.start && r1.duration === r1.end - r1.start)
    const r2 = await ow.actions.invoke({ name: 'echo', blocking: true })
    assert.equal(ann(r2, 'startup'), 'warm')
    assert.equal(ann(r2, 'initTime'), undefined)
  })

  await t.test('result=true gives only the result; the header names the activation', async () => {
    const r = await ow.actions.invoke({ name: 'inc', blocking: true, result: true, params: { n: 41 } })
    assert.deepEqual(r, { n: 42 })
    const raw = await b.raw('POST', '/api/v1/namespaces/_/actions/inc?blocking=true&result=true', { body: { n: 1 } })
    assert.equal(raw.status, 200)
    assert.deepEqual(raw.json, { n: 2 })
    assert.match(raw.headers['x-openwhisk-activation-id'], /^[0-9a-f]{32}$/)
  })

  await t.test('an application error is 502 with the record', async () => {
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/fail?blocking=true', { body: {} })
    assert.equal(r.status, 502)
    assert.equal(r.json.response.status, 'application error')
    assert.equal(r.json.response.success, false)
    assert.deepEqual(r.json.response.result, { error: 'no luck' })
    await assert.rejects(ow.actions.invoke({ name: 'fail', blocking: true, result: true }), e => e.statusCode === 502 && /no luck/.test(e.message))
  })

  await t.test('non-blocking invoke is 202 with an id; the record comes', async () => {
    const r = await ow.actions.invoke({ name: 'inc', params: { n: 1 } })
    assert.deepEqual(Object.keys(r), ['activationId'])
    const rec = await poll(() => ow.activations.get({ name: r.activationId }).catch(() => null))
    assert.deepEqual(rec.response.result, { n: 2 })
    const res = await ow.activations.result({ name: r.activationId })
    assert.deepEqual(res.result, { n: 2 })
    assert.equal(res.success, true)
    const logs = await ow.activations.logs({ name: r.activationId })
    assert.ok(Array.isArray(logs.logs))
  })

  await t.test('a blocking wait shorter than the run answers 202 and the run still finishes', async () => {
    await ow.actions.create({ name: 'slow', action: 'import time\ndef main(a):\n    time.sleep(1.5)\n    return {"done": True}\n', kind: 'python:3' })
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/slow?blocking=true&timeout=200', { body: {} })
    assert.equal(r.status, 202)
    const rec = await poll(() => ow.activations.get({ name: r.json.activationId }).catch(() => null))
    assert.deepEqual(rec.response.result, { done: true })
  })

  await t.test('parameters merge package < action < invocation; init parameters reach the environment', async () => {
    await ow.packages.create({ name: 'pkg', package: { parameters: [{ key: 'a', value: 'package' }, { key: 'p', value: 'package' }, { key: 'SECRET', value: 's3cret', init: true }] } })
    await ow.actions.create({ name: 'pkg/echo', action: ECHO, kind: 'python:3', params: { a: 'action', b: 'action' } })
    const r = await ow.actions.invoke({ name: 'pkg/echo', blocking: true, result: true, params: { b: 'invoke' } })
    assert.deepEqual(r.args, { a: 'action', p: 'package', b: 'invoke' })
    assert.equal(r.env, 's3cret')
  })

  await t.test('a binding lays its parameters between the package and the action', async () => {
    await ow.packages.create({ name: 'bound', package: { binding: { namespace: '_', name: 'pkg' }, parameters: [{ key: 'p', value: 'binding' }, { key: 'q', value: 'binding' }] } })
    const r = await ow.actions.invoke({ name: 'bound/echo', blocking: true, result: true, params: { x: 1 } })
    assert.deepEqual(r.args, { a: 'action', p: 'binding', q: 'binding', b: 'action', x: 1 })
    const rec = await ow.actions.invoke({ name: 'bound/echo', blocking: true })
    assert.equal(ann(rec, 'binding'), 'guest/bound')
    assert.equal(ann(rec, 'path'), 'guest/pkg/echo')
  })

  await t.test('sequences feed each result to the next and list their components', async () => {
    await ow.actions.create({ name: 'inc3', sequence: ['/_/inc', '/_/inc', '/_/inc'] })
    const r = await ow.actions.invoke({ name: 'inc3', blocking: true, params: { n: 1 } })
    assert.deepEqual(r.response.result, { n: 4 })
    assert.equal(r.logs.length, 3)
    assert.equal(ann(r, 'kind'), 'sequence')
    assert.equal(ann(r, 'topmost'), true)
    const c = await ow.activations.get({ name: r.logs[0] })
    assert.equal(c.cause, r.activationId)
    assert.equal(ann(c, 'causedBy'), 'sequence')
  })

  await t.test('a sequence\'s components are in exec.components only, never among its parameters as _actions', async () => {
    const got = await ow.actions.get({ name: 'inc3' })
    assert.deepEqual(got.exec.components, ['/guest/inc', '/guest/inc', '/guest/inc'])
    assert.deepEqual(got.parameters, [])
    const listed = (await ow.actions.list()).find(a => a.name === 'inc3')
    assert.deepEqual(listed.parameters, [])
    // parameters bound to a sequence are its own, and reach its first component
    await ow.actions.update({ name: 'inc3', sequence: ['/_/inc', '/_/inc', '/_/inc'], params: { n: 10 } })
    assert.deepEqual((await ow.actions.get({ name: 'inc3' })).parameters, [{ key: 'n', value: 10 }])
    assert.deepEqual(await ow.actions.invoke({ name: 'inc3', blocking: true, result: true }), { n: 13 })
  })

  await t.test('the first failure stops a sequence', async () => {
    await ow.actions.create({ name: 'stops', sequence: ['/_/inc', '/_/fail', '/_/inc'] })
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/stops?blocking=true', { body: { n: 1 } })
    assert.equal(r.status, 502)
    assert.deepEqual(r.json.response.result, { error: 'no luck' })
    assert.equal(r.json.logs.length, 2)
  })

  await t.test('a sequence whose component is gone ends with an error, blocking or not', async () => {
    await ow.actions.create({ name: 'tmp', action: INC, kind: 'python:3' })
    await ow.actions.create({ name: 'broken-seq', sequence: ['/_/tmp', '/_/inc'] })
    await ow.actions.delete({ name: 'tmp' })
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/broken-seq?blocking=true', { body: {} })
    assert.equal(r.status, 502)
    assert.match(r.json.response.result.error, /does not exist/)
    const nb = await ow.actions.invoke({ name: 'broken-seq' })
    const rec = await poll(() => ow.activations.get({ name: nb.activationId }).catch(() => null))
    assert.match(rec.response.result.error, /does not exist/)
  })

  await t.test('nested sequences run', async () => {
    await ow.actions.create({ name: 'nest', sequence: ['/_/inc3', '/_/inc'] })
    assert.deepEqual(await ow.actions.invoke({ name: 'nest', blocking: true, result: true, params: { n: 0 } }), { n: 4 })
  })

  await t.test('a raw body is passed as web-action fields', async () => {
    const csv = await b.raw('POST', '/api/v1/namespaces/_/actions/echo?blocking=true&result=true', { body: 'a,b\n1,2\n', headers: { 'content-type': 'text/csv' } })
    assert.equal(csv.status, 200)
    assert.equal(csv.json.args.__ow_body, 'a,b\n1,2\n')
    assert.deepEqual(csv.json.args.__ow_headers, { 'content-type': 'text/csv' })
    assert.equal(csv.json.args.__ow_method, 'post')
    assert.equal(csv.json.args.__ow_path, '')
    const bin = Buffer.from([0, 1, 2, 255, 254])
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/echo?blocking=true&result=true', { body: bin, headers: { 'content-type': 'application/octet-stream' } })
    assert.equal(r.json.args.__ow_body, bin.toString('base64'))
  })

  await t.test('nodejs and bash actions run too', async () => {
    await ow.actions.create({ name: 'node', action: NODE, kind: NODE_KIND })
    assert.deepEqual(await ow.actions.invoke({ name: 'node', blocking: true, result: true, params: { name: 'x' } }), { hello: 'x' })
    await ow.actions.create({ name: 'sh', action: BASH, kind: 'bash' })
    const r = await ow.actions.invoke({ name: 'sh', blocking: true, params: { k: 1 } })
    assert.deepEqual(r.response.result, { bash: { k: 1 } })
    assert.ok(r.logs.some(l => /stderr: log from bash/.test(l)), JSON.stringify(r.logs))
  })

  await t.test('a zip is stored as binary and runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-zip-'))
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'z', main: 'lib.js' }))
    fs.writeFileSync(path.join(dir, 'lib.js'), 'exports.main = args => ({ zipped: args.v })\n')
    execFileSync('zip', ['-q', 'action.zip', 'package.json', 'lib.js'], { cwd: dir })
    const a = await ow.actions.create({ name: 'zipped', action: fs.readFileSync(path.join(dir, 'action.zip')), kind: 'nodejs:default' })
    fs.rmSync(dir, { recursive: true, force: true })
    assert.equal(a.exec.binary, true)
    assert.equal(a.exec.kind, NODE_KIND)
    assert.deepEqual(await ow.actions.invoke({ name: 'zipped', blocking: true, result: true, params: { v: 7 } }), { zipped: 7 })
  })

  await t.test('validate=true stores good code and refuses code that does not initialise', async () => {
    const ok = await b.raw('PUT', '/api/v1/namespaces/_/actions/valid?validate=true', { body: { exec: { kind: 'python:3', code: INC } } })
    assert.equal(ok.status, 200, ok.body)
    const bad = await b.raw('PUT', '/api/v1/namespaces/_/actions/broken?validate=true', { body: { exec: { kind: 'python:3', code: 'def main(args:\n  return 1\n' } } })
    assert.equal(bad.status, 400)
    assert.match(bad.json.error, /^init failed: [\s\S]*SyntaxError/)
    await assert.rejects(ow.actions.get({ name: 'broken' }), e => e.statusCode === 404)
    const r = await ow.actions.invoke({ name: 'valid', blocking: true })
    assert.equal(ann(r, 'startup'), 'warm')
  })

  await t.test('updating an action runs the new code', async () => {
    await ow.actions.update({ name: 'inc', action: 'def main(args):\n    return {"n": args.get("n", 0) + 100}\n', kind: 'python:3' })
    assert.deepEqual(await ow.actions.invoke({ name: 'inc', blocking: true, result: true, params: { n: 1 } }), { n: 101 })
  })

  await t.test('200 concurrent invocations each get their own result and record', async () => {
    const runs = await Promise.all(Array.from({ length: 200 }, (_, i) =>
      b.raw('POST', '/api/v1/namespaces/_/actions/echo?blocking=true', { body: { c: i } })))
    const ids = new Set()
    runs.forEach((r, i) => {
      assert.equal(r.status, 200, r.body)
      assert.equal(r.json.response.result.args.c, i)
      assert.equal(r.headers['x-openwhisk-activation-id'], r.json.activationId)
      ids.add(r.json.activationId)
    })
    assert.equal(ids.size, 200)
    const back = await ow.activations.get({ name: runs[123].json.activationId })
    assert.equal(back.response.result.args.c, 123)
  })

  await t.test('activations list: newest first, name, limit, skip, since, upto, docs', async () => {
    const all = await ow.activations.list({ limit: 200 })
    assert.ok(all.length > 10)
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].start >= all[i].start)
    assert.equal(all[0].response, undefined)
    assert.equal(typeof all[0].statusCode, 'number')
    const inPkg = await ow.activations.list({ name: 'pkg/echo', limit: 200, docs: true })
    assert.ok(inPkg.length >= 3 && inPkg.every(a => ann(a, 'path') === 'guest/pkg/echo'))
    assert.deepEqual((await ow.activations.list({ name: '/guest/pkg/echo', limit: 200 })).length, inPkg.length)
    const cPkg = (await ow.activations.list({ name: 'pkg/echo', count: true })).activations
    const cAny = (await ow.activations.list({ name: 'echo', count: true })).activations
    assert.equal(cPkg, inPkg.length)
    assert.ok(cAny >= 200 + cPkg, `${cAny} records of any echo, ${cPkg} of pkg/echo`)
    const named = await ow.activations.list({ name: 'fail' })
    assert.ok(named.length >= 2 && named.every(a => a.name === 'fail'))
    assert.equal((await ow.activations.list({ limit: 3 })).length, 3)
    assert.equal((await ow.activations.list({ limit: 3, skip: 1 }))[0].activationId, all[1].activationId)
    const counted = await ow.activations.list({ count: true })
    const pages = (await ow.activations.list({ limit: 200 })).length + (await ow.activations.list({ limit: 200, skip: 200 })).length
    assert.equal(counted.activations, pages)
    assert.deepEqual(await ow.activations.list({ name: 'fail', count: true }), { activations: named.length })
    const docs = await ow.activations.list({ limit: 1, docs: true })
    assert.ok(docs[0].response)
    const mid = all[Math.floor(all.length / 2)].start
    const since = await ow.activations.list({ limit: 200, since: mid })
    assert.ok(since.every(a => a.start >= mid) && since.length < all.length)
    const upto = await ow.activations.list({ limit: 200, upto: mid })
    assert.ok(upto.every(a => a.start <= mid))
  })

  await t.test('deleting an action: invoke is 404', async () => {
    await ow.actions.delete({ name: 'slow' })
    await assert.rejects(ow.actions.invoke({ name: 'slow', blocking: true }), e => e.statusCode === 404)
  })
})
