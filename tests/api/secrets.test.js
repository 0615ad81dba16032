// secrets.test.js — secrets of actions and packages through REST and wsk: files in the function's sandbox, never in any answer, record, log or event.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { start, findTool } = require('./helper')

// Random, so that finding one anywhere cannot be a coincidence.
const value = tag => `s3cr3t-${tag}-${crypto.randomBytes(12).toString('hex')}`
const sha = s => crypto.createHash('sha256').update(s).digest('hex')

// Reads every file of $FAASFS_SECRETS and gives back what it may: a digest
// of each, its mode and whether its owner is the function's uid. Then it
// prints its whole environment and, when asked, fails.
const READER = `import hashlib, os, sys
def main(args):
    d = os.environ.get('FAASFS_SECRETS', '')
    out = {}
    for n in sorted(os.listdir(d)) if d else []:
        p = os.path.join(d, n)
        st = os.stat(p)
        out[n] = {'sha': hashlib.sha256(open(p, 'rb').read()).hexdigest(), 'mode': oct(st.st_mode & 0o777), 'mine': st.st_uid == os.getuid()}
    print(dict(os.environ))
    print(args)
    if args.get('fail'):
        raise Exception('failing with the environment: ' + repr(dict(os.environ)))
    return {'secrets': out, 'dirmode': oct(os.stat(d).st_mode & 0o777) if d else None}
`

