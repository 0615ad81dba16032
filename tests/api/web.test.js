// web.test.js — web actions driven with curl and the real wsk: extensions, methods, statuses, binary bodies, CORS, auth.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, findTool, NODE_KIND } = require('./helper')

// curl(url, args) -> {status, headers (lower-case names, arrays for repeats), body (Buffer), json}
function curl (url, args = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-curl-'))
  const hfile = path.join(dir, 'h')
  const bfile = path.join(dir, 'b')
  try {
    execFileSync('curl', ['-sS', '-H', 'Expect:', '-D', hfile, '-o', bfile, ...args, url])
    const lines = fs.readFileSync(hfile, 'latin1').split('\r\n')
    const status = Number(lines[0].split(' ')[1])
    const headers = {}
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':')
      if (i < 0) continue
      const k = l.slice(0, i).toLowerCase()
      const v = l.slice(i + 1).trim()
      headers[k] = headers[k] === undefined ? v : [].concat(headers[k], v)
    }
    const body = fs.readFileSync(bfile)
    let json
    try { json = JSON.parse(body.toString()) } catch (e) {}
    return { status, headers, body, json }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

const ECHO = 'function main(args) { return { args } }\n'
// the response is what the caller asks for in ?r=JSON (or the body's r)
const RESPOND = 'function main(args) { return JSON.parse(args.r) }\n'
const FAILS = 'function main(args) { if (args.how === "exit") process.exit(3); return { error: JSON.parse(args.e) } }\n'
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0xfe, 0x00, 0x7f, 0x80])

const web = (extra = {}) => Object.assign({ 'web-export': true }, extra)
const kv = o => Object.entries(o).map(([key, value]) => ({ key, value }))

