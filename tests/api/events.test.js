// events.test.js — the event stream: replay from a seq, live changes, finished activations, isolation; /metrics.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { start, poll } = require('./helper')

const PY = 'def main(args):\n    return {"ok": True}\n'

// open the stream; lines arrive in `got`
function stream (b, auth, since) {
  const got = []
  let ready
  const subscribed = new Promise(resolve => { ready = resolve })
  const q = since === undefined ? '' : `?since=${since}`
  const req = http.get({
    host: '127.0.0.1',
    port: b.port,
    path: `/api/v1/namespaces/_/events${q}`,
    headers: { authorization: 'Basic ' + Buffer.from(auth).toString('base64') }
  }, res => {
    let buf = ''
    ready()
    res.on('data', d => {
      buf += d
      let i
      while ((i = buf.indexOf('\n')) >= 0) {
        got.push(JSON.parse(buf.slice(0, i)))
        buf = buf.slice(i + 1)
      }
    })
    res.on('error', () => {})
  })
  req.on('error', () => {})
  return { got, subscribed, close: () => req.destroy() }
}

test('events', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())

  await t.test('since=0 replays, then live changes and activations follow', async () => {
    await ow.actions.create({ name: 'a', action: PY, kind: 'python:3' })
    await ow.packages.create({ name: 'p' })
    const s = stream(b, b.auth, 0)
    t.after(() => s.close())
    await poll(() => s.got.length >= 2)
    assert.deepEqual(s.got.slice(0, 2).map(e => [e.kind, e.op, e.name, e.version]), [['actions', 'put', 'a', '0.0.1'], ['packages', 'put', 'p', '0.0.1']])
    assert.ok(s.got[1].seq > s.got[0].seq)
    await ow.actions.create({ name: 'p/b', action: PY, kind: 'python:3' })
    await ow.actions.update({ name: 'a', action: PY, kind: 'python:3' })
    const run = await ow.actions.invoke({ name: 'a', blocking: true })
    await ow.actions.delete({ name: 'p/b' })
    await poll(() => s.got.length >= 6)
    const rest = s.got.slice(2, 6)
    assert.deepEqual(rest.map(e => [e.kind, e.op, e.name]), [['actions', 'put', 'p/b'], ['actions', 'put', 'a'], ['activations', 'done', 'guest/a'], ['actions', 'delete', 'p/b']])
    assert.equal(rest[1].version, '0.0.2')
    assert.equal(rest[2].activation.activationId, run.activationId)
    assert.deepEqual(rest[2].activation.response.result, { ok: true })
    for (let i = 1; i < s.got.length; i++) assert.ok(s.got[i].seq > s.got[i - 1].seq)
  })

  await t.test('without since only new events come; since=N skips what came before', async () => {
    const live = stream(b, b.auth)
    t.after(() => live.close())
    await live.subscribed
    await ow.triggers.create({ name: 'tr' })
    await poll(() => live.got.some(e => e.kind === 'triggers'))
    assert.equal(live.got.filter(e => e.kind !== 'ping')[0].name, 'tr')
    const seq = live.got.find(e => e.kind === 'triggers').seq
    const from = stream(b, b.auth, seq - 1)
    t.after(() => from.close())
    await poll(() => from.got.length >= 1)
    assert.equal(from.got[0].seq, seq)
  })

  await t.test('another namespace sees none of it', async () => {
    const cred = b.addNamespace('other')
    const s = stream(b, cred, 0)
    t.after(() => s.close())
    await b.client(cred).triggers.create({ name: 'mine' })
    await poll(() => s.got.length >= 1)
    assert.deepEqual(s.got.map(e => e.name), ['mine'])
  })

  await t.test('/metrics counts activations in Prometheus text, for a caller with a key', async () => {
    assert.equal((await b.raw('GET', '/metrics', { auth: null })).status, 401)
    const m = await b.raw('GET', '/metrics')
    assert.equal(m.status, 200)
    assert.match(m.body, /^faasfs_activations_total\{action="guest\/a",status="success"\} 1$/m)
    assert.match(m.body, /^faasfs_activation_duration_seconds_count\{action="guest\/a"\} 1$/m)
    assert.match(m.body, /^faasfs_starts_total\{action="guest\/a",start="(cold|stemcell)"\} 1$/m)
    assert.match(m.body, /^faasfs_event_subscribers \d+$/m)
  })
})
