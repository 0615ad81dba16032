// inflight.test.js — ten thousand activations in flight in one node process, through the backend, every one recorded.
//
// A node action with limits.concurrency 10000; each activation waits until
// 10,000 are in flight at once in its node process, then for a 1 s timer.
// 10,000 non-blocking invokes must all be recorded, each a success, all run
// by one node process (the code draws an id when node loads it, and every
// result carries it) that held all 10,000 at once, and one container must
// have started for them. The invokes go over 64 keep-alive connections
// (the npm client opens one per call: 10,000 of them cost it ~20 s of
// CPU); the client creates the action and reads the records.
// bench/inflight measures throughput, latencies and memory against
// OpenWhisk's runtime.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { start, poll, NODE_KIND } = require('./helper')

const N = 10000
// args.hold: wait until that many are in flight here, then 1 s for all
const CODE = `const PROC = require('crypto').randomUUID()
let inflight = 0
let peak = 0
let gate = []
function main (args) {
  inflight++
  peak = Math.max(peak, inflight)
  return new Promise(resolve => {
    gate.push(resolve)
    if (!args.hold || inflight >= args.hold) {
      const go = gate
      gate = []
      setTimeout(() => go.forEach(r => r()), 1000)
    }
  }).then(() => { inflight--; return { ok: true, proc: PROC, peak } })
}
`

test('10,000 activations in flight in one node process', async t => {
  const b = await start()
  t.after(() => b.close())

  await b.ow.actions.create({ name: 'timer', action: { exec: { kind: NODE_KIND, code: CODE }, limits: { concurrency: N, timeout: 60000 } } })
  const first = await b.ow.actions.invoke({ name: 'timer', blocking: true, result: true })
  assert.equal(first.ok, true)

  // the records as they are committed, from the event stream
  const records = []
  const auth = 'Basic ' + Buffer.from(b.auth).toString('base64')
  let subscribed
  const stream = http.get({ host: '127.0.0.1', port: b.port, path: '/api/v1/namespaces/_/events', headers: { authorization: auth } }, res => {
    subscribed = res.statusCode
    let buf = ''
    res.on('data', chunk => {
      const lines = (buf + chunk).split('\n')
      buf = lines.pop()
      for (const line of lines) {
        const e = line.trim() && JSON.parse(line)
        if (e && e.kind === 'activations' && e.activation.name === 'timer') records.push(e.activation)
      }
    })
  })
  stream.on('error', () => {})
  t.after(() => stream.destroy())
  await poll(() => subscribed)
  assert.equal(subscribed, 200)

  const ids = new Set()
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 })
  const body = JSON.stringify({ hold: N })
  const invoke = () => new Promise((resolve, reject) => {
    const req = http.request({
      host: '127.0.0.1',
      port: b.port,
      method: 'POST',
      path: '/api/v1/namespaces/_/actions/timer',
      agent,
      headers: { authorization: auth, 'content-type': 'application/json', 'content-length': body.length }
    }, res => {
      let text = ''
      res.on('data', c => { text += c })
      res.on('end', () => (res.statusCode === 202 ? resolve(JSON.parse(text).activationId) : reject(new Error(`${res.statusCode} ${text}`))))
    })
    req.on('error', reject)
    req.end(body)
  })
  for (const id of await Promise.all(Array.from({ length: N }, invoke))) ids.add(id)
  agent.destroy()
  assert.equal(ids.size, N)

  const count = async () => (await b.ow.activations.list({ name: 'timer', count: true })).activations
  await poll(async () => (await count()) === N + 1, 1200)
  await poll(() => records.length >= N, 1200)

  const procs = new Set()
  let seen = 0
  let peak = 0
  for (const a of records) {
    assert.equal(a.response.success, true, JSON.stringify(a.response))
    procs.add(a.response.result.proc)
    peak = Math.max(peak, a.response.result.peak)
    if (ids.has(a.activationId)) seen++
  }
  assert.equal(seen, N, 'every invocation has its record')
  assert.deepEqual([...procs], [first.proc], 'one node process ran them all')
  assert.equal(peak, N, 'all of them at once')
  const m = await b.raw('GET', '/metrics')
  const started = Number(/faasfs_sched_starts_total\{start="cold"\} (\d+)/.exec(m.body)[1]) +
    Number(/faasfs_sched_starts_total\{start="stemcell"\} (\d+)/.exec(m.body)[1])
  assert.equal(started, 1, 'one container started for them')
})