test('secrets', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  const seen = [] // every value ever set, to grep for at the end
  const put = async (p, v) => {
    seen.push(v)
    const r = await b.raw('PUT', `/api/v1/namespaces/_/${p}`, { body: v, headers: { 'content-type': 'text/plain' } })
    assert.equal(r.status, 200, r.body)
    return r.json
  }
  const names = doc => (doc.annotations.find(a => a.key === 'secrets') || {}).value
  const run = async (name, params = {}) => {
    const a = await ow.actions.invoke({ name, params, blocking: true }).catch(e => e.error)
    return a
  }

  await t.test('a secret set with PUT reaches the function as a file of its own, 0400, and a new version', async () => {
    await ow.actions.create({ name: 'app', action: READER, kind: 'python:3' })
    const v = value('db')
    const doc = await put('actions/app/secrets/DB', v)
    assert.equal(doc.version, '0.0.2')
    assert.deepEqual(names(doc), ['DB'])
    const a = await run('app')
    assert.deepEqual(a.response.result.secrets, { DB: { sha: sha(v), mode: '0o400', mine: true } })
    assert.equal(a.response.result.dirmode, '0o500')
    assert.equal(a.version, '0.0.2')
    assert.deepEqual(a.annotations.find(x => x.key === 'secrets').value, { DB: '0.0.2' })
  })

  await t.test('GET of a secret says what it is but never its value; a name that cannot be is 400', async () => {
    const r = await b.raw('GET', '/api/v1/namespaces/_/actions/app/secrets/DB')
    assert.equal(r.status, 200)
    assert.deepEqual(Object.keys(r.json).sort(), ['name', 'size', 'updated', 'version'])
    assert.equal(r.json.size, seen[0].length)
    assert.equal((await b.raw('GET', '/api/v1/namespaces/_/actions/app/secrets/NOPE')).status, 404)
    const bad = await b.raw('PUT', '/api/v1/namespaces/_/actions/app/secrets/.hidden', { body: 'x' })
    assert.equal(bad.status, 400)
    assert.match(bad.json.error, /secret's name/)
    assert.equal((await b.raw('PUT', '/api/v1/namespaces/_/actions/nope/secrets/X', { body: 'x' })).status, 404)
  })

  await t.test('a new value is a new version, and the next activation sees it, not the warm one', async () => {
    const v = value('db2')
    const doc = await put('actions/app/secrets/DB', v)
    assert.equal(doc.version, '0.0.3')
    const a = await run('app')
    assert.equal(a.response.result.secrets.DB.sha, sha(v))
    assert.deepEqual(a.annotations.find(x => x.key === 'secrets').value, { DB: '0.0.3' })
  })

  await t.test('a package\'s secrets reach its actions; an action\'s own of the same name wins', async () => {
    await ow.packages.create({ name: 'pkg' })
    await ow.actions.create({ name: 'pkg/reader', action: READER, kind: 'python:3' })
    const shared = value('shared')
    const mine = value('mine')
    const pdoc = await put('packages/pkg/secrets/TOKEN', shared)
    assert.deepEqual(names(pdoc), ['TOKEN'])
    await put('packages/pkg/secrets/ONLY', value('only'))
    let a = await run('pkg/reader')
    assert.deepEqual(Object.keys(a.response.result.secrets), ['ONLY', 'TOKEN'])
    assert.equal(a.response.result.secrets.TOKEN.sha, sha(shared))
    await put('actions/pkg/reader/secrets/TOKEN', mine)
    a = await run('pkg/reader')
    assert.equal(a.response.result.secrets.TOKEN.sha, sha(mine))
    const d = await b.raw('DELETE', '/api/v1/namespaces/_/packages/pkg/secrets/ONLY')
    assert.equal(d.status, 200)
    assert.deepEqual(names(d.json), ['TOKEN'])
    a = await run('pkg/reader')
    assert.deepEqual(Object.keys(a.response.result.secrets), ['TOKEN'])
  })

  await t.test('set in the action\'s own PUT: "secrets", or the annotation as wsk -a sends it; null deletes', async () => {
    const v1 = value('body')
    const v2 = value('annot')
    seen.push(v1, v2)
    let r = await b.raw('PUT', '/api/v1/namespaces/_/actions/app?overwrite=true', { body: { secrets: { API: v1 } } })
    assert.equal(r.status, 200, r.body)
    assert.deepEqual(names(r.json), ['API', 'DB'])
    r = await b.raw('PUT', '/api/v1/namespaces/_/actions/app?overwrite=true',
      { body: { annotations: [{ key: 'secrets', value: { KEY2: v2, API: null } }] } })
    assert.equal(r.status, 200, r.body)
    assert.deepEqual(names(r.json), ['DB', 'KEY2'])
    // the names as read back, written back, change nothing
    r = await b.raw('PUT', '/api/v1/namespaces/_/actions/app?overwrite=true',
      { body: { annotations: [{ key: 'secrets', value: ['X'] }] } })
    assert.deepEqual(names(r.json), ['DB', 'KEY2'])
    const a = await run('app')
    assert.equal(a.response.result.secrets.KEY2.sha, sha(v2))
    r = await b.raw('PUT', '/api/v1/namespaces/_/actions/app?overwrite=true', { body: { secrets: { 'no/slash': 'x' } } })
    assert.equal(r.status, 400)
  })

  await t.test('validate=true initialises with the secrets the PUT carries', async () => {
    const code = 'import os\nV = open(os.environ["FAASFS_SECRETS"] + "/AT_IMPORT").read()\ndef main(a):\n    return {"n": len(V)}\n'
    const v = value('import')
    seen.push(v)
    let r = await b.raw('PUT', '/api/v1/namespaces/_/actions/imp?validate=true',
      { body: { exec: { kind: 'python:3', code }, secrets: { AT_IMPORT: v } } })
    assert.equal(r.status, 200, r.body)
    r = await b.raw('PUT', '/api/v1/namespaces/_/actions/imp2?validate=true', { body: { exec: { kind: 'python:3', code } } })
    assert.equal(r.status, 400)
    assert.match(r.json.error, /init failed/)
    assert.equal((await ow.actions.invoke({ name: 'imp', blocking: true, result: true })).n, v.length)
  })

  await t.test('"secretsFrom" copies another action\'s secrets (what mv in the file system sends); a bad one is 400', async () => {
    const r = await b.raw('PUT', '/api/v1/namespaces/_/actions/copy', { body: { exec: { kind: 'python:3', code: READER }, secretsFrom: 'pkg/reader' } })
    assert.equal(r.status, 200, r.body)
    assert.deepEqual(names(r.json), ['TOKEN'])
    const a = await run('copy')
    assert.deepEqual(Object.keys(a.response.result.secrets), ['TOKEN'])
    const src = await run('pkg/reader')
    assert.equal(a.response.result.secrets.TOKEN.sha, src.response.result.secrets.TOKEN.sha)
    const bad = await b.raw('PUT', '/api/v1/namespaces/_/actions/copy2', { body: { exec: { kind: 'python:3', code: READER }, secretsFrom: 3 } })
    assert.equal(bad.status, 400)
  })

  await t.test('wsk: -a secrets sets them, action get shows only the names', { skip: findTool('wsk') ? false : 'wsk not found' }, async () => {
    const dir = path.join(b.dir, 'wsk')
    fs.mkdirSync(dir, { recursive: true })
    const env = Object.assign({}, process.env, { WSK_CONFIG_FILE: path.join(dir, 'wskprops'), HOME: b.home })
    const wsk = (...args) => execFileSync(findTool('wsk'), ['-i', ...args], { env }).toString()
    wsk('property', 'set', '--apihost', b.apihost, '--auth', b.auth)
    const v = value('wsk')
    seen.push(v)
    wsk('action', 'update', 'app', '-a', 'secrets', JSON.stringify({ WSK: v }))
    const out = wsk('action', 'get', 'app')
    assert.ok(!out.includes(v))
    const doc = JSON.parse(out.slice(out.indexOf('\n') + 1))
    assert.deepEqual(names(doc), ['DB', 'KEY2', 'WSK'])
    const res = JSON.parse(wsk('action', 'invoke', 'app', '-r'))
    assert.equal(res.secrets.WSK.sha, sha(v))
  })

  await t.test('no value is in any answer, record, log, event or /metrics, even after an error that prints the environment', async () => {
    const failed = await run('app', { fail: true })
    assert.equal(failed.response.success, false)
    assert.match(JSON.stringify(failed.response.result), /FAASFS_SECRETS/)
    await run('pkg/reader', { fail: true })
    const texts = []
    const get = async p => { const r = await b.raw('GET', p); texts.push(r.body); return r }
    await get('/api/v1/namespaces/_/actions?limit=200')
    await get('/api/v1/namespaces/_/actions/app')
    await get('/api/v1/namespaces/_/actions/pkg/reader')
    await get('/api/v1/namespaces/_/packages/pkg')
    await get('/api/v1/namespaces/_/packages')
    await get('/api/v1/namespaces/_/actions/app/secrets/DB')
    const acts = await get('/api/v1/namespaces/_/activations?docs=true&limit=200')
    assert.ok(acts.json.length >= 8)
    for (const a of acts.json) {
      await get(`/api/v1/namespaces/_/activations/${a.activationId}`)
      await get(`/api/v1/namespaces/_/activations/${a.activationId}/logs`)
    }
    assert.ok(texts.join('').includes('FAASFS_SECRETS'), 'the logs printed the environment')
    // the event stream from its start: it never ends, so read what comes in a while
    const ev = await new Promise((resolve, reject) => {
      const http = require('node:http')
      const req = http.get({ host: '127.0.0.1', port: b.port, path: '/api/v1/namespaces/_/events?since=0', headers: { authorization: 'Basic ' + Buffer.from(b.auth).toString('base64') } }, res => {
        let text = ''
        res.on('data', c => {
          text += c
          if ((text.match(/"kind":"activations"/g) || []).length >= acts.json.length) { req.destroy(); resolve(text) }
        })
      })
      req.on('error', e => e.code === 'ECONNRESET' ? null : reject(e))
    })
    texts.push(ev)
    texts.push((await b.raw('GET', '/metrics')).body)
    texts.push(fs.readFileSync(b.log, 'utf8'))
    const all = texts.join('\n')
    for (const v of seen) assert.ok(!all.includes(v), `a secret's value leaked: ${v}`)
  })

  await t.test('deleting the action takes its secrets: one made again under the name has none', async () => {
    await ow.actions.delete({ name: 'app' })
    await ow.actions.create({ name: 'app', action: READER, kind: 'python:3' })
    const a = await run('app')
    assert.deepEqual(a.response.result.secrets, {})
  })
})
