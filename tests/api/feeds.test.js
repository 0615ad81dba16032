// feeds.test.js — triggers fed by feeds: the /whisk.system catalog, alarms through the real wsk, a user's action as a feed.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const { start, poll, findTool } = require('./helper')

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find(p => fs.existsSync(p))

const WSK = findTool('wsk')
const ECHO = 'def main(args):\n    return args\n'

// The user's feed: on CREATE it tries what its key may do, with the key it was given.
const FEED = `import base64, json, os, urllib.request, urllib.error
def call(method, path, key, body=None):
    req = urllib.request.Request(os.environ['__OW_API_HOST'] + '/api/v1/namespaces/_/' + path, method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={'Authorization': 'Basic ' + base64.b64encode(key.encode()).decode(), 'Content-Type': 'application/json'})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
def main(a):
    key, t = a['authKey'], a['triggerName'].split('/')[-1]
    if a['lifecycleEvent'] != 'CREATE':
        return {'event': a['lifecycleEvent'], 'key': key}
    return {'event': 'CREATE', 'key': key, 'param': a.get('p'),
            'fire': call('POST', 'triggers/' + t, key, {'from': 'feed'}), 'read': call('GET', 'triggers/' + t, key),
            'actions': call('GET', 'actions', key), 'other': call('GET', 'triggers/other', key)}
`

function wskOf (b) {
  const env = Object.assign({}, process.env, { WSK_CONFIG_FILE: path.join(b.dir, 'wskprops') })
  const run = (...args) => {
    const r = spawnSync(WSK, args, { env, encoding: 'utf8' })
    return { status: r.status, out: r.stdout, err: r.stderr }
  }
  run('property', 'set', '--apihost', b.apihost, '--auth', b.auth)
  return run
}

function annot (rec, key) {
  const a = rec.annotations.find(x => x.key === key)
  return a && a.value
}

// the trigger's records, oldest first, once there are at least n
async function fires (ow, name, n, pred = () => true) {
  const list = await poll(async () => {
    const l = (await ow.activations.list({ name, docs: true, limit: 200 })).filter(pred)
    return l.length >= n ? l : null
  })
  return list.sort((x, y) => x.start - y.start)
}

test('the /whisk.system catalog', async t => {
  const b = await start()
  t.after(() => b.close())

  const pkgs = await b.ow.packages.list({ namespace: 'whisk.system' })
  assert.ok(pkgs.some(p => p.name === 'alarms' && p.publish))
  const alarms = await b.ow.packages.get({ name: '/whisk.system/alarms' })
  assert.deepEqual(alarms.feeds.map(f => f.name).sort(), ['alarm', 'interval', 'once'])
  const feed = await b.ow.actions.get({ name: '/whisk.system/alarms/alarm' })
  assert.equal(annot(feed, 'feed'), true)
  assert.ok(annot(feed, 'parameters').some(p => p.name === 'cron' && p.required))
  for (const [m, p] of [['PUT', 'packages/mine'], ['DELETE', 'actions/alarms/alarm'], ['PUT', 'actions/alarms/x']]) {
    const r = await b.raw(m, `/api/v1/namespaces/whisk.system/${p}`, { body: {} })
    assert.equal(r.status, 403, `${m} ${p}`)
    assert.match(r.json.error, /built-in catalog/)
  }
  const r = await b.raw('POST', '/api/v1/namespaces/whisk.system/actions/alarms/alarm?blocking=true', { body: { cron: '* * * * *' } })
  assert.equal(r.status, 400)
  assert.match(r.json.error, /lifecycleEvent/)
})

