// errors.test.js — bad input gets a 4xx with a message a person can act on.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { start } = require('./helper')

const PY = 'def main(args):\n    return args\n'
const A = '/api/v1/namespaces/_/actions/'

function isError (r, status, re) {
  assert.equal(r.status, status, r.body)
  assert.equal(typeof r.json.error, 'string')
  assert.equal(typeof r.json.code, 'string')
  if (re) assert.match(r.json.error, re)
}

test('errors', async t => {
  const b = await start()
  t.after(() => b.close())
  const put = (name, body, q = '') => b.raw('PUT', A + name + q, { body })

  await t.test('invalid JSON bodies', async () => {
    isError(await b.raw('PUT', A + 'x', { body: '{"exec": ', headers: { 'content-type': 'application/json' } }), 400, /malformed/)
    isError(await b.raw('PUT', A + 'x', { body: '[1,2]', headers: { 'content-type': 'application/json' } }), 400, /object/)
    await put('ok', { exec: { kind: 'python:3', code: PY } })
    isError(await b.raw('POST', A + 'ok?blocking=true', { body: '{nope', headers: { 'content-type': 'application/json' } }), 400, /malformed/)
    isError(await b.raw('PUT', '/api/v1/namespaces/_/triggers/t', { body: 'x', headers: { 'content-type': 'application/json' } }), 400)
  })

  await t.test('JSON errors are in our words, never the library\'s; a NUL in a string is data', async () => {
    const json = { 'content-type': 'application/json' }
    const cases = [
      ['{"exec": ', /ends before the JSON value does \(line 1, column \d+\)/],
      ['{"a":1}x', /more follows the JSON value/],
      ['{"a":123456789012345678901234}', /number is too large/],
      ['{"a":"\xff"}', /not UTF-8/]
    ]
    for (const [body, re] of cases) {
      const r = await b.raw('PUT', '/api/v1/namespaces/_/triggers/j', { body: Buffer.from(body, 'latin1'), headers: json })
      isError(r, 400, re)
      assert.doesNotMatch(r.json.error, /JSON_|near '|expected near|jansson/, r.json.error)
    }
    // as OpenWhisk, \u0000 in a string is a character like any other, kept
    const nul = await b.raw('PUT', '/api/v1/namespaces/_/triggers/nul', { body: '{"parameters":[{"key":"k","value":"a\\u0000b"}]}', headers: json })
    assert.equal(nul.status, 200, nul.body)
    const got = await b.raw('GET', '/api/v1/namespaces/_/triggers/nul')
    assert.equal(got.json.parameters[0].value, 'a\u0000b')
    const echo = await b.raw('POST', A + 'ok?blocking=true&result=true', { body: '{"s":"x\\u0000y"}', headers: json })
    assert.equal(echo.status, 200, echo.body)
    assert.equal(echo.json.s, 'x\u0000y')
  })

  await t.test('a request that is not HTTP gets {error, code} too', async () => {
    const net = require('node:net')
    const text = await new Promise((resolve, reject) => {
      let out = ''
      const s = net.connect(b.port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'))
      s.on('data', d => { out += d })
      s.on('end', () => resolve(out))
      s.on('error', reject)
    })
    assert.match(text, /^HTTP\/1\.1 400 /)
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4))
    assert.match(body.error, /not valid HTTP/)
    assert.match(body.code, /^[0-9a-f]{32}$/)
  })

  await t.test('oversized bodies', async () => {
    const big = JSON.stringify({ v: 'x'.repeat(2 << 20) })
    isError(await b.raw('POST', A + 'ok', { body: big, headers: { 'content-type': 'application/json' } }), 413, /exceeds/)
    const huge = 'x'.repeat(60 << 20)
    const r = await b.raw('PUT', A + 'huge', { body: huge, headers: { 'content-type': 'application/json' } }).catch(e => ({ status: 413, reset: e }))
    assert.equal(r.status, 413)
  })

  await t.test('a name with letters that are not ASCII: 400 naming the letter, with a body', async () => {
    for (const [name, letter] of [['h%C3%A9llo', 'é'], ['caf%C3%A9', 'é'], ['%E4%B8%AD', '中']]) {
      const r = await put(name, { exec: { kind: 'python:3', code: PY } })
      isError(r, 400, new RegExp(`the character '${letter}' is not allowed`))
    }
    const pkg = await b.raw('PUT', '/api/v1/namespaces/_/packages/%C3%BCber', { body: {} })
    isError(pkg, 400, /'ü'/)
  })

  await t.test('names with /, .., control characters or bad characters', async () => {
    isError(await put('a%2Fb', { exec: { kind: 'python:3', code: PY } }), 400, /'\/'/)
    isError(await put('a..b', { exec: { kind: 'python:3', code: PY } }), 400, /'\.\.'/)
    isError(await put('a%01b', { exec: { kind: 'python:3', code: PY } }), 400, /control character 0x01/)
    isError(await put('a%0Ab', { exec: { kind: 'python:3', code: PY } }), 400, /control character 0x0a/)
    isError(await put('-lead', { exec: { kind: 'python:3', code: PY } }), 400, /start with/)
    isError(await put('semi%3Bcolon', { exec: { kind: 'python:3', code: PY } }), 400, /';' is not allowed/)
    isError(await b.raw('PUT', '/api/v1/namespaces/_/triggers/x%2F..', { body: {} }), 400)
    isError(await b.raw('PUT', '/api/v1/namespaces/_/packages/..', { body: {} }), 400)
    isError(await b.raw('PUT', '/api/v1/namespaces/_/rules/r%7F', { body: { trigger: 't', action: 'ok' } }), 400)
    isError(await put('x'.repeat(257), { exec: { kind: 'python:3', code: PY } }), 400, /longer/)
    assert.equal((await put('with%20space-and.dots@x', { exec: { kind: 'python:3', code: PY } })).status, 200)
  })

  await t.test('unknown kinds, missing code', async () => {
    isError(await put('k1', { exec: { kind: 'cobol:85', code: PY } }), 400, /kind 'cobol:85' is not one this host runs \(python:3,/)
    isError(await put('k2', { exec: { kind: 'python:3' } }), 400, /code/)
    isError(await put('k3', {}), 400, /exec/)
    isError(await put('k4', { exec: { kind: 'sequence', components: [] } }), 400, /No component/)
  })

  await t.test('limits out of range, each named', async () => {
    const cases = [
      [{ timeout: 99 }, /timeout limit 99 is out of range/],
      [{ timeout: 300001 }, /timeout/],
      [{ memory: 64 }, /memory limit 64/],
      [{ memory: 4096 }, /memory/],
      [{ logs: 11 }, /logs/],
      [{ concurrency: 0 }, /concurrency/],
      [{ concurrency: 10001 }, /concurrency limit 10001 is out of range: it must be between 1 and 10000/],
      [{ timeout: 'soon' }, /whole number/],
      [{ bogus: 1 }, /Unknown limit 'bogus'/]
    ]
    for (const [limits, re] of cases) isError(await put('lim', { exec: { kind: 'python:3', code: PY }, limits }), 400, re)
    const ok = await put('lim', { exec: { kind: 'python:3', code: PY }, limits: { timeout: 100, memory: 128, logs: 0, concurrency: 10000 } })
    assert.equal(ok.status, 200)
  })

  await t.test('bad parameters, annotations, versions', async () => {
    isError(await put('p1', { exec: { kind: 'python:3', code: PY }, parameters: { a: 1 } }), 400, /parameters/)
    isError(await put('p2', { exec: { kind: 'python:3', code: PY }, parameters: [{ value: 1 }] }), 400, /key/)
    isError(await put('p3', { exec: { kind: 'python:3', code: PY }, annotations: [{ key: 'a' }] }), 400, /value/)
    isError(await put('p4', { exec: { kind: 'python:3', code: PY }, version: 'one' }), 400, /version/)
    isError(await put('p5', { exec: { kind: 'python:3', code: PY }, publish: 'yes' }), 400, /publish/)
  })

  await t.test('OPTIONS answers the CORS headers without a credential', async () => {
    const r = await b.raw('OPTIONS', A + 'ok', { auth: null })
    assert.equal(r.status, 200)
    assert.equal(r.headers['access-control-allow-origin'], '*')
    assert.match(r.headers['access-control-allow-headers'], /Authorization/)
  })

  await t.test('unknown paths, methods, activation ids', async () => {
    isError(await b.raw('GET', '/api/v1/namespaces/_/nothing'), 404)
    isError(await b.raw('PATCH', A + 'ok'), 405)
    isError(await b.raw('GET', '/api/v1/namespaces/_/activations/0123456789abcdef0123456789abcdef'), 404)
    isError(await b.raw('GET', '/api/v1/namespaces/_/activations?limit=201'), 400, /limit/)
    isError(await b.raw('GET', '/api/v1/namespaces/_/activations?since=yesterday'), 400)
    isError(await b.raw('POST', A + 'nope?blocking=true', { body: {} }), 404)
    isError(await b.raw('POST', '/api/v1/namespaces/_/rules/nope', { body: { status: 'active' } }), 404)
  })
})
