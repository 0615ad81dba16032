// gateway.test.js — the API gateway: every `wsk api` verb with the real wsk, routes with path parameters, methods, CORS, OpenAPI 2 in and out, OpenAPI 3 out, bad input.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, findTool, NODE_KIND } = require('./helper')

const BOOK = 'function main(a) { return { statusCode: a.__ow_method === "post" ? 201 : 200, headers: { "Content-Type": "application/json" }, body: { isbn: a.isbn || null, path: a.__ow_path, method: a.__ow_method, name: a.name || null } } }\n'
const HELLO = 'function main(a) { return { payload: "Hello " + (a.name || "world") } }\n'
const kv = o => Object.entries(o).map(([key, value]) => ({ key, value }))

async function setup (t) {
  const b = await start()
  t.after(() => b.close())
  for (const [name, code, web] of [['book', BOOK, true], ['hello', HELLO, true], ['plain', HELLO, false]]) {
    await b.ow.actions.create({ name, action: { exec: { kind: NODE_KIND, code }, annotations: kv(web ? { 'web-export': true } : {}) } })
  }
  b.gw = `${b.apihost}/api/guest`
  b.mgmt = (method, verb, query, body) => b.raw(method, `/api/v1/web/whisk.system/apimgmt/${verb}.http${query ? '?' + query : ''}`, body ? { body } : {})
  return b
}

test('wsk api create, list, get, delete, with routes served at their URL', async t => {
  const wsk = findTool('wsk')
  if (!wsk) return t.skip('wsk not found (set WSK, or put Apache OpenWhisk\'s wsk on PATH)')
  const b = await setup(t)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-wskapi-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const props = path.join(dir, 'wskprops')
  fs.writeFileSync(props, `APIHOST=${b.apihost}\nAUTH=${b.auth}\n`) // wsk api reads AUTH from its properties file
  const env = Object.assign({}, process.env, { HOME: dir, WSK_CONFIG_FILE: props })
  const wsk1 = (...args) => spawnSync(wsk, ['-i', ...args], { env, encoding: 'utf8' })
  const run = (...args) => {
    const r = wsk1(...args)
    assert.equal(r.status, 0, r.stderr)
    return r.stdout
  }

  let out = run('api', 'create', '/hello', '/world', 'get', 'hello', '--response-type', 'json')
  assert.match(out, /ok: created API \/hello\/world GET for action \/_\/hello/)
  assert.ok(out.includes(`${b.gw}/hello/world`), out)
  out = run('api', 'create', '-n', 'Book Club', '/club', '/books/{isbn}', 'get', 'book', '--response-type', 'http')
  assert.ok(out.includes(`${b.gw}/club/books/{isbn}`), out)
  run('api', 'create', '/club', '/books', 'post', 'book', '--response-type', 'http')
  run('api', 'create', '/club', '/books/{isbn}', 'delete', 'book', '--response-type', 'http')

  await t.test('the routes answer with curl-like requests', async () => {
    let r = await b.raw('GET', '/api/guest/hello/world?name=gw', { auth: null })
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { payload: 'Hello gw' })
    r = await b.raw('GET', '/api/guest/club/books/978-0596517748?name=x', { auth: null })
    assert.deepEqual(r.json, { isbn: '978-0596517748', path: '/club/books/978-0596517748', method: 'get', name: 'x' })
    r = await b.raw('POST', '/api/guest/club/books', { auth: null, body: { name: 'JS' } })
    assert.equal(r.status, 201)
    assert.equal(r.json.name, 'JS')
    r = await b.raw('DELETE', '/api/guest/club/books/1', { auth: null })
    assert.equal(r.json.method, 'delete')
    assert.equal(r.json.isbn, '1')
  })

  await t.test('list and get show what was made; get --format yaml too', () => {
    out = run('api', 'list')
    assert.match(out, /\/guest\/book\s+post\s+Book Club\s+http:\/\/\S+\/api\/guest\/club\/books\n/)
    assert.match(out, /\/guest\/hello\s+get\s+\/hello\s+http:\/\/\S+\/api\/guest\/hello\/world/)
    const doc = JSON.parse(run('api', 'get', '/club'))
    assert.equal(doc.swagger, '2.0')
    assert.equal(doc.basePath, '/club')
    assert.equal(doc.info.title, 'Book Club')
    assert.deepEqual(Object.keys(doc.paths).sort(), ['/books', '/books/{isbn}'])
    const op = doc.paths['/books/{isbn}'].get
    assert.equal(op.operationId, 'getBooksIsbn')
    assert.deepEqual(op['x-openwhisk'], { action: 'book', namespace: 'guest', package: '', url: `${b.apihost}/api/v1/web/guest/default/book.http` })
    assert.equal(op.parameters[0].name, 'isbn')
    assert.equal(JSON.parse(run('api', 'get', 'Book Club')).basePath, '/club', 'by the API name')
    assert.match(run('api', 'get', '/club', '--format', 'yaml'), /^basePath: \/club$/m)
    assert.match(run('api', 'list', '/club', '/books', 'post', '-f'), /Path: \/books\n\s+Verb: post/)
  })

  await t.test('delete an operation, then the whole API', async () => {
    assert.match(run('api', 'delete', '/club', '/books', 'post'), /ok: deleted \/books POST from \/club/)
    assert.equal((await b.raw('POST', '/api/guest/club/books', { auth: null, body: {} })).status, 404)
    assert.match(run('api', 'delete', '/club'), /ok: deleted API \/club/)
    assert.equal((await b.raw('GET', '/api/guest/club/books/1', { auth: null })).status, 404)
    const r = wsk1('api', 'delete', '/club')
    assert.notEqual(r.status, 0)
    assert.match(r.stderr, /API '\/club' does not exist/)
    assert.match(wsk1('api', 'get', '/club').stderr, /API does not exist for basepath \/club/)
  })

  await t.test('--config-file: an OpenAPI 2 document in, as `wsk api get` gave it out', async () => {
    run('api', 'create', '/shop', '/items/{id}', 'get', 'book', '--response-type', 'http')
    const doc = JSON.parse(run('api', 'get', '/shop'))
    doc.info.title = 'Shop'
    doc.paths['/items'] = { put: { operationId: 'putItems', responses: { default: { description: 'ok' } }, 'x-openwhisk': { namespace: '_', package: '', action: 'book', url: `${b.apihost}/api/v1/web/guest/default/book.http` } } }
    const file = path.join(dir, 'shop.json')
    fs.writeFileSync(file, JSON.stringify(doc))
    out = run('api', 'create', '--config-file', file)
    assert.match(out, /ok: created API \/shop\/items put for action \/guest\/book/)
    const r = await b.raw('PUT', '/api/guest/shop/items', { auth: null, body: { name: 'n' } })
    assert.equal(r.json.method, 'put')
    assert.match(run('api', 'list'), /\/guest\/book\s+put\s+Shop/)
  })

  await t.test('a route to an action that is not a web action is refused by wsk, and by us', async () => {
    assert.match(wsk1('api', 'create', '/x', '/y', 'get', 'plain').stderr, /is not a web action/)
    const r = await b.mgmt('POST', 'createApi', 'responsetype=json', { apidoc: { namespace: '_', gatewayBasePath: '/x', gatewayPath: '/y', gatewayMethod: 'GET', action: { name: 'plain', namespace: '_', backendMethod: 'GET', backendUrl: `${b.apihost}/api/v1/web/_/default/plain.json`, authkey: 'k' } } })
    assert.equal(r.status, 400)
    assert.match(r.json.error, /\/guest\/plain of get \/y does not exist or is not a web action/)
    assert.equal(JSON.parse(run('api', 'list', '-f').includes('/x') ? '1' : '0'), 0, 'nothing half-made')
  })
})

