// faults.test.js — misbehaving functions are contained; a killed backend loses no acknowledged activation.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start, poll } = require('./helper')

const OK = 'def main(args):\n    return {"ok": args.get("i", 0)}\n'
const LOOP = 'def main(args):\n    while True:\n        pass\n'
const HOG = 'def main(args):\n    chunks = []\n    while True:\n        chunks.append(bytearray(16 << 20))\n'
const FORKBOMB = '#!/bin/bash\nbomb() { bomb | bomb & }\nbomb\nsleep 30\necho "{}"\n'
const CRASH = 'import os\ndef main(args):\n    print("about to crash")\n    os.kill(os.getpid(), 9)\n'
const BIGRESULT = 'def main(args):\n    return {"big": "x" * (100 << 20)}\n'
const FLOOD = 'import sys\ndef main(args):\n    line = "y" * 1023 + "\\n"\n    for i in range(100 * 1024):\n        sys.stdout.write(line)\n    return {"flooded": True}\n'

const ann = (rec, key) => (rec.annotations.find(a => a.key === key) || {}).value

async function blocking (b, name, body = {}) {
  return b.raw('POST', `/api/v1/namespaces/_/actions/${name}?blocking=true`, { body })
}

// run the healthy action while `bad` is in flight: it must answer
async function servedMeanwhile (b, badPromise) {
  const r = await blocking(b, 'ok', { i: 7 })
  assert.equal(r.status, 200, r.body)
  assert.deepEqual(r.json.response.result, { ok: 7 })
  return badPromise
}

