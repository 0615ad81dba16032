// try, finally, retry, mask
const composer = require('openwhisk-composer')

module.exports = composer.let({ k: 0, v: 'outer' },
  composer.try(() => ({ error: 'boom' }), e => ({ caught: e.error })),
  composer.finally(p => ({ error: p.caught + ' again' }), p => ({ after: p.error })),
  composer.retry(2, () => ++k < 3 ? { error: 'not yet' } : { tries: k }),
  composer.let({ v: 'inner' }, composer.mask(p => ({ tries: p.tries, v }))))
