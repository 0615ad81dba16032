// sequence, action (deployed with the composition), function
const composer = require('openwhisk-composer')

module.exports = composer.sequence(
  composer.action('cinc', { action: 'function main({ n }) { return { n: n + 1 } }' }),
  composer.function(({ n }) => ({ n: n * 2 })),
  'cinc')
