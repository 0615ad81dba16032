// deploy.test.js — faasfs deploy, sync and undeploy seen through the openwhisk npm client: with Apache's
// wskdeploy both ways, sync removing exactly what the project dropped, a deploy failing midway changing nothing.
//
// The project is tests/fs/fixtures/deploy/project (t1400-deploy.sh drives
// it further). wskdeploy is found by findTool (helper.js): $WSKDEPLOY,
// ../shared/tools beside the clone, then PATH; without it the tests that
// need it are skipped, saying so.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { start, findTool } = require('./helper')

const TOP = path.resolve(__dirname, '..', '..')
const FAASFS = process.env.FAASFS_BIN || path.join(TOP, 'fsd', 'faasfs')
const FIX = path.join(TOP, 'tests', 'fs', 'fixtures', 'deploy', 'project')
const WSKDEPLOY = findTool('wskdeploy')
const NO_WSKDEPLOY = WSKDEPLOY ? false : 'wskdeploy (Apache OpenWhisk\'s) not found: set $WSKDEPLOY, or put it in ../shared/tools or on PATH'

// A key/value array as an object (its order is not the entity's).
const kv = arr => Object.fromEntries((arr || []).map(p => [p.key, p.value]))

// Every entity of the namespace as the npm client reads it, by kind and
// name, without what every change bumps (versions, a package's listing of
// its actions) and, with hashless, without what tells two deployments of
// one project apart: whisk-managed's projectHash, and a zip's bytes (Go's
// zip writer and ours differ).
async function snapshot (ow, hashless) {
  const out = {}
  for (const kind of ['packages', 'actions', 'triggers', 'rules']) {
    for (const e of await ow[kind].list({ limit: 200 })) {
      const pkg = e.namespace.split('/').slice(1).join('/')
      const name = (pkg ? pkg + '/' : '') + e.name
      const d = await ow[kind].get({ name })
      for (const k of ['version', 'updated', 'namespace', 'activationId', 'actions']) delete d[k]
      d.annotations = kv(d.annotations)
      d.parameters = kv(d.parameters)
      if (hashless && d.annotations['whisk-managed']) delete d.annotations['whisk-managed'].projectHash
      if (hashless && d.exec && d.exec.binary) d.exec.code = 'BINARY'
      out[`${kind}/${name}`] = d
    }
  }
  return out
}

test('faasfs deploy and sync, seen through the openwhisk client', async t => {
  const b = await start()
  t.after(() => b.close())
  const env = Object.assign({}, process.env, { HOME: b.home, GREETING: 'Hi', PLACE: 'Oslo' })
  // run(tool, args): its stdout; a failure throws with its stderr
  const run = (tool, args) => {
    try {
      return execFileSync(tool, args, { cwd: b.dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (e) {
      const err = new Error(`${path.basename(tool)} ${args.join(' ')}: ${e.stderr || ''}${e.stdout || ''}`)
      err.stderr = e.stderr || ''
      throw err
    }
  }
  const to = key => ['--apihost', b.apihost, '--auth', key]
  const faasfs = (verb, key, ...args) => run(FAASFS, [verb, ...to(key), ...args])
  const wskdeploy = (key, ...args) => run(WSKDEPLOY, [...args, ...to(key)])
  // project(name): a copy of the project to edit
  const project = name => {
    const dir = path.join(b.dir, name)
    fs.cpSync(FIX, dir, { recursive: true })
    return dir
  }
  const dropSequence = dir => {
    const m = path.join(dir, 'manifest.yaml')
    fs.writeFileSync(m, fs.readFileSync(m, 'utf8').replace(/ *sequences:\n[\s\S]*?actions: hello, shout\n/, ''))
  }

  await t.test('deployed by wskdeploy, synced by faasfs: exactly the dropped sequence goes', { skip: NO_WSKDEPLOY }, async () => {
    const key = b.addNamespace('wd')
    const ow = b.client(key)
    const dir = project('wd')
    wskdeploy(key, '--managed', '-p', dir)
    await ow.actions.create({ name: 'mine', kind: 'python:3', action: 'def main(a):\n    return a\n' })
    const before = await snapshot(ow, true)
    assert.ok(before['actions/demo/both'], 'wskdeploy made the sequence')
    dropSequence(dir)
    // the sequence's deletion, and shout again: its zip's bytes are not wskdeploy's
    assert.match(faasfs('sync', key, dir), /^sync: 2 changes made, 5 unchanged$/m)
    delete before['actions/demo/both']
    assert.deepEqual(await snapshot(ow, true), before)
  })

  await t.test('deployed by faasfs, undeployed by wskdeploy', { skip: NO_WSKDEPLOY }, async () => {
    const key = b.addNamespace('fd')
    const ow = b.client(key)
    const dir = project('fd')
    faasfs('deploy', key, '--managed', dir)
    assert.equal((await ow.actions.invoke({ name: 'demo/both', blocking: true, result: true })).msg, 'HI ANN FROM OSLO')
    wskdeploy(key, 'undeploy', '--projectname', 'demo')
    assert.deepEqual(await snapshot(ow), {})
  })

  await t.test('a deploy failing midway leaves the namespace as it was', async () => {
    const key = b.addNamespace('half')
    const ow = b.client(key)
    faasfs('deploy', key, '--managed', project('half'))
    const before = await snapshot(ow)
    const bad = project('bad')
    fs.writeFileSync(path.join(bad, 'deployment.yaml'), fs.readFileSync(path.join(bad, 'deployment.yaml'), 'utf8').replace('Ann', 'Bob'))
    fs.appendFileSync(path.join(bad, 'manifest.yaml'), '    zzz:\n      actions:\n        broken:\n          function: src/hello.py\n          runtime: cobol:1\n')
    assert.throws(() => faasfs('deploy', key, bad), e => /zzz\/broken: .*cobol.*; nothing was changed/.test(e.stderr))
    assert.deepEqual(await snapshot(ow), before)
  })
})
