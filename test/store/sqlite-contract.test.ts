import { join } from 'node:path'
import { beforeEach, describe } from 'vitest'
import { openStateStore } from '../../src/store/sqlite/index.js'
import { useTempDir } from '../helpers/temp-dir.js'
import { describeCallStatesContract } from './contract/call-states.js'
import { describeContactIndexContract } from './contract/contact-index.js'
import { describeEventQueueContract } from './contract/event-queue.js'
import type { MakeStore } from './contract/harness.js'
import { describeLedgerContract } from './contract/ledger.js'
import { describeLocksContract } from './contract/locks.js'
import { describeMarksContract } from './contract/marks.js'
import { describeRunCheckpointsContract } from './contract/run-checkpoints.js'
import { describeStateStoreContract } from './contract/state-store.js'

const tempDir = useTempDir()

describe('SQLite store contract (a real file)', () => {
  let path = ''
  beforeEach(() => {
    path = join(tempDir(), 'state.sqlite')
  })
  const makeStore: MakeStore = (options = {}) => openStateStore(path, options)

  describeLedgerContract(makeStore)
  describeRunCheckpointsContract(makeStore)
  describeCallStatesContract(makeStore)
  describeEventQueueContract(makeStore)
  describeContactIndexContract(makeStore)
  describeMarksContract(makeStore)
  describeLocksContract(makeStore)
  describeStateStoreContract(makeStore)
})
