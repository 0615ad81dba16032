// helper.js — start a real faasfs-backend for a test file and talk to it.
//
// Each call to start() runs the real daemon on a free port with a fresh
// --data directory and HOME (so ~/.wskprops is never the user's), with
// FAASFS_AUTH set to a random credential, and returns the real `openwhisk`
// npm client bound to it, plus a raw HTTP helper for what the client
// cannot send (bad JSON, raw bodies, wrong keys).
'use strict'

const { spawn, execFileSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const openwhisk = require('openwhisk')

const TOP = path.resolve(__dirname, '..', '..')
const BACKEND = process.env.FAASFS_BACKEND || path.join(TOP, 'backend', 'faasfs-backend')

// Every backend still running, so that a test file that ends early (a
// failed assertion, a cancelled run, a signal) does not leave one behind
// with its containers: they get SIGKILL when this process goes, and their
// containers die with them.
const running = new Set()

// The kind this host runs node actions as, as the backend names it from
// /usr/bin/node's version: nodejs:20 with node 20, nodejs:18 on Debian 12.
const NODE_KIND = 'nodejs:' + execFileSync('/usr/bin/node', ['-p', 'process.versions.node.split(".")[0]']).toString().trim()
process.on('exit', () => { for (const child of running) child.kill('SIGKILL') })
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(sig, () => {
    for (const child of running) child.kill('SIGKILL')
    process.kill(process.pid, sig)
  })
}

function freePort () {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function credential () {
  return `${crypto.randomUUID()}:${crypto.randomBytes(32).toString('hex')}`
}

// raw(port, method, path, {body, headers, auth}) -> {status, headers, body, json}
function raw (port, method, urlPath, opts = {}) {
  const headers = Object.assign({}, opts.headers || {})
  if (opts.auth !== null && opts.auth !== undefined) {
    headers.authorization = 'Basic ' + Buffer.from(opts.auth).toString('base64')
  }
  let body = opts.body
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) {
    body = JSON.stringify(body)
    headers['content-type'] = headers['content-type'] || 'application/json'
  }
  if (body !== undefined) headers['content-length'] = Buffer.byteLength(body)
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: urlPath, headers }, res => {
      const chunks = []
      res.on('data', c => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString()
        let json
        try { json = JSON.parse(text) } catch (e) { json = undefined }
        resolve({ status: res.statusCode, headers: res.headers, body: text, json })
      })
    })
    req.on('error', reject)
    if (body !== undefined) req.write(body)
    req.end()
  })
}

async function waitUp (port, child, log) {
  for (let i = 0; i < 400; i++) {
    if (child.exitCode !== null) throw new Error(`faasfs-backend exited: ${fs.readFileSync(log, 'utf8')}`)
    try {
      const r = await raw(port, 'GET', '/api/v1')
      if (r.status === 200) return
    } catch (e) { /* not yet */ }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error('faasfs-backend did not come up: ' + fs.readFileSync(log, 'utf8'))
}

class Backend {
  constructor (dir, args) {
    this.dir = dir
    this.data = path.join(dir, 'data')
    this.home = path.join(dir, 'home')
    this.log = path.join(dir, 'backend.log')
    this.args = args
    this.auth = credential()
    fs.mkdirSync(this.home, { recursive: true })
  }

  async start () {
    this.port = this.port || await freePort()
    const out = fs.openSync(this.log, 'a')
    this.child = spawn(BACKEND, ['--listen', `127.0.0.1:${this.port}`, '--data', this.data, ...this.args], {
      env: Object.assign({}, process.env, { HOME: this.home, FAASFS_AUTH: this.auth }),
      stdio: ['ignore', out, out]
    })
    fs.closeSync(out)
    const child = this.child
    running.add(child)
    this.exited = new Promise(resolve => child.on('exit', (...args) => { running.delete(child); resolve(...args) }))
    await waitUp(this.port, this.child, this.log)
    this.apihost = `http://127.0.0.1:${this.port}`
    this.ow = this.client(this.auth)
    return this
  }

  client (auth, namespace) {
    return openwhisk({ apihost: this.apihost, api_key: auth, namespace: namespace || '_' })
  }

  raw (method, urlPath, opts = {}) {
    return raw(this.port, method, urlPath, Object.assign({ auth: this.auth }, opts))
  }

  // a second namespace through the daemon's own command; returns its credential
  addNamespace (name) {
    return execFileSync(BACKEND, ['--data', this.data, '--add-namespace', name], {
      env: Object.assign({}, process.env, { HOME: this.home })
    }).toString().trim()
  }

  async kill9 () {
    this.child.kill('SIGKILL')
    await this.exited
  }

  async stop () {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM')
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10000)
      await this.exited
      clearTimeout(timer)
    }
  }

  async close () {
    await this.stop()
    if (!process.env.FAAS_KEEP) fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

// start(args): a running backend with a fresh store.
async function start (args = []) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-api-'))
  const extra = process.env.FAASFS_TEST_ARGS ? process.env.FAASFS_TEST_ARGS.split(' ') : []
  return new Backend(dir, [...extra, ...args]).start()
}

// poll(fn): call fn until it returns a truthy value (generous; no timing assumptions).
async function poll (fn, tries = 600) {
  let last
  for (let i = 0; i < tries; i++) {
    try {
      last = await fn()
      if (last) return last
    } catch (e) { last = e }
    await new Promise(resolve => setTimeout(resolve, 50))
  }
  throw new Error('poll gave up: ' + (last && last.message ? last.message : JSON.stringify(last)))
}

// findTool('wsk' | 'wskdeploy'): the path of one of Apache OpenWhisk's own
// clients, for tests that hold us to them: $WSK / $WSKDEPLOY, then
// ../shared/tools/NAME beside the clone (our developers' machines), then
// PATH. null when none is present: the caller skips, naming what is missing.
function findTool (name) {
  const env = process.env[name.toUpperCase()]
  const candidates = []
  if (env) candidates.push(env)
  candidates.push(path.join(TOP, '..', 'shared', 'tools', name))
  for (const dir of (process.env.PATH || '').split(':')) if (dir) candidates.push(path.join(dir, name))
  for (const c of candidates) {
    try { fs.accessSync(c, fs.constants.X_OK); return c } catch (e) {}
  }
  return null
}

// Apache OpenWhisk Composer's own tools against backend b: they read
// ~/.wskprops as wsk does, and run without a function's __OW_ variables.
// deploy(NAME, FILE, extra) composes compose/FILE.js (its environment plus
// extra) and deploys it as NAME; it returns what deploy printed.
function composer (b) {
  const bin = path.join(__dirname, 'node_modules', 'openwhisk-composer', 'bin')
  const env = Object.assign({}, process.env, { HOME: b.home })
  for (const k of Object.keys(env)) if (k.startsWith('__OW_')) delete env[k]
  fs.writeFileSync(path.join(b.home, '.wskprops'), `APIHOST=http://127.0.0.1:${b.port}\nAUTH=${b.auth}\n`)
  return {
    deploy (name, file, extra = {}) {
      const json = path.join(b.dir, name + '.json')
      const source = path.join(__dirname, 'compose', file + '.js')
      fs.writeFileSync(json, execFileSync(process.execPath, [path.join(bin, 'compose.js'), source], { env: Object.assign({}, env, extra) }))
      return execFileSync(process.execPath, [path.join(bin, 'deploy.js'), name, json, '-w'], { env }).toString()
    }
  }
}

module.exports = { start, poll, raw, credential, findTool, composer, NODE_KIND }
