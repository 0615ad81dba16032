// let, while, dowhile, repeat
const composer = require('openwhisk-composer')

module.exports = composer.let({ i: 3 },
  composer.while(() => i-- > 0, p => ({ n: p.n + 1 })), // three times
  composer.dowhile(p => ({ n: p.n * 10 }), () => false), // once, though false
  composer.repeat(2, p => ({ n: p.n + 5 }))) // twice