test('alarms with the real wsk', { skip: !WSK && 'wsk not found (../shared/tools/wsk, $WSK or PATH)' }, async t => {
  const b = await start()
  const ow = b.ow
  const wsk = wskOf(b)
  t.after(() => b.close())
  await ow.actions.create({ name: 'echo', action: ECHO, kind: 'python:3' })

  await t.test('create, fire, get, update, delete', async () => {
    let r = wsk('trigger', 'create', 'tick', '--feed', '/whisk.system/alarms/alarm', '-p', 'cron', '* * * * * *',
      '-p', 'trigger_payload', '{"n":7}')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /ok: created trigger tick/)
    const trig = await ow.triggers.get({ name: 'tick' })
    assert.equal(annot(trig, 'feed'), '/whisk.system/alarms/alarm')
    await ow.rules.create({ name: 'tick-echo', trigger: 'tick', action: 'echo' })
    const recs = await fires(ow, 'tick', 2)
    const dues = recs.map(x => annot(x, 'due'))
    for (const [i, rec] of recs.entries()) {
      assert.equal(dues[i] % 1000, 0, 'due on a whole second')
      assert.ok(dues[i] <= rec.start, 'no fire before it is due')
      assert.equal(annot(rec, 'feed'), '/whisk.system/alarms/alarm')
      assert.equal(rec.response.result.n, 7)
    }
    assert.equal(new Set(dues).size, dues.length, 'each due time fired once')
    const ran = await fires(ow, 'echo', 1)
    assert.equal(ran[0].response.result.n, 7)

    r = wsk('trigger', 'get', 'tick')
    assert.equal(r.status, 0, r.err)
    assert.match(r.out, /"cron": "\* \* \* \* \* \*"/)
    assert.match(r.out, /"nextFire": "\d{4}-/)

    r = wsk('trigger', 'update', 'tick', '-p', 'cron', '0 0 1 1 *', '-p', 'timezone', 'Europe/Paris')
    assert.equal(r.status, 0, r.err)
    const read = await b.raw('POST', '/api/v1/namespaces/whisk.system/actions/alarms/alarm?blocking=true&result=true',
      { body: { lifecycleEvent: 'READ', triggerName: '/_/tick', authKey: b.auth } })
    assert.equal(read.status, 200)
    assert.equal(read.json.config.cron, '0 0 1 1 *')
    assert.match(read.json.status.nextFire, /-12-31T23:00:00.000Z$/, 'midnight of Jan 1 in Paris')

    r = wsk('trigger', 'delete', 'tick')
    assert.equal(r.status, 0, r.err)
    const gone = await b.raw('POST', '/api/v1/namespaces/whisk.system/actions/alarms/alarm?blocking=true',
      { body: { lifecycleEvent: 'READ', triggerName: '/_/tick', authKey: b.auth } })
    assert.equal(gone.status, 404)
  })

  await t.test('bad input: the CREATE fails with why, and wsk deletes the trigger', async () => {
    const cases = [
      [['alarm', 'cron', '61 * * * *'], /minutes field '61' is not valid/],
      [['alarm', 'cron', '* * *'], /has 3 fields/],
      [['alarm', 'cron', '* * * * *', 'timezone', 'Mars/Olympus'], /timezone 'Mars\/Olympus' is not a time zone/],
      [['alarm', 'cron', '* * * * *', 'stopDate', '2001-01-01T00:00:00Z'], /stopDate 2001-01-01T00:00:00Z is in the past/],
      [['alarm', 'cron', '0 0 31 2 *'], /would never fire/],
      [['alarm'], /cron parameter is required/],
      [['once', 'date', '2001-01-01T00:00:00Z'], /date 2001-01-01T00:00:00Z is in the past/],
      [['once', 'date', 'tomorrow'], /date 'tomorrow' is not a date/],
      [['interval', 'minutes', '0'], /minutes must be between 1 and/],
      [['interval'], /minutes parameter is required/],
      [['alarm', 'cron', '* * * * *', 'trigger_payload', '[1]'], /trigger_payload must be a JSON object/]
    ]
    for (const [[feed, ...kv], why] of cases) {
      const args = ['trigger', 'create', 'bad', '--feed', `/whisk.system/alarms/${feed}`]
      for (let i = 0; i < kv.length; i += 2) args.push('-p', kv[i], kv[i + 1])
      const r = wsk(...args)
      assert.notEqual(r.status, 0, `${kv} was taken`)
      assert.match(r.err, why)
      await assert.rejects(ow.triggers.get({ name: 'bad' }), e => e.statusCode === 404, `${kv} left the trigger`)
    }
  })

  await t.test('once, deleteAfterFire: one fire, then its rule and itself are gone', async () => {
    const date = new Date(Date.now() + 1500).toISOString()
    const r = wsk('trigger', 'create', 'one', '--feed', '/whisk.system/alarms/once', '-p', 'date', date,
      '-p', 'deleteAfterFire', 'true', '-p', 'trigger_payload', '{"once":true}')
    assert.equal(r.status, 0, r.err)
    await ow.rules.create({ name: 'one-echo', trigger: 'one', action: 'echo' })
    const recs = await fires(ow, 'one', 1)
    assert.equal(annot(recs[0], 'due'), Date.parse(date))
    await poll(() => ow.triggers.get({ name: 'one' }).then(() => null, e => e.statusCode === 404))
    await assert.rejects(ow.rules.get({ name: 'one-echo' }), e => e.statusCode === 404)
    assert.equal((await ow.activations.list({ name: 'one', limit: 200 })).length, 1)
  })
})