test('the gateway contract over plain HTTP: methods, CORS, OpenAPI 3 out, bad input', async t => {
  const b = await setup(t)
  const route = (base, rel, verb, action, type = 'http', extra = {}) => b.mgmt('POST', 'createApi', `responsetype=${type}`, {
    apidoc: Object.assign({ namespace: '_', gatewayBasePath: base, gatewayPath: rel, gatewayMethod: verb, action: { name: action, namespace: '_', backendMethod: verb, backendUrl: `${b.apihost}/api/v1/web/_/default/${action}.${type}`, authkey: b.auth } }, extra)
  })
  let r = await route('/club', '/books/{isbn}', 'GET', 'book', 'http', { pathParameters: [{ name: 'isbn', in: 'path', required: true, type: 'string' }] })
  assert.equal(r.status, 200, r.body)
  assert.equal(r.json.gwApiUrl, `${b.gw}/club`)
  assert.equal(r.json.apidoc.paths['/books/{isbn}'].get.operationId, 'getBooksIsbn')
  r = await route('/club', '/books/new', 'GET', 'hello', 'json')
  assert.equal(r.status, 200, r.body)

  await t.test('a literal segment wins over a parameter; no key is needed', async () => {
    assert.deepEqual((await b.raw('GET', '/api/guest/club/books/new', { auth: null })).json, { payload: 'Hello world' })
    assert.equal((await b.raw('GET', '/api/guest/club/books/42', { auth: null })).json.isbn, '42')
    assert.equal((await b.raw('GET', '/api/guest/club/books/a%20b', { auth: null })).json.isbn, 'a b')
  })

  await t.test('a method the path lacks is 405 with Allow; no route is 404', async () => {
    r = await b.raw('PUT', '/api/guest/club/books/42', { auth: null, body: {} })
    assert.equal(r.status, 405)
    assert.equal(r.headers.allow, 'GET')
    assert.match(r.json.error, /not allowed/)
    for (const p of ['/api/guest/club/books', '/api/guest/club/books/1/2', '/api/guest/nothing', '/api/nobody/club/books/1']) {
      r = await b.raw('GET', p, { auth: null })
      assert.equal(r.status, 404, p)
      assert.equal(r.json.error, 'The requested resource does not exist.')
    }
  })

  await t.test('CORS: the preflight lists the path\'s methods; answers carry the origin header', async () => {
    r = await b.raw('OPTIONS', '/api/guest/club/books/1', { auth: null, headers: { 'access-control-request-headers': 'x-a' } })
    assert.equal(r.status, 200)
    assert.equal(r.headers['access-control-allow-methods'], 'OPTIONS, GET')
    assert.equal(r.headers['access-control-allow-headers'], 'x-a')
    r = await b.raw('GET', '/api/guest/club/books/1', { auth: null })
    assert.equal(r.headers['access-control-allow-origin'], '*')
  })

  await t.test('getApi gives OpenAPI 2, or OpenAPI 3 with outputFormat=openapi3', async () => {
    r = await b.mgmt('GET', 'getApi', 'basepath=/club')
    assert.equal(r.json.apis.length, 1)
    assert.equal(r.json.apis[0].id, 'API:guest:/club')
    assert.equal(r.json.apis[0].value.apidoc.swagger, '2.0')
    r = await b.mgmt('GET', 'getApi', 'basepath=/club&outputFormat=openapi3')
    const v3 = r.json.apis[0].value.apidoc
    assert.equal(v3.openapi, '3.0.3')
    assert.deepEqual(v3.servers, [{ url: `${b.gw}/club` }])
    assert.deepEqual(v3.paths['/books/{isbn}'].get.parameters, [{ name: 'isbn', in: 'path', required: true, schema: { type: 'string' } }])
    assert.equal(v3.paths['/books/{isbn}'].get['x-openwhisk'].action, 'book')
    assert.equal(v3.swagger, undefined)
    r = await b.mgmt('GET', 'getApi', 'outputFormat=raml')
    assert.equal(r.status, 400)
  })

  await t.test('bad input is a clear 400 and leaves the API as it was', async () => {
    const before = (await b.mgmt('GET', 'getApi', 'basepath=/club')).json.apis[0].value.apidoc
    const doc = json => b.mgmt('POST', 'createApi', '', { apidoc: { namespace: '_', swagger: json } })
    const bad = [
      [await route('/club', '/x', 'FETCH', 'book'), /'FETCH' is not a valid API verb/],
      [await route('/club', '/x', 'GET', 'missing'), /\/guest\/missing of get \/x does not exist or is not a web action/],
      [await route('/club', '/x/{id}', 'GET', 'book', 'json'), /response type of '.http'/],
      [await route('/club', '/x', 'GET', 'book', 'xml'), /response type 'xml'/],
      [await route('/c/{id}', '/x', 'GET', 'book'), /cannot have parameters/],
      [await doc('{"swagger": "2.0", "basePath": "/club", "info": {'), /swagger field cannot be parsed/],
      [await doc({ swagger: '2.0', basePath: 'club', info: {}, paths: {} }), /basePath must start with a leading slash/],
      [await doc({ swagger: '3.0', basePath: '/club', info: {}, paths: {} }), /OpenAPI 2/],
      [await doc({ swagger: '2.0', basePath: '/club', info: {}, paths: { '/a': { fetch: {} } } }), /'fetch' in path '\/a' is not a valid API verb/],
      [await doc({ swagger: '2.0', basePath: '/club', info: {}, paths: { '/a/{id}': { get: { 'x-openwhisk': { namespace: '_', action: 'book', url: 'http://h/api/v1/web/guest/default/book.http' } } } } }), /parameter 'id' defined in path '\/a\/{id}' does not match/],
      [await doc({ swagger: '2.0', basePath: '/club', info: {}, paths: { '/a': { get: { responses: {} } } } }), /names no action/],
      [await b.mgmt('POST', 'createApi', '', { nothing: 1 }), /apidoc is required/]
    ]
    for (const [res, re] of bad) {
      assert.equal(res.status, 400, res.body)
      assert.match(res.json.error, re)
      assert.match(res.json.code, /^[0-9a-f]{32}$/)
    }
    assert.deepEqual((await b.mgmt('GET', 'getApi', 'basepath=/club')).json.apis[0].value.apidoc, before)
    r = await b.raw('POST', '/api/v1/web/whisk.system/apimgmt/getApi.http', { auth: null })
    assert.equal(r.status, 401)
    r = await b.mgmt('DELETE', 'deleteApi', 'basepath=/club&relpath=/nope')
    assert.equal(r.status, 404)
    assert.match(r.json.error, /path '\/nope' does not exist in the API/)
  })

  await t.test('another namespace sees none of our APIs', async () => {
    const cred = b.addNamespace('other')
    r = await b.raw('GET', '/api/v1/web/whisk.system/apimgmt/getApi.http', { auth: cred })
    assert.deepEqual(r.json, { apis: [] })
  })
})
