// BullMQ processes that the tests and the broker benchmark start and kill:
//
//   node bullmq_worker.js <port> hang <queue>
//       A Worker (lock 1 s; its stalled check, which blocks other workers' checks for the
//       interval, every 0.5 s) whose processor never returns: killed with SIGKILL, it leaves a
//       stalled job behind (bullmq_features.js).
//   node bullmq_worker.js <port> work <queue> <effects-file|-> <concurrency> [lock-ms]
//       A Worker that appends "<data.id>\n" to the effects file for each job it runs (one
//       appendFileSync: node runs the processors on one thread, so lines never interleave), or
//       does nothing with "-". Runs until SIGTERM, then closes the worker and exits 0. With
//       lock-ms, job locks last that long (default 30 s) and the stalled check runs every
//       lock-ms / 2: a job fetched just as the server died, whose fetch reply was lost, stays
//       active under its lock until the check takes it back; it prints "stalled <id>" then.
//   node bullmq_worker.js <port> push <queue> <first> <count> <acked-file> [bulk]
//       Adds jobs with data {id} and jobId "j<id>" for ids first .. first+count-1, one add at a
//       time (or addBulk batches of 100 with "bulk"), appending each id to acked-file once its
//       add resolved. ioredis (maxRetriesPerRequest: null) holds commands while the server is
//       down and sends them again after it reconnects; an add that still fails is retried, and
//       the fixed jobId makes a retried add that had landed a no-op.
'use strict';
const fs = require('fs');
const { Queue, Worker } = require('bullmq');

const [port, mode, queueName, ...rest] = process.argv.slice(2);
const connection = { host: '127.0.0.1', port: Number(port), maxRetriesPerRequest: null };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function hang() {
  const worker = new Worker(queueName, () => new Promise(() => {}),
                            { connection, lockDuration: 1000, stalledInterval: 500 });
  worker.on('error', () => {});
}

async function work(effects, concurrency, lockMs) {
  const record = effects === '-' ? () => {} : (id) => fs.appendFileSync(effects, `${id}\n`);
  const locks = lockMs ? { lockDuration: Number(lockMs), stalledInterval: Number(lockMs) / 2 } : {};
  const worker = new Worker(queueName, async (job) => { record(job.data.id); },
                            { connection, concurrency: Number(concurrency), ...locks });
  worker.on('stalled', (jobId) => console.log(`stalled ${jobId}`));
  // Connection errors while the server is down: ioredis reconnects by itself.
  worker.on('error', (err) => console.error(`worker error: ${err.message}`));
  process.on('SIGTERM', async () => {
    await worker.close();
    process.exit(0);
  });
}

async function push(first, count, ackedPath, bulk) {
  const queue = new Queue(queueName, { connection });
  queue.on('error', (err) => console.error(`queue error: ${err.message}`));
  const acked = fs.openSync(ackedPath, 'a');
  const step = bulk === 'bulk' ? 100 : 1;
  const end = Number(first) + Number(count);
  for (let i = Number(first); i < end; i += step) {
    const ids = [];
    for (let k = i; k < Math.min(i + step, end); k++) ids.push(k);
    for (let attempt = 1; ; attempt++) {
      try {
        if (step === 1) {
          await queue.add('count', { id: ids[0] }, { jobId: `j${ids[0]}` });
        } else {
          await queue.addBulk(ids.map((id) => ({ name: 'count', data: { id },
                                                 opts: { jobId: `j${id}` } })));
        }
        break;
      } catch (err) {
        console.error(`push ${ids[0]}: ${err.message} (attempt ${attempt}, retrying)`);
        if (attempt >= 600) throw err;
        await sleep(100);
      }
    }
    fs.writeSync(acked, ids.map((id) => `${id}\n`).join(''));
  }
  fs.closeSync(acked);
  await queue.close();
}

const modes = { hang, work, push };
if (!modes[mode]) {
  console.error('usage: bullmq_worker.js <port> hang|work|push <queue> ...');
  process.exit(2);
}
modes[mode](...rest).catch((err) => {
  console.error(err && err.stack ? err.stack : err);
  process.exit(1);
});