test('faults', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  await ow.actions.create({ name: 'ok', action: OK, kind: 'python:3' })
  await ow.actions.invoke({ name: 'ok', blocking: true })

  await t.test('an endless loop ends at its timeout, as a developer error', async () => {
    await ow.actions.create({ name: 'loop', action: LOOP, kind: 'python:3', limits: { timeout: 1000 } })
    const r = await servedMeanwhile(b, blocking(b, 'loop'))
    assert.equal(r.status, 502)
    assert.equal(r.json.response.status, 'action developer error')
    assert.match(r.json.response.result.error, /time limit|timed out|timeout/i)
    assert.equal(ann(r.json, 'timeout'), true)
    assert.ok(r.json.duration >= 1000 && r.json.duration < 20000, `duration ${r.json.duration}`)
  })

  await t.test('a memory hog is stopped at its memory limit', async () => {
    await ow.actions.create({ name: 'hog', action: HOG, kind: 'python:3', limits: { memory: 128, timeout: 20000 } })
    const r = await servedMeanwhile(b, blocking(b, 'hog'))
    assert.equal(r.status, 502)
    assert.notEqual(r.json.response.status, 'success')
    assert.match(r.json.response.result.error, /memory|killed|exited|signal/i)
  })

  await t.test('a fork bomb is contained', async () => {
    await ow.actions.create({ name: 'bomb', action: FORKBOMB, kind: 'bash', limits: { timeout: 3000 } })
    const r = await servedMeanwhile(b, blocking(b, 'bomb'))
    assert.equal(r.status, 502)
    assert.notEqual(r.json.response.status, 'success')
    const again = await blocking(b, 'ok', { i: 8 })
    assert.equal(again.status, 200)
  })

  await t.test('a crash is a clear developer error', async () => {
    await ow.actions.create({ name: 'crash', action: CRASH, kind: 'python:3' })
    const r = await servedMeanwhile(b, blocking(b, 'crash'))
    assert.equal(r.status, 502)
    assert.equal(r.json.response.status, 'action developer error')
    assert.ok(r.json.response.result.error.length > 10, r.json.response.result.error)
    const again = await blocking(b, 'crash')
    assert.equal(again.status, 502, 'a crashed container is not reused as if healthy')
  })

  await t.test('a 100 MB result is a clear error', async () => {
    await ow.actions.create({ name: 'bigresult', action: BIGRESULT, kind: 'python:3', limits: { memory: 512, timeout: 60000 } })
    const r = await servedMeanwhile(b, blocking(b, 'bigresult'))
    assert.equal(r.status, 502)
    assert.notEqual(r.json.response.status, 'success')
    assert.match(r.json.response.result.error, /exceed|too (big|large)|length|limit/i)
  })

  await t.test('100 MB of log output is truncated with a note', async () => {
    await ow.actions.create({ name: 'flood', action: FLOOD, kind: 'python:3', limits: { logs: 1, timeout: 60000 } })
    const r = await servedMeanwhile(b, blocking(b, 'flood'))
    assert.equal(r.status, 200, r.body.slice(0, 500))
    assert.deepEqual(r.json.response.result, { flooded: true })
    const bytes = r.json.logs.reduce((n, l) => n + l.length, 0)
    assert.ok(bytes < 3 << 20, `logs hold ${bytes} bytes`)
    assert.ok(r.json.logs.some(l => /truncated/i.test(l)), 'a line says the logs were truncated')
  })

  await t.test('kill -9 during a burst loses no acknowledged activation', async () => {
    const acked = []
    const fired = []
    const burst = []
    let killed = false
    await ow.triggers.create({ name: 'burst' })
    await ow.rules.create({ name: 'burst-ok', trigger: 'burst', action: 'ok' })
    for (let i = 0; i < 300; i++) {
      burst.push(b.raw('POST', '/api/v1/namespaces/_/actions/ok', { body: { i } })
        .then(r => { if (r.status === 202) acked.push(r.json.activationId) })
        .catch(() => {}))
      if (i % 10 === 0) {
        burst.push(b.raw('POST', '/api/v1/namespaces/_/triggers/burst', { body: { i } })
          .then(r => { if (r.status === 202) fired.push(r.json.activationId) })
          .catch(() => {}))
      }
      if (i === 150) {
        await poll(() => acked.length >= 20 && fired.length >= 2) // the kill catches fires too
        await b.kill9()
        killed = true
      }
    }
    await Promise.all(burst)
    assert.ok(killed && acked.length >= 20 && fired.length >= 2)
    await b.start()
    const missing = []
    let finished = 0
    let failed = 0
    for (const id of acked) {
      const r = await b.raw('GET', `/api/v1/namespaces/_/activations/${id}`)
      if (r.status !== 200) { missing.push(id); continue }
      if (r.json.response.success) finished++
      else {
        failed++
        assert.match(r.json.response.result.error, /backend restarted/)
      }
    }
    assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged activations are lost`)
    assert.equal(finished + failed, acked.length)
    for (const id of fired) {
      const rec = await b.raw('GET', `/api/v1/namespaces/_/activations/${id}`)
      assert.equal(rec.status, 200, `trigger activation ${id}`)
      const started = JSON.parse(rec.json.logs[0]).activationId
      const run = await b.raw('GET', `/api/v1/namespaces/_/activations/${started}`)
      assert.equal(run.status, 200, `the activation ${started} a rule started before the ack`)
    }
    const r = await blocking(b, 'ok', { i: 1 })
    assert.equal(r.status, 200)
  })

  // The store holds a running record back from SQLite while its final one
  // may still come (store_journal.c): records journalled after it that went
  // to SQLite meanwhile must not make a restart skip it in the journal.
  await t.test('kill -9 keeps a long run acknowledged before records that reached the store', async () => {
    await ow.actions.create({ name: 'long', action: 'import time\ndef main(args):\n    time.sleep(30)\n    return {}\n', kind: 'python:3', limits: { timeout: 60000 } })
    const long = await b.raw('POST', '/api/v1/namespaces/_/actions/long', { body: {} })
    assert.equal(long.status, 202)
    const after = []
    for (let i = 0; i < 5; i++) {
      const r = await blocking(b, 'ok', { i })
      assert.equal(r.status, 200)
      after.push(r.json.activationId)
    }
    await new Promise(resolve => setTimeout(resolve, 500)) // the store's worker took the finished ones
    await b.kill9()
    await b.start()
    const rec = await b.raw('GET', `/api/v1/namespaces/_/activations/${long.json.activationId}`)
    assert.equal(rec.status, 200, 'the acknowledged long run is still recorded')
    assert.equal(rec.json.response.success, false)
    assert.match(rec.json.response.result.error, /backend restarted/)
    for (const id of after) {
      const r = await b.raw('GET', `/api/v1/namespaces/_/activations/${id}`)
      assert.equal(r.status, 200, id)
      assert.equal(r.json.response.success, true)
    }
  })
})
