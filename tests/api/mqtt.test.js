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
const OPENSSL = ['/usr/bin/openssl', '/bin/openssl'].find(p => fs.existsSync(p))
const missing = !MOSQUITTO ? 'mosquitto not installed (scripts/deps)' : !fs.existsSync(PUB) ? 'mosquitto_pub not installed (mosquitto-clients)' : !OPENSSL ? 'openssl not installed' : false

function freePort () {
  return new Promise(resolve => { const s = net.createServer(); s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) }) })
}

// a CA of the test's, a server certificate it signed for 127.0.0.1, a client
// certificate it signed, and another CA that signed nothing of the broker's
function certs (dir) {
  const ssl = (...args) => execFileSync(OPENSSL, args, { cwd: dir, stdio: 'ignore' })
  const key = name => ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`]
  for (const ca of ['ca', 'other']) ssl('req', '-x509', ...key(ca), '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=faasfs test ${ca}`)
  for (const [name, ext] of [['server', 'subjectAltName=IP:127.0.0.1'], ['client', 'extendedKeyUsage=clientAuth']]) {
    ssl('req', ...key(name), '-out', `${name}.csr`, '-subj', `/CN=${name}`)
    fs.writeFileSync(path.join(dir, `${name}.ext`), ext + '\n')
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`,
      '-days', '2', '-extfile', `${name}.ext`)
  }
  const pem = name => fs.readFileSync(path.join(dir, name), 'utf8')
  return { ca: pem('ca.pem'), other: pem('other.pem'), cert: pem('client.pem'), key: pem('client.key') }
}

// a broker on port that wants user u, password p; and with tls, over TLS on
// tls.port, and on tls.mutual with a client certificate besides
async function broker (dir, port, tls) {
  const conf = path.join(dir, 'mosquitto.conf')
  const pw = path.join(dir, 'passwd')
  const files = `cafile ${dir}/ca.pem\ncertfile ${dir}/server.pem\nkeyfile ${dir}/server.key\n`
  if (!fs.existsSync(pw)) execFileSync('/usr/bin/mosquitto_passwd', ['-c', '-b', pw, 'u', 'p'])
  fs.writeFileSync(conf, `listener ${port} 127.0.0.1\n` +
    (tls ? `listener ${tls.port} 127.0.0.1\n${files}listener ${tls.mutual} 127.0.0.1\n${files}require_certificate true\n` : '') +
    `allow_anonymous false\npassword_file ${pw}\npersistence false\nuser root\n`)
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
  const tls = { port: await freePort(), mutual: await freePort() }
  const pems = certs(dir)
  let mq = await broker(dir, port, tls)
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
      [{ url: `http://127.0.0.1:${port}`, topic: 'a' }, /is not mqtt\[s\]:\/\//],
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

  await t.test('mqtts://: the broker\'s certificate checked against ca (else the system\'s), its name, a client certificate', async () => {
    await ow.triggers.create({ name: 'secure', trigger: { annotations: [{ key: 'feed', value: '/whisk.system/mqtt/subscribe' }] } })
    await ow.rules.create({ name: 'secure-echo', trigger: 'secure', action: 'echo' })
    const create = params => lifecycle(b, Object.assign({ lifecycleEvent: 'CREATE', triggerName: '/_/secure', topic: 'secure/#' }, params))
    const at = (p, host = '127.0.0.1') => `mqtts://u:p@${host}:${p}`
    const refusals = [
      [{ url: at(tls.port), ca: pems.other }, /127\.0\.0\.1:\d+'s certificate is refused: (self.signed certificate in certificate chain|unable to get local issuer certificate)\./],
      [{ url: at(tls.port) }, /certificate is refused: (self.signed certificate in certificate chain|unable to get local issuer certificate)\./], // the system's store: our CA is not in it
      [{ url: at(tls.port, 'localhost'), ca: pems.ca }, /certificate is refused: [Hh]ostname mismatch/],
      [{ url: at(tls.mutual), ca: pems.ca }, /cannot be reached over TLS|cannot be reached/], // no client certificate
      [{ url: at(tls.port), ca: 'not a certificate' }, /ca parameter holds no PEM certificate/],
      [{ url: at(tls.port), ca: pems.ca, cert: pems.cert }, /both the cert and key parameters/],
      [{ url: at(tls.port), ca: pems.ca, cert: pems.cert, key: pems.ca }, /key parameter is not a PEM private key/],
      [{ url: `mqtt://u:p@127.0.0.1:${port}`, ca: pems.ca }, /ca parameter is for an mqtts:\/\/ url only/],
      [{ url: at(tls.port), ca: pems.ca, insecure: 'yes' }, /insecure parameter is true or false/]
    ]
    for (const [params, why] of refusals) {
      const r = await create(params)
      assert.equal(r.status, 400, JSON.stringify(params).slice(0, 200))
      assert.match(r.json.error, why)
      assert.equal((await lifecycle(b, { lifecycleEvent: 'READ', triggerName: '/_/secure' })).status, 404)
    }
    const works = [
      { url: at(tls.port), ca: pems.ca },
      { url: at(tls.port, 'localhost'), ca: pems.ca, insecure: true }, // the name unchecked, the chain still checked
      { url: at(tls.mutual), ca: pems.ca, cert: pems.cert, key: pems.key }
    ]
    for (const [i, params] of works.entries()) {
      const r = await create(params)
      assert.equal(r.status, 200, r.body)
      await seen(ow, port, `secure ${i}`, 'secure/ready')
      const read = await lifecycle(b, { lifecycleEvent: 'READ', triggerName: '/_/secure' })
      assert.match(read.json.config.url, /^mqtts:\/\/u:\(hidden\)@/)
      if (params.key) assert.equal(read.json.config.key, '(hidden)')
      assert.equal((await lifecycle(b, { lifecycleEvent: 'DELETE', triggerName: '/_/secure' })).status, 200)
    }
  })

  await t.test('the broker dies and comes back: the subscription reconnects', async () => {
    await mq.kill()
    mq = await broker(dir, port, tls)
    await seen(ow, port, 'back again')
  })

  await t.test('the backend restarts: the subscription is made again', async () => {
    await b.stop()
    await b.start()
    await seen(b.ow, port, 'after restart')
  })
})
