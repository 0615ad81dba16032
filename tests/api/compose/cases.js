// One composition of composer-native.test.js's table, named by $CASE: built with
// compose, it is the same composition the backend steps itself or hands to
// the real conductor. Components (made by the test): inc, fail, pos, lt3,
// echo, dyn, float, types, errzero.
const composer = require('openwhisk-composer')

const cases = {
  // only actions: stepped by the backend, no conductor run
  seq: () => composer.sequence('inc', 'inc', 'inc'),
  try: () => composer.try(composer.sequence('inc', 'fail', 'inc'), 'echo'),
  finally: () => composer.sequence(composer.finally('fail', 'inc'), composer.finally('inc', 'inc')),
  if_nosave: () => composer.if_nosave('pos', 'inc', 'fail'),
  while_nosave: () => composer.while_nosave('lt3', 'inc'),
  dowhile_nosave: () => composer.dowhile_nosave('inc', 'lt3'),
  let_mask: () => composer.let({ x: 1 }, composer.mask('inc'), composer.let({ y: [2] }, 'inc')),
  nested: () => composer.try(composer.let({ a: 1 }, composer.try('fail', 'fail'), 'inc'), 'echo'),
  empty: () => composer.sequence(composer.empty(), 'inc', composer.seq()),
  dynamic: () => composer.sequence('dyn', composer.dynamic(), 'inc'),
  dynamic_bad: () => composer.sequence('inc', composer.dynamic()),
  missing: () => composer.try(composer.sequence('inc', 'nosuch', 'inc'), 'echo'),
  numbers: () => composer.sequence('float', 'types'),
  error0: () => composer.sequence('errzero', 'inc'),
  limit: () => composer.while_nosave('pos', 'inc'),
  // combinators lowered to Composer's own functions (composer_fn.c): stepped by the backend too
  if: () => composer.if('pos', 'inc', 'fail'),
  while: () => composer.while('lt3', 'inc'),
  dowhile: () => composer.dowhile('inc', 'lt3'),
  repeat: () => composer.repeat(2, 'inc', 'inc'),
  retry: () => composer.retry(2, 'fail'),
  retry_ok: () => composer.retry(2, 'inc'),
  literal: () => composer.seq('inc', composer.literal({ k: 1.0, l: [2.0] }), composer.value(false)),
  retain: () => composer.retain('inc', 'inc'),
  retain_catch: () => composer.retain_catch('fail'),
  shadow: () => composer.let({ params: 5, count: 'x' }, composer.if('pos', composer.repeat(1, 'inc'), 'fail')),
  // functions of the user's and names run() cannot declare: the real conductor runs those states
  function: () => composer.sequence('inc', p => ({ n: p.n * 2 }), 'inc'),
  if_fn: () => composer.if(p => p.n > 0, 'inc', composer.literal({ neg: true })),
  while_fn: () => composer.while(p => p.n < 3, 'inc'),
  merge: () => composer.merge('inc'),
  bad_name: () => composer.let({ 'a-b': 1 }, 'inc', composer.literal(3)),
  count_text: () => composer.let({ count: '2' }, composer.while(() => count-- > 0, 'inc')),
  let_fn: () => composer.let({ k: 0 }, 'inc', p => { k = p.n; return p }, 'inc', 'inc', p => ({ n: p.n, k })),
  try_fn: () => composer.try(composer.sequence('inc', () => ({ error: 'thrown' }), 'inc'), composer.sequence(e => ({ n: e.error.length }), 'inc'))
}

module.exports = cases[process.env.CASE]()
