// BullMQ against a server on 127.0.0.1:<port> (argv[2]): jobs added, processed and completed,
// a delayed job that runs only after its delay, a job that fails once and is retried. Every
// queue operation of BullMQ is a Lua script (EVALSHA), so this exercises scripting as a queue
// library uses it. Prints "N passed, N failed" and exits non-zero on any failure.
'use strict';
const { Queue, Worker, QueueEvents } = require('bullmq');

const port = Number(process.argv[2]);
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
  } else {
    failed++;
    console.error(`FAILED: ${name}${detail ? ': ' + detail : ''}`);
  }
}

async function main() {
  const queue = new Queue('rill-test', { connection });
  const events = new QueueEvents('rill-test', { connection });
  await events.waitUntilReady();
  const attempts = new Map();
  const processedAt = new Map();
  const worker = new Worker(
    'rill-test',
    async (job) => {
      processedAt.set(job.name, Date.now());
      const n = (attempts.get(job.name) || 0) + 1;
      attempts.set(job.name, n);
      if (job.name === 'flaky' && n === 1) throw new Error('first attempt fails');
      return { doubled: job.data.x * 2 };
    },
    { connection, concurrency: 2 },
  );

  // Plain jobs: added, processed, completed with their return values.
  const jobs = await Promise.all([1, 2, 3].map((x) => queue.add(`plain${x}`, { x })));
  const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(events, 20000)));
  check('plain jobs return their values', JSON.stringify(results.map((r) => r.doubled)) === '[2,4,6]',
        JSON.stringify(results));

  // A delayed job runs after its delay, not before.
  const addedAt = Date.now();
  const delayed = await queue.add('delayed', { x: 5 }, { delay: 1000 });
  check('delayed job waits in the delayed set', (await delayed.getState()) === 'delayed');
  const delayedResult = await delayed.waitUntilFinished(events, 20000);
  check('delayed job completes', delayedResult.doubled === 10, JSON.stringify(delayedResult));
  check('delayed job ran after its delay', processedAt.get('delayed') - addedAt >= 900,
        `${processedAt.get('delayed') - addedAt} ms`);

  // A job that fails once is retried (with backoff) and then completes.
  const flaky = await queue.add('flaky', { x: 7 }, { attempts: 3, backoff: { type: 'fixed', delay: 200 } });
  const flakyResult = await flaky.waitUntilFinished(events, 20000);
  check('retried job completes', flakyResult.doubled === 14, JSON.stringify(flakyResult));
  check('retried job ran twice', attempts.get('flaky') === 2, String(attempts.get('flaky')));
  const reloaded = await queue.getJob(flaky.id);
  check('retried job records its attempts', reloaded.attemptsMade === 2, String(reloaded.attemptsMade));

  const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'delayed', 'active');
  check('job counts', counts.completed === 5 && counts.failed === 0 && counts.waiting === 0 &&
        counts.delayed === 0 && counts.active === 0, JSON.stringify(counts));

  await worker.close();
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
}

const timer = setTimeout(() => {
  console.error('FAILED: the test took more than 60 s');
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 60000);

main().then(
  () => {
    clearTimeout(timer);
    console.log(`${passed} passed, ${failed} failed`);
    process.exit(failed === 0 ? 0 : 1);
  },
  (err) => {
    clearTimeout(timer);
    console.error('FAILED:', err && err.stack ? err.stack : err);
    console.log(`${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  },
);