test('web actions', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  const base = `${b.apihost}/api/v1/web/guest`
  const mk = (name, code, annotations, params) =>
    ow.actions.create({ name, action: { exec: { kind: NODE_KIND, code }, annotations: kv(annotations), parameters: kv(params || {}) } })

  await mk('echo', ECHO, web({ final: true }), { bound: 'b' })
  await mk('respond', RESPOND, web())
  await mk('hidden', ECHO, {})
  await mk('raw', ECHO, web({ 'raw-http': true }))
  await mk('custom', ECHO, web({ 'web-custom-options': true }))
  await mk('secure', ECHO, web({ 'require-whisk-auth': true }))
  await mk('secret', ECHO, web({ 'require-whisk-auth': 'open sesame' }))
  await mk('fails', FAILS, web())
  await ow.packages.create({ name: 'pkg' })
  await ow.actions.create({ name: 'pkg/inner', action: { exec: { kind: NODE_KIND, code: ECHO }, annotations: kv(web()) } })

  await t.test('GET .json: the request as __ow_* fields, query parameters as strings', () => {
    const r = curl(`${base}/default/echo.json/some/path?x=1&y=a%20b+c`, ['-H', 'X-Test: Yes'])
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'application/json')
    assert.match(r.headers['x-openwhisk-activation-id'], /^[0-9a-f]{32}$/)
    const a = r.json.args
    assert.equal(a.__ow_method, 'get')
    assert.equal(a.__ow_path, '/some/path')
    assert.equal(a.__ow_headers['x-test'], 'Yes')
    assert.equal(a.x, '1')
    assert.equal(a.y, 'a b c')
    assert.equal(a.bound, 'b')
    assert.equal(a.__ow_user, undefined, 'no key, no __ow_user')
    assert.equal(a.__ow_query, undefined)
  })

  await t.test('POST bodies: a JSON object and a form merge (body over query), other bodies are __ow_body', () => {
    let a = curl(`${base}/default/echo.json?x=q&z=q`, ['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"x":"body","n":[1,2]}']).json.args
    assert.equal(a.__ow_method, 'post')
    assert.equal(a.x, 'body')
    assert.equal(a.z, 'q')
    assert.deepEqual(a.n, [1, 2])
    a = curl(`${base}/default/echo.json`, ['-X', 'PUT', '--data-urlencode', 'greeting=hello world']).json.args
    assert.equal(a.__ow_method, 'put')
    assert.equal(a.greeting, 'hello world')
    a = curl(`${base}/default/echo.json`, ['-X', 'PATCH', '-H', 'Content-Type: text/plain', '-d', 'plain text']).json.args
    assert.equal(a.__ow_method, 'patch')
    assert.equal(a.__ow_body, 'plain text')
  })

  await t.test('a binary request body arrives base64; a JSON array is __ow_body', () => {
    const f = path.join(b.dir, 'img.png')
    fs.writeFileSync(f, PNG)
    let a = curl(`${base}/default/echo.json`, ['-X', 'POST', '-H', 'Content-Type: image/png', '--data-binary', '@' + f]).json.args
    assert.equal(Buffer.from(a.__ow_body, 'base64').compare(PNG), 0)
    a = curl(`${base}/default/echo.json`, ['-X', 'DELETE', '-H', 'Content-Type: application/json', '-d', '[1,"two"]']).json.args
    assert.equal(a.__ow_method, 'delete')
    assert.deepEqual(a.__ow_body, [1, 'two'])
  })

  await t.test('.http: statusCode, headers (arrays repeat), a string body is text/html by default', () => {
    const spec = { statusCode: 201, headers: { 'X-Many': ['1', '2'], 'X-Num': 7 }, body: '<p>made</p>' }
    const r = curl(`${base}/default/respond`, ['-G', '--data-urlencode', 'r=' + JSON.stringify(spec)])
    assert.equal(r.status, 201)
    assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8')
    assert.deepEqual(r.headers['x-many'], ['1', '2'])
    assert.equal(r.headers['x-num'], '7')
    assert.equal(r.body.toString(), '<p>made</p>')
  })

  const respond = (spec, ext = '.http', args = []) =>
    curl(`${base}/default/respond${ext}`, ['-G', '--data-urlencode', 'r=' + JSON.stringify(spec), ...args])

  await t.test('.http: a base64 body of a binary type is decoded to its bytes', () => {
    const r = respond({ headers: { 'Content-Type': 'image/png' }, body: PNG.toString('base64') })
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-type'], 'image/png')
    assert.equal(r.body.compare(PNG), 0)
    assert.equal(r.headers['content-length'], String(PNG.length))
  })

  await t.test('.http: a JSON body, a redirect, no body (204), a status as a string', () => {
    let r = respond({ body: { a: [1, 2] } })
    assert.equal(r.headers['content-type'], 'application/json')
    assert.deepEqual(r.json, { a: [1, 2] })
    r = respond({ statusCode: 302, headers: { location: 'https://example.com/' } })
    assert.equal(r.status, 302)
    assert.equal(r.headers.location, 'https://example.com/')
    r = respond({ headers: { 'X-Only': 'h' } })
    assert.equal(r.status, 204)
    assert.equal(r.body.length, 0)
    r = respond({ statusCode: '418', body: 'teapot', headers: { 'Content-Type': 'text/plain' } })
    assert.equal(r.status, 418)
    assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8')
    assert.equal(r.body.toString(), 'teapot')
  })

  await t.test('.http: what is not a valid response is 400 with OpenWhisk\'s message', () => {
    const bad = [
      [{ statusCode: 'abc' }, "Response is not valid 'message/http'."],
      [{ statusCode: 99 }, "Response is not valid 'message/http'."],
      [{ headers: 'no' }, "Response is not valid 'message/http'."],
      [{ headers: { 'Bad Name': 'x' } }, "Response is not valid 'message/http'."],
      [{ headers: { 'X-Split': 'a\r\nInjected: yes' } }, "Response is not valid 'message/http'."],
      [[1, 2], "Response is not valid 'message/http'."],
      [{ headers: { 'Content-Type': 'image/png' }, body: 'not base64!' }, 'Response type in header did not match generated content type.'],
      [{ headers: { 'Content-Type': 'text/html' }, body: { a: 1 } }, 'Response type in header did not match generated content type.'],
      [{ headers: { 'Content-Type': 'nonsense' }, body: 'x' }, 'Response did not specify a known content-type.']
    ]
    for (const [spec, msg] of bad) {
      const r = respond(spec)
      assert.equal(r.status, 400, JSON.stringify(spec))
      assert.equal(r.json.error, msg, JSON.stringify(spec))
      assert.match(r.json.code, /^[0-9a-f]{32}$/)
      assert.equal(r.headers.injected, undefined)
    }
  })

  await t.test('.json, .html, .svg, .text render their field of the result', () => {
    let r = respond({ a: 1 }, '.json')
    assert.deepEqual(r.json, { a: 1 })
    r = curl(`${base}/default/fails.json?e=%22a%20string%22`)
    assert.equal(r.status, 400)
    assert.equal(r.json.error, "Response is not valid 'application/json'.")
    r = respond({ html: '<b>x</b>' }, '.html')
    assert.equal(r.headers['content-type'], 'text/html; charset=UTF-8')
    assert.equal(r.body.toString(), '<b>x</b>')
    assert.equal(respond({ body: '<i>b</i>', html: 'no' }, '.html').body.toString(), '<i>b</i>')
    assert.equal(respond({ nohtml: 1 }, '.html').json.error, "Response is not valid 'text/html'.")
    r = respond({ svg: '<svg xmlns="http://www.w3.org/2000/svg"/>' }, '.svg')
    assert.equal(r.headers['content-type'], 'image/svg+xml')
    assert.equal(r.body.toString(), '<svg xmlns="http://www.w3.org/2000/svg"/>')
    r = respond({ text: 'plain' }, '.text')
    assert.equal(r.headers['content-type'], 'text/plain; charset=UTF-8')
    assert.equal(r.body.toString(), 'plain')
    assert.equal(respond({ text: { n: 1 } }, '.text').body.toString(), '{\n  "n": 1\n}')
    assert.equal(respond({ text: { a: 0.1, l: [1, { b: [] }], e: {}, s: 'x,{y}' } }, '.text').body.toString(),
      '{\n  "a": 0.1,\n  "l": [1, {\n    "b": []\n  }],\n  "e": {},\n  "s": "x,{y}"\n}', 'as OpenWhisk pretty-prints')
    assert.equal(respond({ a: 0.1, b: [1.5e300, -0.25] }, '.json').body.toString(), '{"a":0.1,"b":[1.5e300,-0.25]}', 'numbers as written')
    r = respond({ other: 1 }, '.text')
    assert.equal(r.status, 404)
    assert.equal(r.json.error, 'Response does not include requested property.')
  })

  await t.test('HEAD answers the headers alone; OPTIONS is CORS, echoing the requested headers', () => {
    let r = curl(`${base}/default/respond`, ['-I', '-G', '--data-urlencode', 'r={"body":"12345"}'])
    assert.equal(r.status, 200)
    assert.equal(r.headers['content-length'], '5')
    assert.doesNotMatch(r.body.toString(), /12345/)
    r = curl(`${base}/default/echo.json`, ['-X', 'OPTIONS', '-H', 'Access-Control-Request-Headers: X-Mine'])
    assert.equal(r.status, 200)
    assert.equal(r.headers['access-control-allow-origin'], '*')
    assert.equal(r.headers['access-control-allow-methods'], 'OPTIONS, GET, DELETE, POST, PUT, HEAD, PATCH')
    assert.equal(r.headers['access-control-allow-headers'], 'X-Mine')
    assert.equal(r.headers['x-openwhisk-activation-id'], undefined, 'OPTIONS runs nothing')
    r = curl(`${base}/default/echo.json`)
    assert.equal(r.headers['access-control-allow-headers'], 'Authorization, Origin, X-Requested-With, Content-Type, Accept, User-Agent')
    r = curl(`${base}/default/echo.json`, ['-X', 'TRACE'])
    assert.equal(r.status, 405)
  })

  await t.test('web-custom-options: OPTIONS runs the action and no CORS headers are added', () => {
    const r = curl(`${base}/default/custom.json`, ['-X', 'OPTIONS'])
    assert.equal(r.status, 200)
    assert.equal(r.json.args.__ow_method, 'options')
    assert.equal(r.headers['access-control-allow-origin'], undefined)
  })

  await t.test('raw-http: the query and body as sent', () => {
    let a = curl(`${base}/default/raw.json?name=Jane&x=%20`, ['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"name":"Jane"}']).json.args
    assert.equal(a.__ow_query, 'name=Jane&x=%20')
    assert.equal(Buffer.from(a.__ow_body, 'base64').toString(), '{"name":"Jane"}')
    assert.equal(a.name, undefined)
    a = curl(`${base}/default/raw.json`).json.args
    assert.equal(a.__ow_body, '')
    assert.equal(a.__ow_query, '')
    a = curl(`${base}/default/raw.json`, ['-X', 'POST', '-H', 'Content-Type: text/plain', '-d', 'words']).json.args
    assert.equal(a.__ow_body, 'words')
  })

  await t.test('final and reserved parameters cannot be set by the request', () => {
    for (const q of ['bound=mine', '__ow_method=put', '__ow_user=root']) {
      const r = curl(`${base}/default/echo.json?${q}`)
      assert.equal(r.status, 400, q)
      assert.equal(r.json.error, 'Request defines parameters that are not allowed (e.g., reserved properties).')
    }
    const r = curl(`${base}/default/echo.json`, ['-H', 'Content-Type: application/json', '-d', '{"bound":1}'])
    assert.equal(r.status, 400)
    const bad = curl(`${base}/default/echo.json`, ['-H', 'Content-Type: application/json', '-d', '{"bad'])
    assert.equal(bad.status, 400)
    assert.match(bad.json.error, /malformed/)
  })

  await t.test('require-whisk-auth: true wants a valid key (which becomes __ow_user), a string the header', () => {
    let r = curl(`${base}/default/secure.json`)
    assert.equal(r.status, 401)
    assert.equal(r.json.error, 'Authentication is possible but has failed or not yet been provided.')
    assert.equal(curl(`${base}/default/secure.json`, ['-u', 'nobody:wrong']).status, 401)
    r = curl(`${base}/default/secure.json`, ['-u', b.auth])
    assert.equal(r.status, 200)
    assert.equal(r.json.args.__ow_user, 'guest')
    assert.equal(r.json.args.__ow_headers.authorization, undefined, 'the caller\'s key does not reach the action')
    r = curl(`${base}/default/echo.json`, ['-H', 'Authorization: Bearer not-a-platform-key'])
    assert.equal(r.json.args.__ow_headers.authorization, 'Bearer not-a-platform-key', 'any other is the action\'s')
    assert.equal(curl(`${base}/default/secret.json`).status, 401)
    assert.equal(curl(`${base}/default/secret.json`, ['-H', 'X-Require-Whisk-Auth: open']).status, 401)
    assert.equal(curl(`${base}/default/secret.json`, ['-H', 'X-Require-Whisk-Auth: open sesame']).status, 200)
  })

  await t.test('404 for an action not exported, missing, in a missing namespace or package', () => {
    for (const p of ['default/hidden.json', 'default/nothere', 'pkg/echo', 'nopkg/echo']) {
      const r = curl(`${base}/${p}`)
      assert.equal(r.status, 404, p)
      assert.equal(r.json.error, 'The requested resource does not exist.')
    }
    assert.equal(curl(`${b.apihost}/api/v1/web/nobody/default/echo`).status, 404)
    assert.equal(curl(`${b.apihost}/api/v1/web/guest/default`).status, 404)
    assert.equal(curl(`${base}/pkg/inner.json`).json.args.__ow_method, 'get', 'an action in a package')
  })

  await t.test('an application error renders its error field; a crash is 400', () => {
    let r = curl(`${base}/default/fails`, ['-G', '--data-urlencode', 'e={"statusCode":409,"body":"taken"}'])
    assert.equal(r.status, 409)
    assert.equal(r.body.toString(), 'taken')
    r = curl(`${base}/default/fails.json`, ['-G', '--data-urlencode', 'e={"why":"no"}'])
    assert.deepEqual(r.json, { why: 'no' })
    r = curl(`${base}/default/fails.json?how=exit`)
    assert.equal(r.status, 400)
    assert.equal(r.json.error, 'There was an error processing your request.')
    assert.match(r.headers['x-openwhisk-activation-id'], /^[0-9a-f]{32}$/)
  })

  await t.test('the activation belongs to the action\'s owner', async () => {
    const r = curl(`${base}/default/echo.json`)
    const id = r.headers['x-openwhisk-activation-id']
    const rec = await ow.activations.get({ name: id })
    assert.equal(rec.namespace, 'guest')
    assert.equal(rec.name, 'echo')
  })

  await t.test('a web sequence: the last action\'s result is the answer', async () => {
    await mk('mkr', 'function main(a) { return { r: JSON.stringify({ body: "seq:" + a.n, headers: { "Content-Type": "text/plain" } }) } }', {})
    await ow.actions.create({ name: 'seq', action: { exec: { kind: 'sequence', components: ['/guest/mkr', '/guest/respond'] }, annotations: kv(web()) } })
    const r = curl(`${base}/default/seq?n=7`)
    assert.equal(r.status, 200)
    assert.equal(r.body.toString(), 'seq:7')
  })
})

