// auth.test.js — keys, 401s, the first-start credential files, namespace isolation.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { start, credential } = require('./helper')

const PY = 'def main(args):\n    return {"ok": True}\n'

test('auth', async t => {
  const b = await start()
  t.after(() => b.close())

  await t.test('no key, a wrong key, an unknown uuid, garbage: 401', async () => {
    const uuid = b.auth.split(':')[0]
    for (const auth of [null, `${uuid}:wrong`, credential(), 'no-colon']) {
      const r = await b.raw('GET', '/api/v1/namespaces/_/actions', { auth })
      assert.equal(r.status, 401, `auth ${auth}`)
      assert.ok(r.json.error && r.json.code)
    }
    const g = await b.raw('GET', '/api/v1/namespaces/_/actions', { headers: { authorization: 'Basic !!!' }, auth: null })
    assert.equal(g.status, 401)
    await assert.rejects(b.client(credential()).actions.list(), e => e.statusCode === 401)
  })

  await t.test('the guest credential is in the data directory (0600) and ~/.wskprops', async () => {
    const auth = fs.readFileSync(path.join(b.data, 'guest.auth'), 'utf8').trim()
    assert.equal(auth, b.auth)
    assert.equal(fs.statSync(path.join(b.data, 'guest.auth')).mode & 0o777, 0o600)
    const props = fs.readFileSync(path.join(b.home, '.wskprops'), 'utf8')
    assert.match(props, new RegExp(`^APIHOST=${b.apihost}$`, 'm'))
    assert.match(props, new RegExp(`^AUTH=${b.auth}$`, 'm'))
    assert.equal(fs.statSync(path.join(b.home, '.wskprops')).mode & 0o777, 0o600)
  })

  await t.test('keys are stored hashed', async () => {
    const key = b.auth.split(':')[1]
    for (const f of fs.readdirSync(b.data).filter(f => f.startsWith('faasfs.db'))) {
      assert.ok(!fs.readFileSync(path.join(b.data, f)).includes(key), `${f} holds the key in clear`)
    }
  })

  await t.test('a second namespace sees nothing of the first', async () => {
    const cred = b.addNamespace('alice')
    assert.match(cred, /^[0-9a-f-]{36}:[A-Za-z0-9]{64}$/)
    const alice = b.client(cred)
    assert.deepEqual(await alice.namespaces.list(), ['alice'])
    await b.ow.actions.create({ name: 'secret', action: PY, kind: 'python:3' })
    await b.ow.triggers.create({ name: 'tg' })
    assert.deepEqual(await alice.actions.list(), [])
    assert.deepEqual(await alice.triggers.list(), [])
    assert.deepEqual(await alice.activations.list(), [])
    await assert.rejects(alice.actions.get({ name: 'secret' }), e => e.statusCode === 404)
    await assert.rejects(alice.actions.get({ name: '/guest/secret' }), e => e.statusCode === 403)
    await assert.rejects(alice.actions.invoke({ name: '/guest/secret' }), e => e.statusCode === 403)
    const r = await b.raw('GET', '/api/v1/namespaces/guest/actions', { auth: cred })
    assert.equal(r.status, 403)
    await alice.actions.create({ name: 'secret', action: PY, kind: 'python:3' })
    const mine = await b.ow.actions.get({ name: 'secret' })
    assert.equal(mine.namespace, 'guest')
    assert.equal((await alice.actions.get({ name: 'secret' })).namespace, 'alice')
  })

  await t.test('a sequence or binding cannot reach into another namespace\'s private entities', async () => {
    const cred = b.addNamespace('mallory')
    const m = b.client(cred)
    await b.ow.packages.create({ name: 'private' })
    await assert.rejects(m.actions.create({ name: 's', sequence: ['/guest/secret'] }), e => e.statusCode === 400)
    await assert.rejects(m.packages.create({ name: 'bnd', package: { binding: { namespace: 'guest', name: 'private' } } }),
      e => e.statusCode === 400)
  })

  await t.test('a published package is shared: its actions can be read, invoked and bound, never changed', async () => {
    const cred = b.addNamespace('bob')
    const bob = b.client(cred)
    await b.ow.packages.create({ name: 'shared', package: { publish: true, parameters: [{ key: 'p', value: 'owner' }] } })
    await b.ow.actions.create({ name: 'shared/hi', action: 'def main(args):\n    return {"p": args.get("p"), "q": args.get("q")}\n', kind: 'python:3' })
    await b.ow.actions.create({ name: 'private/hi', action: PY, kind: 'python:3' }).catch(() => {})
    const got = await bob.actions.get({ name: '/guest/shared/hi' })
    assert.equal(got.namespace, 'guest/shared')
    const r = await bob.actions.invoke({ name: '/guest/shared/hi', blocking: true })
    assert.deepEqual(r.response.result, { p: 'owner', q: null })
    assert.equal(r.namespace, 'bob')
    assert.equal((await bob.activations.get({ name: r.activationId })).activationId, r.activationId)
    await assert.rejects(b.ow.activations.get({ name: r.activationId }), e => e.statusCode === 404)
    await bob.packages.create({ name: 'mine', package: { binding: { namespace: 'guest', name: 'shared' }, parameters: [{ key: 'q', value: 'bob' }] } })
    assert.deepEqual(await bob.actions.invoke({ name: 'mine/hi', blocking: true, result: true }), { p: 'owner', q: 'bob' })
    await assert.rejects(bob.actions.get({ name: '/guest/private/hi' }), e => e.statusCode === 404)
    const put = await b.raw('PUT', '/api/v1/namespaces/guest/actions/shared/hi?overwrite=true', { auth: cred, body: { exec: { kind: 'python:3', code: PY } } })
    assert.equal(put.status, 403)
    const del = await b.raw('DELETE', '/api/v1/namespaces/guest/actions/shared/hi', { auth: cred })
    assert.equal(del.status, 403)
  })

  await t.test('--add-namespace refuses a name twice and bad names', async () => {
    assert.throws(() => b.addNamespace('alice'))
    assert.throws(() => b.addNamespace('a/b'))
  })
})
