// launcher.js — the action loop for node functions, started by faasfs-proxy.
//
// usage: node launcher.js ENTRY MAIN
//        node launcher.js              (a stem cell)
//
// ENTRY is the function's source file, or the folder of an unpacked archive
// (its package.json "main" or index.js). Plain source may be a script whose
// top-level function is MAIN (as OpenWhisk allows), a CommonJS module that
// exports it, or an ES module (import/export syntax, .mjs, or "type":
// "module") that exports it or exports it as default. MAIN may return a value
// or a Promise.
//
// A stem cell starts before the code is known, so node's own start is done
// when an init comes; its first stdin line says what the arguments would
// have: {"entry": ENTRY, "main": MAIN, "cwd": the action's folder, "env":
// {the action's environment}}, and from there on it is the same.
//
// On fd 3 the launcher first writes {"ok":true}, or {"error": "..."} when the
// code does not load, then one line for each run object read from stdin.
// Normally that line is the result itself and runs go one at a time. With
// __OW_ALLOW_CONCURRENT=true the proxy may send the next run before the last
// is answered; each answer is then {"activation_id": ID, "result": RESULT},
// ID being the run object's activation_id, and answers come in the order the
// functions finish.
'use strict';
const fs = require('fs');
const path = require('path');
const Module = require('module');
const readline = require('readline');
const { pathToFileURL } = require('url');

// What OpenWhisk's nodejs runtime gives every function besides node's own
// modules (the openwhisk client: Composer's conductors require it) is in
// node_modules beside this file (package.json there): found after the
// function's own node_modules, as NODE_PATH's are.
process.env.NODE_PATH = [path.join(__dirname, 'node_modules'), process.env.NODE_PATH].filter(Boolean).join(path.delimiter);
Module._initPaths();

const ESM_HINT = /Cannot use import statement|Unexpected token 'export'|import\.meta|await is only valid|Cannot use 'import\.meta'/;

function pick(exports, name) {
	if (!exports) return undefined;
	if (typeof exports[name] === 'function') return exports[name];
	if (exports.default && typeof exports.default[name] === 'function') return exports.default[name];
	if (name === 'main' && typeof exports.default === 'function') return exports.default;
	if (name === 'main' && typeof exports === 'function') return exports;
	return undefined;
}

// A plain source file: compile it as CommonJS with an epilogue that finds a
// top-level function named MAIN even when nothing exports it.
function loadScript(file, name) {
	const src = fs.readFileSync(file, 'utf8');
	const m = new Module(file, null);
	m.filename = file;
	m.paths = Module._nodeModulePaths(path.dirname(file));
	const epilogue = `\n;try { if (typeof ${name} === 'function') module.exports.__faas_main = ${name}; } catch (e) {}\n`;
	m._compile(src + epilogue, file);
	return pick(m.exports, name) || m.exports.__faas_main;
}

async function loadModule(file, name) {
	const ns = await import(pathToFileURL(file).href);
	return pick(ns, name);
}

async function loadEsmSource(file, name) {
	const copy = file.replace(/(\.[cm]?js)?$/, '') + '.faas.mjs';
	fs.copyFileSync(file, copy);
	return loadModule(copy, name);
}

async function load(entry, name) {
	if (!/^[A-Za-z_$][\w$]*$/.test(name)) throw new Error(`'${name}' is not a function name`);
	let file = entry;
	if (fs.statSync(entry).isDirectory()) file = require.resolve(path.resolve(entry));
	if (file.endsWith('.mjs')) return loadModule(file, name);
	try {
		return fs.statSync(entry).isDirectory() ? pick(require(file), name) : loadScript(file, name);
	} catch (e) {
		if (e.code === 'ERR_REQUIRE_ESM' || (e instanceof SyntaxError && ESM_HINT.test(e.message)))
			return file.endsWith('.js') && fs.statSync(entry).isDirectory()
				? loadModule(file, name) : loadEsmSource(file, name);
		throw e;
	}
}

function errorText(e) {
	if (e instanceof SyntaxError && e.stack) {
		const lines = e.stack.split('\n');
		const at = lines.findIndex(l => /^\s+at /.test(l));
		return (at > 0 ? lines.slice(0, at) : lines).join('\n').trim();
	}
	return (e && e.message) || String(e);
}

function encode(obj) {
	try {
		const s = JSON.stringify(obj);
		return s === undefined ? 'null' : s;
	} catch (e) {
		return JSON.stringify({ error: `the result is not JSON: ${e.message}` });
	}
}

function answer(text) {
	fs.writeSync(3, text + '\n');
}

async function activate(fn, msg) {
	for (const [k, v] of Object.entries(msg))
		if (k !== 'value' && typeof v === 'string') process.env['__OW_' + k.toUpperCase()] = v;
	try {
		return await fn(msg.value === undefined ? {} : msg.value);
	} catch (e) {
		console.error(e);
		// "TypeError: x is not a function", not the bare message: the type says what went wrong
		return { error: e instanceof Error ? String(e) : (e && e.message) || String(e) };
	}
}

// A stem cell's first line: the action to become.
function adopt(line) {
	const msg = JSON.parse(line || '{}');
	Object.assign(process.env, msg.env || {});
	process.chdir(msg.cwd || '.');
	return [msg.entry || '', msg.main || 'main'];
}

async function start(entry, name, rl) {
	let fn;
	try {
		fn = await load(entry, name);
		if (typeof fn !== 'function') throw new Error(`the action has no function named '${name}'`);
	} catch (e) {
		console.error(e);
		answer(JSON.stringify({ error: errorText(e) }));
		process.exit(1);
	}
	answer('{"ok":true}');
	const concurrent = process.env.__OW_ALLOW_CONCURRENT === 'true';
	rl.on('line', async line => {
		if (!line.trim()) return;
		const msg = JSON.parse(line);
		const result = await activate(fn, msg);
		if (concurrent)
			answer(`{"activation_id":${JSON.stringify(msg.activation_id)},"result":${encode(result)}}`);
		else
			answer(encode(result));
	});
}

// A stem cell made ahead in a shell (FAASFS_WARM=1, which it takes out of
// its environment at once): it takes now, on a function of its own in a
// file it then removes, the paths its first init and run will take (the
// loader, the compiler, the run), so that they cost less when an action
// comes. Nothing is left behind; a failure only means no warming.
async function warm() {
	const file = path.join(process.cwd(), `.faasfs-warm-${process.pid}.js`);
	try {
		fs.writeFileSync(file, 'function main(args) { return { ok: true }; }\n');
		encode(await activate(await load(file, 'main'), JSON.parse('{"value":{}}')));
	} catch (e) {
		// not warmed
	} finally {
		try {
			fs.unlinkSync(file);
		} catch (e) {
			// never made
		}
	}
}

function main() {
	const warming = process.env.FAASFS_WARM === '1' && process.argv.length < 4;
	delete process.env.FAASFS_WARM;
	if (warming) warm();
	const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
	rl.on('close', () => process.exit(0));
	if (process.argv.length >= 4) {
		start(process.argv[2], process.argv[3], rl);
		return;
	}
	rl.once('line', line => {
		rl.pause();
		let entry, name;
		try {
			[entry, name] = adopt(line);
		} catch (e) {
			answer(JSON.stringify({ error: errorText(e) }));
			process.exit(1);
		}
		start(entry, name, rl).then(() => rl.resume());
	});
}

main();
