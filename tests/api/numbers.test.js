// numbers.test.js — a number passes through as it was written: results, params, records, the event stream.
//
// JSON.parse reads 0.10000000000000001 as 0.1, so every check here is on
// the text the backend sends, never on a parsed value.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { start, poll, NODE_KIND } = require('./helper')

const PY = 'def main(args):\n    return {"lit": 0.1, "sum": 0.1 + 0.2, "p": args["p"], "q": args["q"], "big": 1e300, "tiny": 5e-324}\n'
const NODE = 'function main(a) { return { lit: 0.7, p: a.p, q: a.q } }\n'
const LONG = /\d\.\d{15,}|\d{17,}/ // the 17 digits jansson wrote for 0.1

// the raw text of the event stream since seq 0, until want(text) holds
function events (b, want) {
  return new Promise((resolve, reject) => {
    const req = http.get({
      host: '127.0.0.1',
      port: b.port,
      path: '/api/v1/namespaces/_/events?since=0',
      headers: { authorization: 'Basic ' + Buffer.from(b.auth).toString('base64') }
    }, res => {
      let text = ''
      res.on('data', d => {
        text += d
        if (want(text)) { req.destroy(); resolve(text) }
      })
      res.on('error', () => {})
    })
    req.on('error', e => { if (e.code !== 'ECONNRESET') reject(e) })
  })
}

test('numbers', async t => {
  const b = await start()
  t.after(() => b.close())
  const body = '{"namespace":"_","name":"n","exec":{"kind":"python:3","code":' + JSON.stringify(PY) + '},' +
    '"parameters":[{"key":"p","value":0.1},{"key":"q","value":1.1}]}'

  await t.test('bound parameters read back as written', async () => {
    const put = await b.raw('PUT', '/api/v1/namespaces/_/actions/n', { body, headers: { 'content-type': 'application/json' } })
    assert.equal(put.status, 200, put.body)
    assert.match(put.body, /"value":0\.1\}/)
    assert.doesNotMatch(put.body, LONG)
    const get = await b.raw('GET', '/api/v1/namespaces/_/actions/n')
    assert.match(get.body, /\{"key":"p","value":0\.1\},\{"key":"q","value":1\.1\}/)
    assert.doesNotMatch(get.body, LONG)
  })

  let id
  await t.test('a result, and a parameter given at invoke, come back as the function wrote them', async () => {
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/n?blocking=true&result=true', {
      body: '{"q":0.3}', headers: { 'content-type': 'application/json' }
    })
    assert.equal(r.status, 200, r.body)
    id = r.headers['x-openwhisk-activation-id']
    // python writes 0.1 + 0.2 as 0.30000000000000004: that stays too
    assert.equal(r.body, '{"lit":0.1,"sum":0.30000000000000004,"p":0.1,"q":0.3,"big":1e300,"tiny":5e-324}')
  })

  await t.test('the activation record too', async () => {
    const rec = await poll(async () => {
      const r = await b.raw('GET', `/api/v1/namespaces/_/activations/${id}`)
      return r.status === 200 && r
    })
    assert.match(rec.body, /"result":\{"lit":0\.1,"sum":0\.30000000000000004,"p":0\.1,"q":0\.3,/)
    const res = await b.raw('GET', `/api/v1/namespaces/_/activations/${id}/result`)
    assert.match(res.body, /"lit":0\.1,/)
  })

  await t.test('and the event stream', async () => {
    const text = await events(b, s => s.includes(id) && s.slice(s.indexOf(id)).includes('\n'))
    const line = text.split('\n').find(l => l.includes(id))
    assert.match(line, /"result":\{"lit":0\.1,"sum":0\.30000000000000004,"p":0\.1,"q":0\.3,/)
  })

  await t.test('an integer past 64 bits cannot pass: said so, in the request and in a result', async () => {
    const put = await b.raw('PUT', '/api/v1/namespaces/_/triggers/big', {
      body: '{"parameters":[{"key":"k","value":18446744073709551616}]}', headers: { 'content-type': 'application/json' }
    })
    assert.equal(put.status, 400)
    assert.match(put.json.error, /a number is too large \(an integer must fit in 64 bits\)/)
    await b.ow.actions.create({ name: 'big', action: 'def main(a):\n    return {"big": 2**64}\n', kind: 'python:3' })
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/big?blocking=true&result=true', { body: {} })
    assert.equal(r.status, 502)
    assert.match(r.json.error, /result cannot be carried: a number is too large/)
  })

  await t.test('through node too, and through a sequence', async () => {
    await b.ow.actions.create({ name: 'js', action: NODE, kind: NODE_KIND })
    const seq = await b.raw('PUT', '/api/v1/namespaces/_/actions/s', {
      body: { exec: { kind: 'sequence', components: ['/_/n', '/_/js'] } }
    })
    assert.equal(seq.status, 200, seq.body)
    const r = await b.raw('POST', '/api/v1/namespaces/_/actions/s?blocking=true&result=true', {
      body: '{"q":2.675}', headers: { 'content-type': 'application/json' }
    })
    assert.equal(r.status, 200, r.body)
    assert.equal(r.body, '{"lit":0.7,"p":0.1,"q":2.675}')
  })
})
