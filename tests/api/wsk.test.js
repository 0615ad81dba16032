// wsk.test.js — the backend driven by Apache OpenWhisk's own CLI, wsk: actions of each kind, zips, --native,
// invoke, activations, sequences, packages and bindings, triggers, rules, limits.
//
// wsk is found by findTool (helper.js): $WSK, ../shared/tools/wsk beside the
// clone, then PATH; without it this file is skipped, saying so. Every call
// gets its own WSK_CONFIG_FILE, so ~/.wskprops is never read.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync, spawn } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')
const { start, poll, findTool, NODE_KIND } = require('./helper')

const WSK = findTool('wsk')

const HELLO = 'def main(args):\n    return {"greeting": "Hello " + args.get("name", "stranger"), "x": args.get("x")}\n'
const NODE = 'function main(a) { return { js: a.name || "nobody", n: a.n } }\n'
const BASH = '#!/bin/bash\necho "{\\"bash\\": $1}"\n'
const INC = 'def main(a):\n    return {"n": a.get("n", 0) + 1}\n'
const LOG = 'def main(a):\n    print("log line", a.get("n"))\n    return {"n": a.get("n")}\n'
const EXEC = '#include <stdio.h>\nint main(int c, char **v) { printf("{\\"native\\": %s}\\n", c > 1 ? v[1] : "null"); return 0; }\n'