test('every other feed with the real wsk and the npm client: create, get, update, delete', { skip: !WSK ? 'wsk not found' : !MOSQUITTO && 'mosquitto not installed (scripts/deps)' }, async t => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-feeds-'))
  const mport = await new Promise(resolve => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) }) })
  fs.writeFileSync(path.join(root, 'mosquitto.conf'), `listener ${mport} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n`)
  const mq = spawn(MOSQUITTO, ['-c', path.join(root, 'mosquitto.conf')], { stdio: 'ignore' })
  await poll(() => new Promise(resolve => {
    const c = net.connect(mport, '127.0.0.1', () => { c.destroy(); resolve(true) })
    c.on('error', () => resolve(false))
  }))
  const b = await start(['--watch-root', root])
  const wsk = wskOf(b)
  t.after(async () => { await b.close(); mq.kill('SIGKILL'); fs.rmSync(root, { recursive: true, force: true }) })
  const read = (feed, name) => b.raw('POST', `/api/v1/namespaces/whisk.system/actions/${feed}?blocking=true&result=true`,
    { body: { lifecycleEvent: 'READ', triggerName: `/_/${name}`, authKey: b.auth } })
  const feeds = [ // the feed, its CREATE's parameters, then UPDATE's, and what READ shows after the UPDATE
    ['alarms/interval', ['minutes', '5'], ['minutes', '7'], c => c.minutes === 7],
    ['files/changes', ['path', root], ['path', root, 'pattern', '*.csv'], c => c.path === root && c.pattern === '*.csv'],
    ['webhooks/webhook', [], ['secret', 's3cret'], c => c.secret === '(hidden)'],
    ['mqtt/subscribe', ['url', `mqtt://127.0.0.1:${mport}`, 'topic', 'a/#'], ['url', `mqtt://127.0.0.1:${mport}`, 'topic', 'b/+'], c => c.topic === 'b/+']
  ]
  for (const [feed, create, update, updated] of feeds) {
    const name = feed.replace('/', '-')
    const p = kv => kv.flatMap((x, i) => i % 2 ? [] : ['-p', x, kv[i + 1]])
    let r = wsk('trigger', 'create', name, '--feed', `/whisk.system/${feed}`, ...p(create))
    assert.equal(r.status, 0, `${feed}: ${r.err}`)
    assert.match(r.out, new RegExp(`ok: created trigger ${name}`))
    r = wsk('trigger', 'get', name)
    assert.equal(r.status, 0, `${feed}: ${r.err}`)
    assert.match(r.out, /"status"/, `${feed}: get shows the feed's READ`)
    r = wsk('trigger', 'update', name, ...p(update))
    assert.equal(r.status, 0, `${feed}: ${r.err}`)
    const after = await read(feed, name)
    assert.equal(after.status, 200, after.body)
    assert.ok(updated(after.json.config), `${feed}: after UPDATE ${JSON.stringify(after.json.config)}`)
    r = wsk('trigger', 'delete', name)
    assert.equal(r.status, 0, `${feed}: ${r.err}`)
    assert.equal((await read(feed, name)).status, 404, `${feed}: gone with its trigger`)

    // and the same with the npm client's feeds
    const obj = kv => Object.fromEntries(kv.flatMap((x, i) => i % 2 ? [] : [[x, x === 'minutes' ? Number(kv[i + 1]) : kv[i + 1]]]))
    await b.ow.triggers.create({ name })
    await b.ow.feeds.create({ name: `/whisk.system/${feed}`, trigger: name, params: obj(create) })
    const got = (await b.ow.feeds.get({ name: `/whisk.system/${feed}`, trigger: name })).response.result
    assert.ok(got.status, `${feed}: the npm client's get`)
    await b.ow.feeds.update({ name: `/whisk.system/${feed}`, trigger: name, params: obj(update) })
    assert.ok(updated((await read(feed, name)).json.config), `${feed}: the npm client's update`)
    await b.ow.feeds.delete({ name: `/whisk.system/${feed}`, trigger: name })
    await b.ow.triggers.delete({ name })
    assert.equal((await read(feed, name)).status, 404, `${feed}: the npm client's delete`)
  }
})

