// if, literal
const composer = require('openwhisk-composer')

module.exports = composer.if(p => p.n > 0, composer.literal({ sign: 'positive' }), composer.literal({ sign: 'not positive' }))