test('wsk action create --web true, wsk action get --url, then curl', async t => {
  const wsk = findTool('wsk')
  if (!wsk) return t.skip('wsk not found (set WSK, or put Apache OpenWhisk\'s wsk on PATH)')
  const b = await start()
  t.after(() => b.close())
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-wsk-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const run = (...args) => execFileSync(wsk, ['-i', '--apihost', b.apihost, '--auth', b.auth, ...args],
    { env: Object.assign({}, process.env, { HOME: dir, WSK_CONFIG_FILE: path.join(dir, 'wskprops') }) }).toString()
  const src = path.join(dir, 'hello.js')
  fs.writeFileSync(src, 'function main(a) { return { body: "<h1>Hello, " + (a.name || "web") + "</h1>" } }\n')

  run('action', 'create', 'hello', src, '--web', 'true')
  const url = run('action', 'get', 'hello', '--url').trim().split('\n').pop()
  assert.equal(url, `${b.apihost}/api/v1/web/guest/default/hello`)
  let r = curl(url + '?name=wsk')
  assert.equal(r.status, 200)
  assert.equal(r.body.toString(), '<h1>Hello, wsk</h1>')
  const ann = JSON.parse(run('action', 'get', 'hello').replace(/^[^{]*/, '')).annotations
  const get = k => (ann.find(a => a.key === k) || {}).value
  assert.equal(get('web-export'), true)
  assert.equal(get('final'), true)
  assert.equal(get('raw-http'), false)

  run('action', 'update', 'hello', '--web', 'raw')
  fs.writeFileSync(src, 'function main(a) { return { body: a.__ow_query } }\n')
  run('action', 'update', 'hello', src)
  assert.equal(curl(url + '?a=1&b').body.toString(), 'a=1&b')

  run('action', 'update', 'hello', '--web', 'false')
  assert.equal(curl(url).status, 404)
})
