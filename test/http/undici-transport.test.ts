import { undiciTransport } from '../../src/http/undici-transport.js'
import { describeTransport } from './transport-contract.js'

describeTransport('undiciTransport', undiciTransport)
