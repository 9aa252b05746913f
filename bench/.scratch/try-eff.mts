import { benchEfficiency, benchOverhead } from '../backfill.js'
const mode = process.argv[2]
if (mode === 'eff') console.log(JSON.stringify(await benchEfficiency({ calls: Number(process.argv[3]), factor: Number(process.argv[4]), concurrency: Number(process.argv[5] ?? 8) }), null, 1))
else console.log(JSON.stringify(await benchOverhead([Number(process.argv[3])], 16), null, 1))
