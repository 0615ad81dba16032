// edge.test.js — the gateway's edge: API keys per route, a real burst against a rate limit, JWTs signed here (RS256, ES256, HS256; JWKS file and URL), custom domains.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const path = require('node:path')
const { start, NODE_KIND } = require('./helper')

const WHO = 'function main(a) { return { statusCode: 200, headers: { "Content-Type": "application/json" }, body: { claims: a.__gw_claims || null, id: a.id || null } } }\n'
const kv = o => Object.entries(o).map(([key, value]) => ({ key, value }))
const b64u = x => Buffer.from(x).toString('base64url')

// A JWT signed with node's crypto (OpenSSL): RS256 and ES256 with a private key, HS256 with a secret.
function jwt (alg, key, claims, header = {}) {
  const input = b64u(JSON.stringify(Object.assign({ alg, typ: 'JWT' }, header))) + '.' + b64u(JSON.stringify(claims))
  let sig
  if (alg === 'HS256') sig = crypto.createHmac('sha256', key).update(input).digest()
  else if (alg === 'RS256') sig = crypto.sign('sha256', Buffer.from(input), key)
  else if (alg === 'ES256') sig = crypto.sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
  else sig = Buffer.alloc(0)
  return input + '.' + b64u(sig)
}

async function setup (t) {
  const b = await start()
  t.after(() => b.close())
  await b.ow.actions.create({ name: 'who', action: { exec: { kind: NODE_KIND, code: WHO }, annotations: kv({ 'web-export': true }) } })
  b.mgmt = (method, verb, query, body, auth) => b.raw(method, `/api/v1/web/whisk.system/apimgmt/${verb}.http${query ? '?' + query : ''}`, Object.assign(body ? { body } : {}, auth ? { auth } : {}))
  b.route = (base, rel, extra = {}) => b.mgmt('POST', 'createApi', 'responsetype=http', {
    apidoc: Object.assign({ namespace: '_', gatewayBasePath: base, gatewayPath: rel, gatewayMethod: 'GET', action: { name: 'who', namespace: '_', backendMethod: 'GET', backendUrl: `${b.apihost}/api/v1/web/_/default/who.http`, authkey: b.auth } }, extra)
  })
  b.swagger = (doc, auth) => b.mgmt('POST', 'createApi', '', { apidoc: { namespace: '_', swagger: doc } }, auth)
  b.get = (p, headers = {}) => b.raw('GET', p, { auth: null, headers })
  return b
}

const op = (b, extra = {}) => Object.assign({ operationId: 'getX', responses: { default: { description: 'ok' } }, 'x-openwhisk': { namespace: '_', package: '', action: 'who', url: `${b.apihost}/api/v1/web/guest/default/who.http` } }, extra)