test('wsk', { skip: WSK ? false : 'wsk (Apache OpenWhisk\'s CLI) not found: set $WSK, or put it in ../shared/tools or on PATH' }, async t => {
  const b = await start()
  t.after(() => b.close())
  const dir = path.join(b.dir, 'wsk')
  fs.mkdirSync(dir)
  const env = Object.assign({}, process.env, { WSK_CONFIG_FILE: path.join(dir, 'wskprops'), HOME: b.home })
  const file = (name, text) => { fs.writeFileSync(path.join(dir, name), text); return name }
  // wsk(...args): its stdout; a failure throws with its stderr
  const wsk = (...args) => {
    try {
      return execFileSync(WSK, args, { cwd: dir, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
    } catch (e) {
      const err = new Error(`wsk ${args.join(' ')}: ${e.stderr || e.message}`)
      err.stderr = e.stderr || ''
      throw err
    }
  }
  // wsk ... printing "ok: ..." then JSON
  const json = (...args) => { const out = wsk(...args); return JSON.parse(out.slice(out.indexOf('\n') + 1)) }
  const fails = (...args) => assert.throws(() => wsk(...args), e => { fails.stderr = e.stderr; return true })
  wsk('property', 'set', '--apihost', b.apihost, '--auth', b.auth)

  await t.test('action create, get, update, list, delete, for each kind', async () => {
    wsk('action', 'create', 'hp', file('hello.py', HELLO))
    wsk('action', 'create', 'p311', 'hello.py', '--kind', 'python:3.11')
    wsk('action', 'create', 'hj', file('hello.js', NODE))
    wsk('action', 'create', 'hb', file('hello.sh', BASH), '--kind', 'bash')
    const kinds = { hp: 'python:3', p311: 'python:3.11', hj: NODE_KIND, hb: 'bash' }
    for (const [name, kind] of Object.entries(kinds)) {
      const a = json('action', 'get', name)
      assert.equal(a.exec.kind, kind, name)
      assert.equal(a.version, '0.0.1')
    }
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'hj', '-r', '-p', 'name', 'Al')), { js: 'Al' })
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'hb', '-r', '-p', 'n', '1')), { bash: { n: 1 } })
    wsk('action', 'update', 'hp', '-p', 'name', 'Ann', '-a', 'description', 'a greeter')
    const hp = json('action', 'get', 'hp')
    assert.equal(hp.version, '0.0.2')
    assert.deepEqual(hp.parameters, [{ key: 'name', value: 'Ann' }])
    assert.equal(hp.annotations.find(a => a.key === 'description').value, 'a greeter')
    assert.match(wsk('action', 'get', 'hp', '-s'), /action \/guest\/hp: a greeter\n\s+\(parameters: \*name\)/)
    assert.match(wsk('action', 'get', 'hp', '--url'), new RegExp(`${b.apihost}/api/v1/namespaces/guest/actions/hp`))
    wsk('action', 'get', 'hp', '--save-as', 'saved.py')
    assert.equal(fs.readFileSync(path.join(dir, 'saved.py'), 'utf8'), HELLO)
    const list = wsk('action', 'list')
    for (const [name, kind] of Object.entries(kinds)) assert.match(list, new RegExp(`/guest/${name} +private ${kind}\n`))
    wsk('action', 'delete', 'p311')
    assert.doesNotMatch(wsk('action', 'list'), /p311/)
    fails('action', 'get', 'p311')
    assert.match(fails.stderr, /does not exist/)
  })

  await t.test('zip actions: python with __main__.py, node with package.json', async () => {
    fs.mkdirSync(path.join(dir, 'pz'))
    fs.writeFileSync(path.join(dir, 'pz', '__main__.py'), 'from helper import hi\ndef main(a):\n    return {"zip": hi(a.get("n", "x"))}\n')
    fs.writeFileSync(path.join(dir, 'pz', 'helper.py'), 'def hi(n):\n    return "hi " + n\n')
    execFileSync('zip', ['-q', '../pz.zip', '__main__.py', 'helper.py'], { cwd: path.join(dir, 'pz') })
    fs.mkdirSync(path.join(dir, 'nz'))
    fs.writeFileSync(path.join(dir, 'nz', 'package.json'), '{"name":"z","main":"m.js"}')
    fs.writeFileSync(path.join(dir, 'nz', 'm.js'), 'exports.main = a => ({ zipjs: a.n || "none" })\n')
    execFileSync('zip', ['-q', '../nz.zip', 'package.json', 'm.js'], { cwd: path.join(dir, 'nz') })
    wsk('action', 'create', 'pz', 'pz.zip', '--kind', 'python:3')
    wsk('action', 'create', 'nz', 'nz.zip', '--kind', 'nodejs:default')
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'pz', '-r', '-p', 'n', 'Al')), { zip: 'hi Al' })
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'nz', '-r', '-p', 'n', 'Bo')), { zipjs: 'Bo' })
    assert.equal(json('action', 'get', 'nz').exec.binary, true)
    fs.renameSync(path.join(dir, 'pz.zip'), path.join(dir, 'sent.zip'))
    wsk('action', 'get', 'pz', '--save')
    assert.deepEqual(fs.readFileSync(path.join(dir, 'pz.zip')), fs.readFileSync(path.join(dir, 'sent.zip')))
  })

  await t.test('--native: a zip holding exec, a #! script; a raw ELF, damaged by wsk\'s JSON, is refused saying why; --docker too', async () => {
    execFileSync('cc', ['-o', path.join(dir, 'exec'), '-x', 'c', '-'], { input: EXEC })
    execFileSync('zip', ['-q', 'exec.zip', 'exec'], { cwd: dir })
    wsk('action', 'create', 'nat', 'exec.zip', '--native')
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'nat', '-r', '-p', 'a', '1')), { native: { a: 1 } })
    const nat = json('action', 'get', 'nat')
    assert.equal(nat.exec.kind, 'blackbox')
    assert.equal(nat.exec.image, 'openwhisk/dockerskeleton')
    wsk('action', 'create', 'natsh', file('n.sh', BASH), '--native')
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'natsh', '-r', '-p', 'b', '2')), { bash: { b: 2 } })
    fails('action', 'create', 'raw', 'exec', '--native')
    assert.match(fails.stderr, /arrived damaged.*zip exec\.zip exec; wsk action create NAME --native exec\.zip/)
    fails('action', 'create', 'dock', 'hello.py', '--docker', 'python:3.11-slim')
    assert.match(fails.stderr, /'python:3\.11-slim' cannot run here: this host runs no container images/)
    fails('action', 'get', 'dock')
  })

  await t.test('invoke -b -r -p -P, numbers as written', async () => {
    file('p.json', '{"name": "Pat", "x": 0.1}')
    assert.equal(wsk('action', 'invoke', 'hp', '-r', '-P', 'p.json'), '{\n    "greeting": "Hello Pat",\n    "x": 0.1\n}\n')
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'hp', '-b', '-r', '-P', 'p.json', '-p', 'name', 'Bob')), { greeting: 'Hello Bob', x: 0.1 })
    const rec = json('action', 'invoke', 'hp', '-b')
    assert.equal(rec.response.status, 'success')
    assert.deepEqual(rec.response.result, { greeting: 'Hello Ann', x: null })
    assert.match(wsk('action', 'invoke', 'hp'), /^ok: invoked \/_\/hp with id [0-9a-f]{32}\n$/)
  })

  await t.test('activation list, get, logs, result, --last, poll', async () => {
    wsk('action', 'create', 'lg', file('lg.py', LOG))
    const id = wsk('action', 'invoke', 'lg', '-p', 'n', '7').match(/with id ([0-9a-f]{32})/)[1]
    await poll(() => { try { return wsk('activation', 'get', id) } catch (e) { return false } })
    assert.match(wsk('activation', 'list', '--limit', '3'), new RegExp(`${id} python:3 +\\w+ +\\d+ms +success guest/lg:0\\.0\\.1`))
    assert.match(wsk('activation', 'list', 'lg'), new RegExp(id))
    assert.equal(json('activation', 'get', id).activationId, id)
    assert.match(wsk('activation', 'logs', id), /^\S+Z stdout: log line 7\n$/)
    assert.match(wsk('activation', 'logs', id, '--strip'), /^log line 7\n$/)
    assert.deepEqual(JSON.parse(wsk('activation', 'result', id)), { n: 7 })
    assert.deepEqual(JSON.parse(wsk('activation', 'result', '--last')), { n: 7 })
    assert.match(wsk('activation', 'get', '--last', '-s'), /activation result for '\/guest\/lg' \(success at/)
    // poll prints what runs while it polls
    const p = spawn(WSK, ['activation', 'poll', 'lg', '--exit', '30'], { cwd: dir, env })
    let out = ''
    p.stdout.on('data', d => { out += d })
    const exited = new Promise(resolve => p.on('exit', resolve))
    t.after(() => p.kill())
    await poll(() => out.includes('Polling for activation logs'))
    const id2 = wsk('action', 'invoke', 'lg', '-p', 'n', '8').match(/with id ([0-9a-f]{32})/)[1]
    await poll(() => out.includes(id2) && out.includes('log line 8'))
    p.kill()
    await exited
    assert.match(out, new RegExp(`Activation: 'lg' \\(${id2}\\)\\n\\[\\n\\s+"\\S+Z stdout: log line 8"`))
  })

  await t.test('sequences, without _actions among their parameters', async () => {
    wsk('action', 'create', 'inc', file('inc.py', INC))
    wsk('action', 'create', 's3', '--sequence', 'inc,inc,/guest/inc')
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 's3', '-r', '-p', 'n', '1')), { n: 4 })
    const s = json('action', 'get', 's3')
    assert.equal(s.exec.kind, 'sequence')
    assert.deepEqual(s.exec.components, ['/guest/inc', '/guest/inc', '/guest/inc'])
    assert.equal(s.parameters, undefined) // wsk leaves out what is empty
    assert.match(wsk('action', 'list'), /\/guest\/s3 +private sequence\n/)
    const rec = json('action', 'invoke', 's3', '-b', '-p', 'n', '10')
    assert.equal(rec.logs.length, 3)
    assert.deepEqual(JSON.parse(wsk('activation', 'result', rec.logs[2])), { n: 13 })
  })

  await t.test('packages and bindings', async () => {
    wsk('package', 'create', 'pk', '-p', 'greeting', 'Hola', '-a', 'about', 'greeters')
    wsk('action', 'create', 'pk/hi', 'hello.py')
    wsk('package', 'bind', 'pk', 'bd', '-p', 'name', 'Bound')
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'bd/hi', '-r')), { greeting: 'Hello Bound', x: null })
    assert.deepEqual(JSON.parse(wsk('action', 'invoke', 'pk/hi', '-r')), { greeting: 'Hello stranger', x: null })
    const pk = json('package', 'get', 'pk')
    assert.deepEqual(pk.parameters, [{ key: 'greeting', value: 'Hola' }])
    assert.deepEqual(pk.actions.map(a => a.name), ['hi'])
    const bd = json('package', 'get', 'bd')
    assert.deepEqual(bd.binding, { namespace: 'guest', name: 'pk' })
    assert.match(wsk('package', 'list'), /\/guest\/bd +private\n\/guest\/pk +private\n/)
    assert.match(wsk('action', 'list', 'pk'), /\/guest\/pk\/hi +private python:3\n/)
    wsk('package', 'update', 'pk', '--shared', 'yes')
    assert.equal(json('package', 'get', 'pk').publish, true)
    fails('package', 'delete', 'pk')
    wsk('package', 'delete', 'bd')
    wsk('action', 'delete', 'pk/hi')
    wsk('package', 'delete', 'pk')
    assert.doesNotMatch(wsk('package', 'list'), /pk/)
  })

  await t.test('triggers and rules: fire, disable, enable, get, delete', async () => {
    wsk('trigger', 'create', 'tg', '-p', 'n', '40')
    wsk('rule', 'create', 'rl', 'tg', 'inc')
    const rl = json('rule', 'get', 'rl')
    assert.equal(rl.status, 'active')
    assert.deepEqual([rl.trigger, rl.action], [{ name: 'tg', path: 'guest' }, { name: 'inc', path: 'guest' }])
    const fired = wsk('trigger', 'fire', 'tg', '-p', 'n', '41').match(/with id ([0-9a-f]{32})/)[1]
    const trig = await poll(() => { try { return json('activation', 'get', fired) } catch (e) { return false } })
    const ran = JSON.parse(trig.logs[0]).activationId
    const done = await poll(() => { try { return JSON.parse(wsk('activation', 'result', ran)) } catch (e) { return false } })
    assert.deepEqual(done, { n: 42 })
    wsk('rule', 'disable', 'rl')
    assert.match(wsk('rule', 'get', 'rl', '-s'), /\(status: inactive\)/)
    assert.match(wsk('rule', 'list'), /\/guest\/rl +private +inactive\n/)
    assert.match(wsk('trigger', 'fire', 'tg'), /^ok: triggered \/_\/tg/)
    wsk('rule', 'enable', 'rl')
    assert.equal(json('rule', 'get', 'rl').status, 'active')
    const tg = json('trigger', 'get', 'tg')
    assert.deepEqual(tg.parameters, [{ key: 'n', value: 40 }])
    assert.equal(tg.rules['guest/rl'].status, 'active')
    assert.match(wsk('trigger', 'list'), /\/guest\/tg +private\n/)
    wsk('rule', 'delete', 'rl')
    wsk('trigger', 'delete', 'tg')
    assert.doesNotMatch(wsk('trigger', 'list'), /tg/)
    assert.doesNotMatch(wsk('rule', 'list'), /rl/)
  })

  await t.test('limits: set, shown, checked', async () => {
    wsk('action', 'create', 'lim', 'inc.py', '--timeout', '5000', '--memory', '192', '--logsize', '5', '--concurrency', '2')
    assert.deepEqual(json('action', 'get', 'lim').limits, { timeout: 5000, memory: 192, logs: 5, concurrency: 2 })
    wsk('action', 'update', 'lim', '--memory', '512')
    assert.deepEqual(json('action', 'get', 'lim').limits, { timeout: 5000, memory: 512, logs: 5, concurrency: 2 })
    fails('action', 'update', 'lim', '--timeout', '99999999')
    assert.match(fails.stderr, /timeout limit 99999999 is out of range/)
    fails('action', 'update', 'lim', '--memory', '64')
    assert.match(fails.stderr, /memory limit 64 is out of range/)
    assert.match(wsk('namespace', 'list'), /^namespaces\nguest\n$/)
    assert.match(wsk('list'), /Entities in namespace: default\npackages\nactions\n/)
  })

  await t.test('errors come back as wsk shows them: text and code', async () => {
    fails('action', 'invoke', 'nope', '-r')
    assert.match(fails.stderr, /The requested resource does not exist\. \(code [0-9a-f]{32}\)/)
    fails('action', 'create', 'h\u00e9', 'hello.py')
    assert.match(fails.stderr, /the character '\u00e9' is not allowed/)
  })
})
