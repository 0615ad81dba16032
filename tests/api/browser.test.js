// browser.test.js — a web action's HTML page, loaded in headless Chromium, fetches a second (JSON) web action across origins.
'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { start, findTool, NODE_KIND } = require('./helper')

// The page asks the data action for n items, from another origin (localhost
// against 127.0.0.1) and with a header of its own, so the browser sends a
// CORS preflight (OPTIONS) first and checks the answers' CORS headers.
const PAGE = `function main(args) {
  const data = args.__ow_headers.host.replace(/^127\\.0\\.0\\.1/, 'http://localhost') + '/api/v1/web/guest/default/data.json?n=3'
  return { headers: { 'Content-Type': 'text/html' }, body: \`<!doctype html><html><body><h1 id="t">loading</h1><ul id="l"></ul>
<script>
fetch('\${data}', { headers: { 'X-Asked-By': 'page' } }).then(r => r.json()).then(d => {
  document.getElementById('t').textContent = d.title + ' (' + d.asked + ')'
  for (const i of d.items) { const li = document.createElement('li'); li.textContent = i; document.getElementById('l').appendChild(li) }
}).catch(e => { document.getElementById('t').textContent = 'failed: ' + e })
</script></body></html>\` }
}
`
const DATA = `function main(args) {
  return { title: 'from a web action', asked: args.__ow_headers['x-asked-by'], items: Array.from({ length: Number(args.n) }, (_, i) => 'item ' + (i + 1)) }
}
`

function chromium () {
  if (process.env.CHROMIUM) return process.env.CHROMIUM
  for (const name of ['chromium', 'chromium-browser']) {
    const p = findTool(name)
    if (p) return p
  }
  return null
}

test('a web page in headless Chromium fetches a JSON web action (CORS preflight and all)', async t => {
  const browser = chromium()
  if (!browser) return t.skip('chromium not found (Debian: apt-get install chromium; or set CHROMIUM)')
  const b = await start()
  t.after(() => b.close())
  const web = [{ key: 'web-export', value: true }]
  await b.ow.actions.create({ name: 'page', action: { exec: { kind: NODE_KIND, code: PAGE }, annotations: web } })
  await b.ow.actions.create({ name: 'data', action: { exec: { kind: NODE_KIND, code: DATA }, annotations: web } })
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'faasfs-chromium-'))
  t.after(() => fs.rmSync(profile, { recursive: true, force: true }))

  // --virtual-time-budget lets the page's fetches finish before the DOM is dumped
  const dom = execFileSync(browser, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--user-data-dir=' + profile,
    '--virtual-time-budget=30000', '--dump-dom', `${b.apihost}/api/v1/web/guest/default/page`],
  { stdio: ['ignore', 'pipe', 'ignore'], timeout: 60000 }).toString()
  assert.match(dom, /<h1 id="t">from a web action \(page\)<\/h1>/, dom)
  assert.match(dom, /<ul id="l"><li>item 1<\/li><li>item 2<\/li><li>item 3<\/li><\/ul>/, dom)
})
