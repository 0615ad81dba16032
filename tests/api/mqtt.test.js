// mqtt.test.js — /whisk.system/mqtt/subscribe against Debian's real mosquitto broker.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const net = require('node:net')
const { spawn, execFileSync } = require('node:child_process')
const { start, poll } = require('./helper')

const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find(p => fs.existsSync(p))
const PUB = '/usr/bin/mosquitto_pub'
const missing = !MOSQUITTO ? 'mosquitto not installed (scripts/deps)' : !fs.existsSync(PUB) ? 'mosquitto_pub not installed (mosquitto-clients)' : false

function freePort () {
  return new Promise(resolve => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) }) })
}

// a broker on port that wants user u, password p
async function broker (dir, port) {
  const conf = path.join(dir, 'mosquitto.conf')
  const pw = path.join(dir, 'passwd')
  if (!fs.existsSync(pw)) execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', pw, 'u', 'p'])
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous false\npassword_file ${pw}\npersistence false\nuser root\n`)
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' })
  await poll(() => new Promise(resolve => {
    const c = net.connect(port, '127.0.0.1', () => { c.destroy(); resolve(true) })
    c.on('error', () => resolve(false))
  }))
  const exited = new Promise(resolve => child.on('exit', resolve))
  return { child, kill: async () => { child.kill('SIGKILL'); await exited } }
}

function pub (port, topic, opts) {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-u', 'u', '-P', 'p', '-t', topic, '-q', '1']
  execFileSync(PUB, opts.file ? [...args, '-f', opts.file] : [...args, '-m', opts.m])
}

const lifecycle = (b, body) => b.raw('POST', '/api/v1/namespaces/whisk.system/actions/mqtt/subscribe?blocking=true&result=true',
  { body: Object.assign({ authKey: b.auth }, body) })

// the messages the action saw, once one on `topic` with payload `last` is among them
async function seen (ow, port, last, topic = 'sensors/ready/temp') {
  return poll(async () => {
    if (topic) pub(port, topic, { m: last })   // again until subscribed: no timing assumed
    const l = await ow.activations.list({ name: 'echo', docs: true, limit: 200 })
    const res = l.map(x => x.response.result)
    return res.some(r => r.payload === last) ? res : null
  }, 200)
}

test('mqtt', { skip: missing }, async t => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-mqtt-'))
  const port = await freePort()
  let mq = await broker(dir, port)
  const b = await start()
  const ow = b.ow
  t.after(async () => { await b.close(); await mq.kill(); fs.rmSync(dir, { recursive: true, force: true }) })
  await ow.actions.create({ name: 'echo', action: 'def main(a):\n    return a\n', kind: 'python:3' })
  await ow.triggers.create({ name: 'temps', trigger: { annotations: [{ key: 'feed', value: '/whisk.system/mqtt/subscribe' }] } })
  await ow.rules.create({ name: 'temps-echo', trigger: 'temps', action: 'echo' })

  await t.test('bad input: unreachable, refused credentials, bad topic, url, qos: 400 why, nothing set up', async () => {
    const dead = await freePort()
    const cases = [
      [{ url: `mqtt://u:p@127.0.0.1:${dead}`, topic: 'a' }, /cannot be reached: Connection refused/],
      [{ url: `mqtt://u:wrong@127.0.0.1:${port}`, topic: 'a' }, /refused the connection: Connection Refused: not authori[sz]ed/],
      [{ url: `mqtt://127.0.0.1:${port}`, topic: 'a/#/b' }, /topic 'a\/#\/b' is not a subscription/],
      [{ url: `http://127.0.0.1:${port}`, topic: 'a' }, /is not mqtt:\/\//],
      [{ url: `mqtt://u:p@127.0.0.1:${port}`, topic: 'a', qos: 3 }, /qos must be 0, 1 or 2/],
      [{ topic: 'a' }, /url parameter is required/]
    ]
    for (const [params, why] of cases) {
      const r = await lifecycle(b, Object.assign({ lifecycleEvent: 'CREATE', triggerName: '/_/temps' }, params))
      assert.equal(r.status, 400, JSON.stringify(params))
      assert.match(r.json.error, why)
      assert.equal((await lifecycle(b, { lifecycleEvent: 'READ', triggerName: '/_/temps' })).status, 404)
    }
  })

  await t.test('one fire a message: text raw, bytes base64, wildcards; credentials hidden', async () => {
    const r = await lifecycle(b, { lifecycleEvent: 'CREATE', triggerName: '/_/temps', url: `mqtt://u:p@127.0.0.1:${port}`, topic: 'sensors/+/temp', qos: 1 })
    assert.equal(r.status, 200, r.body)
    await seen(ow, port, 'ready')
    pub(port, 'sensors/kitchen/temp', { m: '21.5' })
    pub(port, 'sensors/kitchen/humidity', { m: 'not mine' })
    const bin = path.join(dir, 'bin')
    fs.writeFileSync(bin, Buffer.from([0x00, 0xff, 0x10]))
    pub(port, 'sensors/cellar/temp', { file: bin })
    pub(port, 'sensors/end/temp', { m: 'end' })
    const res = await seen(ow, port, 'end', null)
    const kitchen = res.filter(x => x.topic === 'sensors/kitchen/temp')
    assert.equal(kitchen.length, 1)
    assert.deepEqual({ payload: kitchen[0].payload, qos: kitchen[0].qos, encoding: kitchen[0].encoding }, { payload: '21.5', qos: 1, encoding: undefined })
    const cellar = res.find(x => x.topic === 'sensors/cellar/temp')
    assert.equal(cellar.encoding, 'base64')
    assert.deepEqual([...Buffer.from(cellar.payload, 'base64')], [0x00, 0xff, 0x10])
    assert.ok(!res.some(x => x.topic === 'sensors/kitchen/humidity'))
    const read = await lifecycle(b, { lifecycleEvent: 'READ', triggerName: '/_/temps' })
    assert.equal(read.json.config.topic, 'sensors/+/temp')
    assert.equal(read.json.config.url, `mqtt://u:(hidden)@127.0.0.1:${port}`)
  })

  await t.test('the broker dies and comes back: the subscription reconnects', async () => {
    await mq.kill()
    mq = await broker(dir, port)
    await seen(ow, port, 'back again')
  })

  await t.test('the backend restarts: the subscription is made again', async () => {
    await b.stop()
    await b.start()
    await seen(b.ow, port, 'after restart')
  })
})
