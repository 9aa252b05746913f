import { nodeHttpTransport } from '../../src/http/transport-node-http.js'
import { describeTransport } from './transport-contract.js'

describeTransport('nodeHttpTransport', nodeHttpTransport)