test('alarms survive kill -9: no fire doubled, missed ones fire once at start', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  await ow.actions.create({ name: 'echo', action: ECHO, kind: 'python:3' })
  await ow.triggers.create({ name: 'k', trigger: { annotations: [{ key: 'feed', value: '/whisk.system/alarms/alarm' }] } })
  const r = await b.raw('POST', '/api/v1/namespaces/whisk.system/actions/alarms/alarm?blocking=true',
    { body: { lifecycleEvent: 'CREATE', triggerName: '/_/k', authKey: b.auth, cron: '* * * * * *' } })
  assert.equal(r.status, 200, r.body)
  await ow.rules.create({ name: 'k-echo', trigger: 'k', action: 'echo' })
  await fires(ow, 'k', 1)
  await b.kill9()
  const down = Date.now()
  await new Promise(resolve => setTimeout(resolve, 2500)) // at least two due times pass while it is down
  await b.start()
  const up = Date.now()
  const recs = await fires(b.ow, 'k', 1, x => x.start >= up - 1000 && !annot(x, 'missed'))
  const all = await fires(b.ow, 'k', recs.length)
  const dues = all.map(x => annot(x, 'due'))
  assert.equal(new Set(dues).size, dues.length, `a due time fired twice: ${dues}`)
  const missed = all.filter(x => annot(x, 'missed'))
  assert.equal(missed.length, 1, 'the fires missed while down are one fire')
  assert.ok(annot(missed[0], 'due') > down - 1000 && annot(missed[0], 'due') < up, 'it is for the first missed due time')
  assert.ok(missed[0].start >= up - 1000, 'made at start')
  for (const x of all) if (!annot(x, 'missed') && x.start >= up) assert.ok(annot(x, 'due') > annot(missed[0], 'due'))
})

test('a user\'s action as a feed gets a key for its trigger alone', { skip: !WSK && 'wsk not found' }, async t => {
  const b = await start()
  const ow = b.ow
  const wsk = wskOf(b)
  t.after(() => b.close())
  await ow.actions.create({ name: 'myfeed', action: FEED, kind: 'python:3' })
  let r = wsk('trigger', 'create', 'ft', '--feed', 'myfeed', '-p', 'p', 'v')
  assert.equal(r.status, 0, r.err)
  const [rec] = await fires(ow, 'myfeed', 1)
  const res = rec.response.result
  assert.equal(res.event, 'CREATE')
  assert.equal(res.param, 'v')
  assert.notEqual(res.key, b.auth, 'not the caller\'s key')
  assert.ok([202, 204].includes(res.fire), `fire: ${res.fire}`)
  assert.equal(res.read, 200)
  assert.equal(res.actions, 403)
  assert.equal(res.other, 403)
  const other = await b.raw('GET', '/api/v1/namespaces/_/triggers/ft', { auth: res.key })
  assert.equal(other.status, 200)
  r = wsk('trigger', 'delete', 'ft')
  assert.equal(r.status, 0, r.err)
  const del = await fires(ow, 'myfeed', 2)
  assert.equal(del[1].response.result.key, res.key, 'the same key on every lifecycle event')
  assert.equal((await b.raw('GET', '/api/v1/namespaces/_/triggers/ft', { auth: res.key })).status, 401, 'gone with its trigger')
})

test('the npm client\'s feeds: create, get, update, pause and unpause, delete; interval and its startDate', async t => {
  const b = await start()
  const ow = b.ow
  t.after(() => b.close())
  const lifecycle = ev => b.raw('POST', '/api/v1/namespaces/whisk.system/actions/alarms/interval?blocking=true&result=true',
    { body: { lifecycleEvent: ev, triggerName: '/_/every', authKey: b.auth } })
  const first = new Date(Date.now() + 3600e3).toISOString()
  await ow.triggers.create({ name: 'every', trigger: { annotations: [{ key: 'feed', value: '/whisk.system/alarms/interval' }] } })
  const made = await ow.feeds.create({ name: '/whisk.system/alarms/interval', trigger: 'every', params: { minutes: 30, startDate: first } })
  assert.equal(made.response.result.status, 'ok')
  let read = (await ow.feeds.get({ name: '/whisk.system/alarms/interval', trigger: 'every' })).response.result
  assert.equal(read.config.minutes, 30)
  assert.equal(read.status.nextFire, first, 'the first fire is the startDate')
  await ow.feeds.update({ name: '/whisk.system/alarms/interval', trigger: 'every', params: { minutes: 45 } })
  read = (await lifecycle('READ')).json
  assert.deepEqual([read.config.minutes, read.config.startDate], [45, first], 'UPDATE lays the new parameters over the old')
  assert.equal((await lifecycle('PAUSE')).status, 200)
  read = (await lifecycle('READ')).json
  assert.deepEqual([read.status.active, read.status.nextFire], [false, null])
  assert.equal((await lifecycle('UNPAUSE')).status, 200)
  read = (await lifecycle('READ')).json
  assert.deepEqual([read.status.active, read.status.nextFire], [true, first])
  await ow.feeds.delete({ name: '/whisk.system/alarms/interval', trigger: 'every' })
  assert.equal((await lifecycle('READ')).status, 404)
  await assert.rejects(ow.feeds.create({ name: '/whisk.system/alarms/interval', trigger: 'every', params: { minutes: 'soon' } }),
    e => e.statusCode === 400 && /minutes parameter is required/.test(e.message))
})
