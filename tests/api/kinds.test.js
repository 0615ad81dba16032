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

test('blackbox', async t => {
  const b = await start()
  t.after(() => b.close())
  const SH = '#!/bin/bash\necho "{\\"args\\": $1}"\n'

  await t.test('OpenWhisk\'s dockerskeleton image runs the executable given, as native; the kind and image are kept', async () => {
    const r = await b.raw('PUT', A + 'sk', { body: { exec: { kind: 'blackbox', image: 'openwhisk/dockerskeleton', code: SH } } })
    assert.equal(r.status, 200, r.body)
    const got = await b.ow.actions.get({ name: 'sk' })
    assert.equal(got.exec.kind, 'blackbox')
    assert.equal(got.exec.image, 'openwhisk/dockerskeleton')
    assert.deepEqual(await b.ow.actions.invoke({ name: 'sk', blocking: true, result: true, params: { a: 1 } }), { args: { a: 1 } })
  })

  await t.test('code holding a NUL is stored and run whole (an executable sent as text keeps its NULs)', async () => {
    const code = '#!/bin/sh\n# a\u0000b\necho "{\\"whole\\": true}"\n'
    const r = await b.raw('PUT', A + 'nul', { body: { exec: { kind: 'native', code } } })
    assert.equal(r.status, 200, r.body)
    assert.equal((await b.ow.actions.get({ name: 'nul' })).exec.code, code)
    assert.deepEqual(await b.ow.actions.invoke({ name: 'nul', blocking: true, result: true }), { whole: true })
  })

  await t.test('any other image is refused, saying this host runs none (it was silently ignored)', async () => {
    for (const image of ['python:3.11-slim', 'me/my-openwhisk/dockerskeleton2', 'ghcr.io/x/y:1']) {
      const r = await b.raw('PUT', A + 'img', { body: { exec: { kind: 'blackbox', image, code: SH } } })
      assert.equal(r.status, 400, image)
      assert.match(r.json.error, /cannot run here: this host runs no container images/)
    }
    const r = await b.raw('PUT', A + 'img', { body: { exec: { kind: 'blackbox', image: 'nginx' } } })
    assert.match(r.json.error, /'nginx' cannot run here/)
  })

  await t.test('an executable sent as JSON text that lost its bytes to U+FFFD is refused, saying to zip it', async () => {
    // what wsk --native ./binary sends: the ELF as a Go string, bytes that are not UTF-8 replaced
    const elf = Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01\x00', 'latin1'), Buffer.from([0xf0, 0x00, 0x90, 0x41])])
    const text = elf.toString('utf8') // invalid bytes become U+FFFD, as Go's encoder does
    assert.ok(text.includes('\ufffd'))
    const r = await b.raw('PUT', A + 'elf', { body: { exec: { kind: 'blackbox', image: 'openwhisk/dockerskeleton', code: text } } })
    assert.equal(r.status, 400, r.body)
    assert.match(r.json.error, /arrived damaged.*zip exec\.zip exec; wsk action create NAME --native exec\.zip/)
  })
})
