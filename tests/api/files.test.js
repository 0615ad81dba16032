// files.test.js — /whisk.system/files/changes: a real inotify watch under --watch-root.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, poll } = require('./helper')

const lifecycle = (b, feed, body) => b.raw('POST', `/api/v1/namespaces/whisk.system/actions/files/changes?blocking=true&result=true`,
  { body: Object.assign({ authKey: b.auth }, body) })

async function watch (b, name, params) {
  await b.ow.triggers.create({ name, trigger: { annotations: [{ key: 'feed', value: '/whisk.system/files/changes' }] } })
  return lifecycle(b, 'changes', Object.assign({ lifecycleEvent: 'CREATE', triggerName: `/_/${name}` }, params))
}

// the trigger's fires, as "event path" texts, once `last` shows among them
async function changes (ow, name, last) {
  return poll(async () => {
    const l = await ow.activations.list({ name, docs: true, limit: 200 })
    const seen = l.sort((x, y) => x.start - y.start).map(x => x.response.result)
    return seen.some(e => `${e.event} ${e.path}` === last) ? seen : null
  })
}

test('file changes', async t => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-watch-'))
  const dir = path.join(root, 'in')
  fs.mkdirSync(dir)
  const b = await start(['--watch-root', root])
  const ow = b.ow
  t.after(async () => { await b.close(); fs.rmSync(root, { recursive: true, force: true }) })

  await t.test('bad input: outside the roots, missing, not a directory, bad events; no trigger feed left', async () => {
    fs.writeFileSync(path.join(root, 'file'), 'x')
    const cases = [
      [{ path: os.tmpdir() }, /outside the directories the backend may watch \(--watch-root /],
      [{ path: path.join(root, 'nope') }, /cannot be watched: No such file or directory/],
      [{ path: path.join(root, 'file') }, /is not a directory/],
      [{ path: dir, events: 'create,explode' }, /events must be a list of create, modify, delete and move/],
      [{ path: 'relative' }, /path parameter is required/],
      [{ path: path.join(dir, '..', '..') }, /outside/]
    ]
    for (const [params, why] of cases) {
      const r = await watch(b, 'bad', params)
      assert.equal(r.status, 400, JSON.stringify(params))
      assert.match(r.json.error, why)
      const read = await lifecycle(b, 'changes', { lifecycleEvent: 'READ', triggerName: '/_/bad' })
      assert.equal(read.status, 404)
      await ow.triggers.delete({ name: 'bad' })
    }
  })

  await t.test('create, a burst of writes as one modify, delete, move; the pattern and recursion', async () => {
    const r = await watch(b, 'csv', { path: dir, pattern: '*.csv', recursive: true })
    assert.equal(r.status, 200, r.body)
    await ow.actions.create({ name: 'echo', action: 'def main(a):\n    return a\n', kind: 'python:3' })
    await ow.rules.create({ name: 'csv-echo', trigger: 'csv', action: 'echo' })
    const a = path.join(dir, 'a.csv')
    fs.writeFileSync(a, 'h1,h2\n')                 // create: one event at its close
    fs.writeFileSync(path.join(dir, 'skip.txt'), 'no')
    await changes(ow, 'csv', `create ${a}`)
    const fd = fs.openSync(a, 'a')                  // a burst of 50 writes: one modify
    let size = 6
    for (let i = 0; i < 50; i++) size += fs.writeSync(fd, `${i},${i}\n`)
    fs.closeSync(fd)
    await changes(ow, 'csv', `modify ${a}`)
    fs.mkdirSync(path.join(dir, 'sub'))
    fs.writeFileSync(path.join(dir, 'sub', 'c.csv'), '1')
    fs.renameSync(a, path.join(dir, 'b.csv'))
    fs.unlinkSync(path.join(dir, 'b.csv'))
    fs.writeFileSync(path.join(dir, 'end.csv'), '')
    await changes(ow, 'csv', `create ${dir}/sub/c.csv`) // made maybe before sub's own watch: found when it is
    const seen = await changes(ow, 'csv', `create ${dir}/end.csv`)
    const all = seen.map(e => `${e.event} ${e.path.slice(dir.length + 1)}`)
    assert.deepEqual([...all].sort(), [
      'create a.csv', 'create end.csv', 'create sub/c.csv', 'delete b.csv', 'modify a.csv', 'move b.csv'
    ])
    assert.equal(seen.find(e => e.event === 'create' && e.path === a).size, 6)
    const mod = seen.find(e => e.event === 'modify')
    assert.equal(mod.size, size)
    assert.match(mod.mtime, /^\d{4}-\d\d-\d\dT/)
    const move = seen.find(e => e.event === 'move')
    assert.equal(move.from, `${dir}/a.csv`)
    assert.equal(seen.find(e => e.event === 'delete').size, null)
  })

  await t.test('a restart keeps the watch', async () => {
    await b.stop()
    await b.start()
    fs.writeFileSync(path.join(dir, 'after.csv'), 'r')
    await changes(b.ow, 'csv', `create ${dir}/after.csv`)
  })

  await t.test('the watched directory goes away: an error on the trigger', async () => {
    const gone = path.join(root, 'gone')
    fs.mkdirSync(gone)
    assert.equal((await watch(b, 'g', { path: gone })).status, 200)
    fs.rmSync(gone, { recursive: true })
    const [rec] = await poll(async () => {
      const l = await ow.activations.list({ name: 'g', docs: true })
      return l.length ? l : null
    })
    assert.equal(rec.response.success, false)
    assert.match(rec.response.result.error, /The watched directory .*gone went away/)
    const read = await lifecycle(b, 'changes', { lifecycleEvent: 'READ', triggerName: '/_/g' })
    assert.equal(read.json.status.active, false)
    assert.match(read.json.status.error, /went away/)
  })
})

test('without --watch-root nothing may be watched', async t => {
  const b = await start()
  t.after(() => b.close())
  const r = await watch(b, 'w', { path: os.tmpdir() })
  assert.equal(r.status, 400)
  assert.match(r.json.error, /started without --watch-root/)
})
