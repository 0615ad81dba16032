// kinds.test.js — a kind is kept as given when this host runs it; GET / lists what it runs, with versions.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const { start } = require('./helper')

const PY = 'import sys\ndef main(args):\n    return {"v": "%d.%d" % sys.version_info[:2]}\n'
const JS = 'function main() { return { v: process.versions.node } }\n'
const A = '/api/v1/namespaces/_/actions/'

const version = (path, re) => execFileSync(path, ['--version'], { encoding: 'utf8' }).match(re)[1]

test('kinds', async t => {
  const b = await start()
  t.after(() => b.close())
  const py = version('/usr/bin/python3', /(\d+\.\d+\.\d+)/)
  const pyMinor = py.split('.').slice(0, 2).join('.')
  const node = version('/usr/bin/node', /v(\d+\.\d+\.\d+)/)
  const nodeMajor = node.split('.')[0]

  await t.test('GET / lists what this host runs, in OpenWhisk\'s runtimes manifest, with the versions', async () => {
    const r = await b.raw('GET', '/', { auth: null })
    assert.equal(r.status, 200)
    const rt = r.json.runtimes
    assert.deepEqual(Object.keys(rt).sort(), ['actionloop', 'bash', 'native', 'nodejs', 'python'])
    assert.deepEqual(rt.python.map(k => [k.kind, k.default, k.version]), [['python:3', true, py], [`python:${pyMinor}`, false, py]])
    assert.deepEqual(rt.nodejs.map(k => [k.kind, k.default, k.version]), [[`nodejs:${nodeMajor}`, true, node]])
    assert.equal(rt.python[0].interpreter, '/usr/bin/python3')
    assert.deepEqual(rt.native.map(k => k.kind), ['native', 'blackbox'])
    for (const fam of Object.values(rt)) for (const k of fam) assert.equal(k.deprecated, false)
  })

  await t.test('a kind this host runs is kept as given, and runs', async () => {
    for (const [name, kind, code, want] of [
      ['p3', 'python:3', PY, pyMinor], ['p311', `python:${pyMinor}`, PY, pyMinor],
      ['n', `nodejs:${nodeMajor}`, JS, node]
    ]) {
      await b.ow.actions.create({ name, action: code, kind })
      const got = await b.ow.actions.get({ name })
      assert.equal(got.exec.kind, kind)
      assert.equal(got.annotations.find(a => a.key === 'exec').value, kind)
      const rec = await b.ow.actions.invoke({ name, blocking: true })
      assert.equal(rec.response.result.v, want)
      assert.equal(rec.annotations.find(a => a.key === 'kind').value, kind)
    }
  })

  await t.test('FAMILY:default and FAMILY are resolved to the family\'s default, as in OpenWhisk', async () => {
    await b.ow.actions.create({ name: 'd', action: JS, kind: 'nodejs:default' })
    assert.equal((await b.ow.actions.get({ name: 'd' })).exec.kind, `nodejs:${nodeMajor}`)
    await b.ow.actions.create({ name: 'pd', action: PY, kind: 'python' })
    assert.equal((await b.ow.actions.get({ name: 'pd' })).exec.kind, 'python:3')
  })

  await t.test('a kind this host does not run is refused, naming those it does', async () => {
    for (const kind of ['python:2', 'python:3.4', `nodejs:${Number(nodeMajor) - 2}`, 'cobol']) {
      const r = await b.raw('PUT', A + 'x', { body: { exec: { kind, code: PY } } })
      assert.equal(r.status, 400, kind)
      assert.match(r.json.error, new RegExp(`'${kind}' is not one this host runs \\(python:3, python:${pyMinor.replace('.', '\\.')}, nodejs:${nodeMajor}, bash,`))
    }
  })
})
