// webhooks.test.js — a trigger's webhook (secret path, GitHub's HMAC with real curl) and CloudEvents on every way in.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { spawnSync } = require('node:child_process')
const { start, poll } = require('./helper')

const ECHO = 'def main(args):\n    return args\n'

// the action's records, once there are n
async function runs (ow, name, n) {
  return poll(async () => {
    const l = await ow.activations.list({ name, docs: true, limit: 200 })
    return l.length >= n ? l.sort((x, y) => x.start - y.start) : null
  })
}

// curl, the real one: {status, json}
function curl (url, body, headers) {
  const args = ['-s', '-o', '-', '-w', '\n%{http_code}', '-X', 'POST', '--data-binary', body]
  for (const [k, v] of Object.entries(headers)) args.push('-H', `${k}: ${v}`)
  const r = spawnSync('curl', [...args, url], { encoding: 'utf8' })
  const lines = r.stdout.trimEnd().split('\n')
  const status = Number(lines.pop())
  let json
  try { json = JSON.parse(lines.join('\n')) } catch (e) {}
  return { status, json }
}

async function hook (b, name, params) {
  await b.ow.triggers.create({ name, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/webhooks/webhook' }] } })
  const r = await b.raw('POST', '/api/v1/namespaces/whisk.system/actions/webhooks/webhook?blocking=true&result=true',
    { body: Object.assign({ lifecycleEvent: 'CREATE', triggerName: `/_/${name}`, authKey: b.auth }, params) })
  assert.equal(r.status, 200, r.body)
  assert.match(r.json.url, new RegExp(`^${b.apihost}/hooks/[0-9a-f]{32}$`))
  return r.json.url
}

test('webhooks', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  await ow.actions.create({ name: 'echo', action: ECHO, kind: 'python:3' })

  await t.test('GitHub\'s X-Hub-Signature-256, with curl: a good one fires, a wrong one is 401 and fires nothing', async () => {
    const url = await hook(b, 'gh', { secret: 's3cret' })
    await ow.rules.create({ name: 'gh-echo', trigger: 'gh', action: 'echo' })
    const body = JSON.stringify({ ref: 'refs/heads/main', commits: 3 })
    const sig = 'sha256=' + crypto.createHmac('sha256', 's3cret').update(body).digest('hex')
    const wrong = 'sha256=' + crypto.createHmac('sha256', 'guess').update(body).digest('hex')
    for (const h of [{ 'X-Hub-Signature-256': wrong }, {}, { 'X-Hub-Signature-256': sig.slice(0, -2) }]) {
      const r = curl(url, body, Object.assign({ 'Content-Type': 'application/json' }, h))
      assert.equal(r.status, 401)
      assert.match(r.json.error, /X-Hub-Signature-256 does not match/)
    }
    const r = curl(url, body, { 'Content-Type': 'application/json', 'X-GitHub-Event': 'push', 'X-Hub-Signature-256': sig })
    assert.equal(r.status, 202)
    const [run] = await runs(ow, 'echo', 1)
    assert.equal(run.response.result.ref, 'refs/heads/main')
    assert.equal(run.response.result.__ow_headers['x-github-event'], 'push')
    const fires = await ow.activations.list({ name: 'gh', docs: true })
    assert.equal(fires.length, 1, 'the unsigned posts fired nothing')
    assert.equal(fires[0].annotations.find(a => a.key === 'feed').value, '/whisk.system/webhooks/webhook')
    const read = await b.raw('POST', '/api/v1/namespaces/whisk.system/actions/webhooks/webhook?blocking=true&result=true',
      { body: { lifecycleEvent: 'READ', triggerName: '/_/gh', authKey: b.auth } })
    assert.equal(read.json.url, url)
    assert.equal(read.json.config.secret, '(hidden)')
  })

  await t.test('a secret path alone; unknown, deleted and a key in its place are refused', async () => {
    const url = await hook(b, 'open', {})
    await ow.rules.create({ name: 'open-echo', trigger: 'open', action: 'echo' })
    assert.equal(curl(url, 'plain text', { 'Content-Type': 'text/plain' }).status, 202)
    assert.equal(curl(url.replace(/.$/, c => c === '0' ? '1' : '0'), '{}', {}).status, 404)
    const id = url.split('/').pop()
    assert.equal((await b.raw('GET', '/api/v1/namespaces/_/triggers/open', { auth: `${id}:x` })).status, 401)
    await ow.triggers.delete({ name: 'open' })
    assert.equal(curl(url, '{}', {}).status, 404)
  })
})

test('CloudEvents in all three modes, by fire, webhook and invoke', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  await ow.actions.create({ name: 'echo', action: ECHO, kind: 'python:3' })
  await ow.triggers.create({ name: 'ce' })
  await ow.rules.create({ name: 'ce-echo', trigger: 'ce', action: 'echo' })
  const url = await hook(b, 'sink', {})
  await ow.rules.create({ name: 'sink-echo', trigger: 'sink', action: 'echo' })
  const fire = (body, headers) => b.raw('POST', '/api/v1/namespaces/_/triggers/ce', { body, headers })
  const ce = { 'ce-specversion': '1.0', 'ce-id': 'b-1', 'ce-source': '/sensors/7', 'ce-type': 'dev.temp', 'ce-x-room': 'k%C3%BCche' }
  let n = 0

  await t.test('binary mode: attributes in __ce, JSON data as parameters', async () => {
    const r = await fire('{"temp":21.5}', Object.assign({ 'content-type': 'application/json' }, ce))
    assert.equal(r.status, 202, r.body)
    const res = (await runs(ow, 'echo', ++n))[n - 1].response.result
    assert.equal(res.temp, 21.5)
    assert.deepEqual(res.__ce, { specversion: '1.0', id: 'b-1', source: '/sensors/7', type: 'dev.temp', 'x-room': 'küche', datacontenttype: 'application/json' })
  })

  await t.test('binary mode: bytes kept as they came, base64', async () => {
    const bytes = Buffer.from([0xff, 0x00, 0xfe, 0x41])
    const r = await fire(bytes, Object.assign({ 'content-type': 'application/octet-stream' }, ce, { 'ce-id': 'b-2' }))
    assert.equal(r.status, 202, r.body)
    const res = (await runs(ow, 'echo', ++n))[n - 1].response.result
    assert.equal(Buffer.from(res.__ow_body, 'base64').compare(bytes), 0)
    assert.equal(res.__ow_headers['content-type'], 'application/octet-stream')
    assert.equal(res.__ce.id, 'b-2')
  })

  await t.test('structured mode through the webhook, text data and data_base64', async () => {
    const ev = { specversion: '1.0', id: 's-1', source: 'x', type: 't', datacontenttype: 'text/csv', data: 'a,b\n1,2\n' }
    let r = curl(url, JSON.stringify(ev), { 'Content-Type': 'application/cloudevents+json' })
    assert.equal(r.status, 202)
    let res = (await runs(ow, 'echo', ++n))[n - 1].response.result
    assert.equal(res.__ow_body, 'a,b\n1,2\n')
    assert.equal(res.__ce.id, 's-1')
    assert.equal(res.__ce.data, undefined)
    const b64 = { specversion: '1.0', id: 's-2', source: 'x', type: 't', datacontenttype: 'application/json', data_base64: Buffer.from('{"k":"v"}').toString('base64') }
    r = curl(url, JSON.stringify(b64), { 'Content-Type': 'application/cloudevents+json; charset=utf-8' })
    assert.equal(r.status, 202)
    res = (await runs(ow, 'echo', ++n))[n - 1].response.result
    assert.equal(res.k, 'v', 'a JSON object\'s members are parameters')
    const bin = { specversion: '1.0', id: 's-3', source: 'x', type: 't', datacontenttype: 'image/png', data_base64: Buffer.from([0x89, 0x50, 0xff]).toString('base64') }
    r = curl(url, JSON.stringify(bin), { 'Content-Type': 'application/cloudevents+json' })
    assert.equal(r.status, 202)
    res = (await runs(ow, 'echo', ++n))[n - 1].response.result
    assert.equal(res.__ow_body, bin.data_base64)
    assert.equal(res.__ow_headers['content-type'], 'image/png')
  })

  await t.test('batch mode: one fire an event', async () => {
    const batch = [1, 2, 3].map(i => ({ specversion: '1.0', id: `e-${i}`, source: 'batch', type: 't', data: { i } }))
    const r = await fire(JSON.stringify(batch), { 'content-type': 'application/cloudevents-batch+json' })
    assert.equal(r.status, 202, r.body)
    assert.equal(r.json.activationIds.length, 3)
    n += 3
    const got = (await runs(ow, 'echo', n)).slice(-3).map(x => x.response.result.__ce.id).sort()
    assert.deepEqual(got, ['e-1', 'e-2', 'e-3'])
  })

  await t.test('invoke takes one event; bad events are 400 saying why, and nothing runs', async () => {
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/echo?blocking=true&result=true',
      { body: '{"x":1}', headers: Object.assign({ 'content-type': 'application/json' }, ce) })
    assert.equal(r.status, 200, r.body)
    assert.equal(r.json.x, 1)
    assert.equal(r.json.__ce.type, 'dev.temp')
    n++
    const bad = [
      [{ 'content-type': 'application/cloudevents+json' }, '{"specversion":"1.0","id":"1","source":"s"}', /has no type/],
      [{ 'content-type': 'application/cloudevents+json' }, '{"specversion":"0.3","id":"1","source":"s","type":"t"}', /specversion is '0.3'/],
      [{ 'content-type': 'application/cloudevents-batch+json' }, '[]', /not empty/],
      [{ 'content-type': 'application/cloudevents-batch+json' }, '[{"specversion":"1.0"}]', /has no id.*\(event 0 of the batch\)/],
      [Object.assign({}, ce, { 'ce-source': '' }), '{}', /has no source/]
    ]
    for (const [headers, body, why] of bad) {
      const f = await fire(body, headers)
      assert.equal(f.status, 400, body)
      assert.match(f.json.error, why)
    }
    const inv = await b.raw('POST', '/api/v1/namespaces/_/actions/echo?blocking=true',
      { body: '[]', headers: { 'content-type': 'application/cloudevents-batch+json' } })
    assert.equal(inv.status, 400)
    assert.match(inv.json.error, /batch of CloudEvents is fired at a trigger/)
    assert.equal((await ow.activations.list({ name: 'echo', limit: 200 })).length, n)
  })
})