test('API keys and rate limits per route', async t => {
  const b = await setup(t)
  let r = await b.route('/keyed', '/h', { apiKey: { in: 'header', name: 'X-Api-Key', keys: ['alpha-key', 'beta-key'] } })
  assert.equal(r.status, 200, r.body)
  r = await b.route('/keyed', '/q', { apiKey: { in: 'query', name: 'key', keys: ['query-key'] } })
  assert.equal(r.status, 200, r.body)

  await t.test('a key in the header or query parameter of the owner\'s choosing; others are 401', async () => {
    assert.equal((await b.get('/api/guest/keyed/h')).status, 401)
    assert.match((await b.get('/api/guest/keyed/h')).json.error, /An API key is required \(header X-Api-Key\)/)
    assert.equal((await b.get('/api/guest/keyed/h', { 'x-api-key': 'wrong' })).json.error, 'The API key is not valid.')
    assert.equal((await b.get('/api/guest/keyed/h', { 'x-api-key': 'beta-key' })).status, 200)
    assert.equal((await b.get('/api/guest/keyed/q?key=query-key')).status, 200)
    assert.equal((await b.get('/api/guest/keyed/q', { key: 'query-key' })).status, 401, 'not from a header')
  })

  await t.test('keys are kept hashed: the document never shows them in clear', async () => {
    const doc = (await b.mgmt('GET', 'getApi', 'basepath=/keyed')).json.apis[0].value.apidoc
    const text = JSON.stringify(doc)
    assert.ok(!text.includes('alpha-key') && !text.includes('query-key'), text)
    assert.match(doc.securityDefinitions['apiKey-getH']['x-gateway-keys'][0], /^sha256:[0-9a-f]{64}$/)
    // written back as it reads, it still works
    assert.equal((await b.swagger(doc)).status, 200)
    assert.equal((await b.get('/api/guest/keyed/h', { 'x-api-key': 'alpha-key' })).status, 200)
  })

  await t.test('a real burst against 3 calls a minute: 3 pass, the rest are 429 with Retry-After', async () => {
    r = await b.route('/limited', '/x', { rateLimit: { rate: 3, unit: 'minute' } })
    assert.equal(r.status, 200, r.body)
    const all = await Promise.all(Array.from({ length: 12 }, () => b.get('/api/guest/limited/x')))
    const ok = all.filter(x => x.status === 200)
    const over = all.filter(x => x.status === 429)
    assert.equal(ok.length, 3, all.map(x => x.status).join(' '))
    assert.equal(over.length, 9)
    for (const x of over) {
      assert.ok(Number(x.headers['retry-after']) >= 1 && Number(x.headers['retry-after']) <= 20, x.headers['retry-after'])
      assert.match(x.json.error, /Rate limit exceeded: 3 calls per 1 minute/)
    }
  })

  await t.test('with an API key, each key has its own bucket', async () => {
    r = await b.route('/both', '/x', { apiKey: { in: 'header', name: 'X-Api-Key', keys: ['k1', 'k2'] }, rateLimit: { rate: 2, unit: 'hour' } })
    assert.equal(r.status, 200, r.body)
    const burst = key => Promise.all(Array.from({ length: 4 }, () => b.get('/api/guest/both/x', { 'x-api-key': key })))
    assert.deepEqual((await burst('k1')).map(x => x.status).sort(), [200, 200, 429, 429])
    assert.deepEqual((await burst('k2')).map(x => x.status).sort(), [200, 200, 429, 429])
  })

  await t.test('bad policies are 400 and change nothing', async () => {
    const bad = [
      [await b.route('/p', '/x', { rateLimit: { rate: 0, unit: 'minute' } }), /x-gateway-rate-limit must be/],
      [await b.route('/p', '/x', { rateLimit: { rate: 5, unit: 'fortnight' } }), /x-gateway-rate-limit must be/],
      [await b.route('/p', '/x', { apiKey: { in: 'cookie', name: 'k', keys: ['a'] } }), /needs "in": header or query/],
      [await b.route('/p', '/x', { apiKey: { in: 'header', name: 'k', keys: [] } }), /needs "x-gateway-keys"/],
      [await b.swagger({ swagger: '2.0', basePath: '/p', info: { title: 'p' }, securityDefinitions: { b: { type: 'basic' } }, paths: {} }), /type 'basic' is not supported/],
      [await b.swagger({ swagger: '2.0', basePath: '/p', info: { title: 'p' }, security: [{ nope: [] }], paths: {} }), /security names 'nope'/],
      [await b.swagger({ swagger: '2.0', basePath: '/p', info: { title: 'p' }, securityDefinitions: { j: { type: 'oauth2', 'x-gateway-jwt': { issuer: 'me' } } }, paths: {} }), /needs a key: jwks_uri, jwks_file or secret/],
      [await b.swagger({ swagger: '2.0', basePath: '/p', info: { title: 'p' }, securityDefinitions: { j: { type: 'oauth2', 'x-gateway-jwt': { jwks_file: '../../etc/passwd' } } }, paths: {} }), /jwks_file .* must name a file in the data directory's jwks/]
    ]
    for (const [res, re] of bad) {
      assert.equal(res.status, 400, res.body)
      assert.match(res.json.error, re)
    }
    assert.deepEqual((await b.mgmt('GET', 'getApi', 'basepath=/p')).json, { apis: [] })
  })
})

test('JWT bearer tokens: RS256 and ES256 from a JWKS file or URL, HS256; issuer, audience, expiry', async t => {
  const b = await setup(t)
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const other = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwk = (k, kid) => Object.assign(k.publicKey.export({ format: 'jwk' }), { kid, use: 'sig' })
  fs.mkdirSync(path.join(b.data, 'jwks'), { recursive: true })
  fs.writeFileSync(path.join(b.data, 'jwks', 'keys.json'), JSON.stringify({ keys: [jwk(rsa, 'r1'), jwk(ec, 'e1')] }))
  let fetches = 0
  const srv = http.createServer((req, res) => { fetches++; res.setHeader('content-type', 'application/json'); res.end(JSON.stringify({ keys: [jwk(ec, 'e1')] })) })
  await new Promise(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.after(() => srv.close())
  const secret = crypto.randomBytes(32).toString('hex')
  const jwtdef = cfg => ({ type: 'oauth2', flow: 'application', tokenUrl: 'https://issuer.example/token', 'x-gateway-jwt': Object.assign({ issuer: 'https://issuer.example', audience: 'books' }, cfg) })
  const r = await b.swagger({
    swagger: '2.0',
    basePath: '/secure',
    info: { title: 'secure', version: '1' },
    securityDefinitions: { file: jwtdef({ jwks_file: 'keys.json' }), url: jwtdef({ jwks_uri: `http://127.0.0.1:${srv.address().port}/jwks`, algorithms: ['ES256'] }), hs: jwtdef({ secret, algorithms: ['HS256'] }) },
    paths: { '/file': { get: op(b, { security: [{ file: [] }] }) }, '/url': { get: op(b, { operationId: 'getUrl', security: [{ url: [] }] }) }, '/hs': { get: op(b, { operationId: 'getHs', security: [{ hs: [] }] }) } }
  })
  assert.equal(r.status, 200, r.body)
  const now = Math.floor(Date.now() / 1000)
  const good = { sub: 'reader-7', iss: 'https://issuer.example', aud: ['books', 'other'], exp: now + 600, iat: now }
  const call = (p, token) => b.get('/api/guest/secure' + p, token ? { authorization: 'Bearer ' + token } : {})

  await t.test('valid tokens pass; the action gets the claims', async () => {
    let res = await call('/file', jwt('RS256', rsa.privateKey, good, { kid: 'r1' }))
    assert.equal(res.status, 200, res.body)
    assert.equal(res.json.claims.sub, 'reader-7')
    res = await call('/file', jwt('ES256', ec.privateKey, good))
    assert.equal(res.status, 200, res.body + ' (ES256 without kid: any P-256 key of the set)')
    res = await call('/url', jwt('ES256', ec.privateKey, good, { kid: 'e1' }))
    assert.equal(res.status, 200, res.body)
    res = await call('/hs', jwt('HS256', secret, Object.assign({}, good, { aud: 'books' })))
    assert.equal(res.status, 200, res.body)
    await call('/url', jwt('ES256', ec.privateKey, good, { kid: 'e1' }))
    assert.equal(fetches, 1, 'the key set URL is fetched once and kept')
  })

  await t.test('bad tokens are 401 saying why, with WWW-Authenticate', async () => {
    const tampered = jwt('RS256', rsa.privateKey, good, { kid: 'r1' }).split('.')
    tampered[1] = b64u(JSON.stringify(Object.assign({}, good, { sub: 'admin' })))
    const cases = [
      [undefined, '/file', /A bearer token is required/],
      ['not.a.jwt', '/file', /not a JWT/],
      [tampered.join('.'), '/file', /signature is not valid/],
      [jwt('RS256', other.privateKey, good, { kid: 'r1' }), '/file', /signature is not valid/],
      [jwt('RS256', rsa.privateKey, Object.assign({}, good, { exp: now - 10 }), { kid: 'r1' }), '/file', /has expired/],
      [jwt('RS256', rsa.privateKey, Object.assign({}, good, { nbf: now + 600 }), { kid: 'r1' }), '/file', /not valid yet/],
      [jwt('RS256', rsa.privateKey, Object.assign({}, good, { iss: 'https://evil.example' }), { kid: 'r1' }), '/file', /issuer is not https:\/\/issuer.example/],
      [jwt('RS256', rsa.privateKey, Object.assign({}, good, { aud: 'movies' }), { kid: 'r1' }), '/file', /audience does not hold books/],
      [jwt('none', null, good), '/file', /algorithm 'none' is not accepted/],
      [jwt('HS256', secret, good), '/file', /algorithm 'HS256' is not accepted/],
      [jwt('RS256', rsa.privateKey, good, { kid: 'r1' }), '/url', /algorithm 'RS256' is not accepted/],
      [jwt('HS256', 'wrong secret', good), '/hs', /signature is not valid/]
    ]
    for (const [token, p, re] of cases) {
      const res = await call(p, token)
      assert.equal(res.status, 401, `${p} ${token}: ${res.body}`)
      assert.match(res.json.error, re)
      if (token) assert.match(res.headers['www-authenticate'], /^Bearer error="invalid_token", error_description="/)
    }
  })

  await t.test('a token accepted once is checked again when the API changes', async () => {
    const token = jwt('RS256', rsa.privateKey, good, { kid: 'r1' })
    assert.equal((await call('/file', token)).status, 200)
    assert.equal((await call('/file', token)).status, 200, 'again: the same token, remembered')
    const doc = (await b.mgmt('GET', 'getApi', 'basepath=/secure')).json.apis[0].value.apidoc
    doc.securityDefinitions.file['x-gateway-jwt'].issuer = 'https://other-issuer.example'
    assert.equal((await b.swagger(doc)).status, 200)
    const res = await call('/file', token)
    assert.equal(res.status, 401)
    assert.match(res.json.error, /issuer is not https:\/\/other-issuer.example/)
  })

  await t.test('a key set URL that does not answer is 503 saying so', async () => {
    const dead = await b.swagger({ swagger: '2.0', basePath: '/dead', info: { title: 'dead' }, securityDefinitions: { u: jwtdef({ jwks_uri: 'http://127.0.0.1:1/jwks' }) }, security: [{ u: [] }], paths: { '/x': { get: op(b) } } })
    assert.equal(dead.status, 200, dead.body)
    const res = await b.get('/api/guest/dead/x', { authorization: 'Bearer ' + jwt('ES256', ec.privateKey, good) })
    assert.equal(res.status, 503)
    assert.match(res.json.error, /The key set could not be fetched from http:\/\/127.0.0.1:1\/jwks/)
  })
})

test('custom domains: a Host header mapped to an API', async t => {
  const b = await setup(t)
  const doc = host => ({ swagger: '2.0', host, basePath: '/club', info: { title: 'club' }, paths: { '/books/{id}': { get: op(b, { parameters: [{ name: 'id', in: 'path', required: true, type: 'string' }] }) } } })
  let r = await b.swagger(doc('Books.Example.test'))
  assert.equal(r.status, 200, r.body)
  r = await b.get('/club/books/7', { host: 'books.example.test:8443' })
  assert.equal(r.status, 200, r.body)
  assert.equal(r.json.id, '7')
  assert.equal((await b.get('/club/books/7', { host: 'other.example.test' })).status, 404, 'no such domain: not ours')
  assert.equal((await b.get('/api/v1', { host: 'books.example.test' })).status, 404, 'the domain serves its API only')
  const cred = b.addNamespace('rival')
  await b.raw('PUT', '/api/v1/namespaces/_/actions/who', { auth: cred, body: { exec: { kind: NODE_KIND, code: WHO }, annotations: kv({ 'web-export': true }) } })
  const rival = doc('books.example.test')
  rival.paths['/books/{id}'].get['x-openwhisk'].url = `${b.apihost}/api/v1/web/rival/default/who.http`
  r = await b.swagger(rival, cred)
  assert.equal(r.status, 409)
  assert.match(r.json.error, /The host 'books.example.test' already serves another API/)
  assert.equal((await b.swagger(doc('bad host:80'))).status, 400)
  r = await b.mgmt('DELETE', 'deleteApi', 'basepath=/club')
  assert.equal(r.status, 200)
  assert.equal((await b.get('/club/books/7', { host: 'books.example.test' })).status, 404)
  assert.equal((await b.swagger(rival, cred)).status, 200, 'released, the host can be claimed again')
  await b.stop()
  await b.start()
  r = await b.get('/club/books/8', { host: 'books.example.test' })
  assert.equal(r.status, 200, 'claims survive a restart: ' + r.body)
})
