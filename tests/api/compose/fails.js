// an error in a component ends the composition with it
const composer = require('openwhisk-composer')

module.exports = composer.sequence('cinc', composer.function(() => ({ error: 'bad' })), 'cinc')
