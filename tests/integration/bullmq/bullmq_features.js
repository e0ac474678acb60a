// BullMQ's features against a server on 127.0.0.1:<port> (argv[2]), one queue per feature:
// Worker add and process with return values, delayed jobs, retries with fixed and exponential
// backoff ending in the failed set, priorities, FlowProducer parent/child flows, QueueEvents
// (added, active, progress, completed, failed), job schedulers and repeatable jobs, and a
// stalled job recovered after its worker process is killed with SIGKILL (the worker is
// bullmq_worker.js, a separate node process). Prints "ok: ..." / "FAILED: ..." per check and
// "N passed, N failed"; exits non-zero on any failure.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const { FlowProducer, Queue, QueueEvents, Worker } = require('bullmq');

const port = Number(process.argv[2]);
const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) {
    passed++;
    console.log(`ok: ${name}`);
  } else {
    failed++;
    console.error(`FAILED: ${name}${detail !== undefined ? ': ' + detail : ''}`);
  }
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function waitFor(predicate, ms) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value || Date.now() > deadline) return value;
    await sleep(50);
  }
}

// Everything a section opened, closed at its end (workers first).
const opened = [];
function keep(thing) {
  opened.push(thing);
  return thing;
}
async function closeAll() {
  for (const thing of opened.reverse()) await thing.close();
  opened.length = 0;
}

async function addAndProcess() {
  const queue = keep(new Queue('f-basic', { connection }));
  const events = keep(new QueueEvents('f-basic', { connection }));
  await events.waitUntilReady();
  const seen = [];
  keep(new Worker('f-basic', async (job) => {
    seen.push(job.id);
    return { sum: job.data.a + job.data.b, echo: job.data.s };
  }, { connection, concurrency: 4 }));
  const jobs = await Promise.all([1, 2, 3, 4, 5].map((a) =>
    queue.add('add', { a, b: 10, s: `h\u00e9llo ${a} \u2603` })));
  const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(events, 20000)));
  check('jobs added with Queue.add run in a Worker and return their values',
        JSON.stringify(results.map((r) => r.sum)) === '[11,12,13,14,15]' &&
        results[2].echo === 'h\u00e9llo 3 \u2603', JSON.stringify(results));
  check('each job ran once', seen.length === 5 && new Set(seen).size === 5, seen.join(','));
  const stored = await queue.getJob(jobs[0].id);
  check('a completed job keeps its return value and state',
        stored.returnvalue.sum === 11 && (await stored.getState()) === 'completed' &&
        stored.finishedOn >= stored.processedOn, JSON.stringify(stored.returnvalue));
  const bulk = await queue.addBulk([{ name: 'b', data: { a: 1, b: 1 } },
                                   { name: 'b', data: { a: 2, b: 2 } }]);
  const bulkResults = await Promise.all(bulk.map((j) => j.waitUntilFinished(events, 20000)));
  check('addBulk jobs run', bulkResults.map((r) => r.sum).join() === '2,4');
  const counts = await queue.getJobCounts('completed', 'waiting', 'active', 'failed');
  check('getJobCounts after 7 jobs', counts.completed === 7 && counts.waiting === 0 &&
        counts.active === 0 && counts.failed === 0, JSON.stringify(counts));
  const custom = await queue.add('custom', { a: 0, b: 0 }, { jobId: 'my-id' });
  const again = await queue.add('custom', { a: 9, b: 9 }, { jobId: 'my-id' });
  check('a custom jobId is not added twice', custom.id === 'my-id' && again.id === 'my-id');
  await custom.waitUntilFinished(events, 20000);
  check('the job with a custom id ran once', seen.filter((id) => id === 'my-id').length === 1);
  await closeAll();
}

async function delayed() {
  const queue = keep(new Queue('f-delay', { connection }));
  const events = keep(new QueueEvents('f-delay', { connection }));
  await events.waitUntilReady();
  const ranAt = new Map();
  keep(new Worker('f-delay', async (job) => { ranAt.set(job.name, Date.now()); return 1; },
                  { connection }));
  const addedAt = Date.now();
  const late = await queue.add('late', {}, { delay: 1500 });
  const early = await queue.add('early', {}, { delay: 500 });
  check('delayed jobs wait in the delayed set', (await late.getState()) === 'delayed' &&
        (await queue.getDelayedCount()) === 2);
  await Promise.all([late, early].map((j) => j.waitUntilFinished(events, 20000)));
  const e = ranAt.get('early') - addedAt;
  const l = ranAt.get('late') - addedAt;
  check('a delayed job runs after its delay, not before', e >= 450 && l >= 1450 && e < l,
        `early ${e} ms, late ${l} ms`);
  check('and not much later either', l < 6000, `${l} ms`);
  await closeAll();
}

async function retries() {
  const queue = keep(new Queue('f-retry', { connection }));
  const events = keep(new QueueEvents('f-retry', { connection }));
  await events.waitUntilReady();
  const attempts = new Map();
  keep(new Worker('f-retry', async (job) => {
    const list = attempts.get(job.name) || [];
    list.push(Date.now());
    attempts.set(job.name, list);
    if (job.name === 'always' || list.length < 3) throw new Error(`attempt ${list.length} fails`);
    return 'third time';
  }, { connection, concurrency: 2 }));
  const expo = await queue.add('expo', {}, { attempts: 4, backoff: { type: 'exponential', delay: 200 } });
  const always = await queue.add('always', {}, { attempts: 2, backoff: { type: 'fixed', delay: 300 } });
  const result = await expo.waitUntilFinished(events, 20000);
  const t = attempts.get('expo');
  check('a job failing twice completes on its third attempt', result === 'third time' &&
        t.length === 3, `${result}, ${t.length} attempts`);
  // Exponential: 200 ms after the first failure, 400 ms after the second.
  check('exponential backoff spaces the attempts', t[1] - t[0] >= 180 && t[2] - t[1] >= 380,
        `${t[1] - t[0]} ms, ${t[2] - t[1]} ms`);
  let failure = null;
  try {
    await always.waitUntilFinished(events, 20000);
  } catch (err) {
    failure = err;
  }
  check('a job failing every attempt ends failed', failure && /attempt 2 fails/.test(failure.message),
        String(failure));
  const a = attempts.get('always');
  check('fixed backoff: its 2 attempts 300 ms apart', a.length === 2 && a[1] - a[0] >= 280,
        a.map((x) => x - a[0]).join());
  const stored = await queue.getJob(always.id);
  check('the failed job records attempts and reason', stored.attemptsMade === 2 &&
        stored.failedReason === 'attempt 2 fails' && (await stored.getState()) === 'failed' &&
        stored.stacktrace.length === 2, `${stored.attemptsMade} ${stored.failedReason}`);
  check('getFailed lists it', (await queue.getFailed()).map((j) => j.id).join() === always.id);
  await stored.retry();
  await waitFor(() => attempts.get('always').length === 3, 5000);
  check('Job.retry() runs a failed job again', attempts.get('always').length === 3);
  await closeAll();
}

async function priorities() {
  const queue = keep(new Queue('f-prio', { connection }));
  const order = [];
  // Added before any worker runs, then taken one at a time: lowest priority number first;
  // equal priorities in insertion order.
  await queue.add('p5', {}, { priority: 5 });
  await queue.add('p1a', {}, { priority: 1 });
  await queue.add('p3', {}, { priority: 3 });
  await queue.add('p1b', {}, { priority: 1 });
  await queue.add('p2', {}, { priority: 2 });
  check('prioritized jobs are counted', (await queue.getPrioritizedCount()) === 5);
  const worker = keep(new Worker('f-prio', async (job) => { order.push(job.name); },
                                 { connection, concurrency: 1 }));
  await waitFor(() => order.length === 5, 10000);
  check('jobs run in priority order', order.join() === 'p1a,p1b,p2,p3,p5', order.join());
  await worker.pause();
  await queue.add('plain', {});
  await queue.add('p9', {}, { priority: 9 });
  await queue.add('p4', {}, { priority: 4 });
  worker.resume();
  await waitFor(() => order.length === 8, 10000);
  check('a job without priority runs before prioritized ones', order.slice(5).join() === 'plain,p4,p9',
        order.slice(5).join());
  await closeAll();
}

async function flows() {
  const flow = keep(new FlowProducer({ connection }));
  const childValues = [];
  keep(new Worker('f-child', async (job) => job.data.n * job.data.n, { connection, concurrency: 3 }));
  keep(new Worker('f-parent', async (job) => {
    const values = await job.getChildrenValues();
    childValues.push(values);
    return Object.values(values).reduce((x, y) => x + y, 0);
  }, { connection }));
  const events = keep(new QueueEvents('f-parent', { connection }));
  await events.waitUntilReady();
  const tree = await flow.add({
    name: 'sum', queueName: 'f-parent',
    children: [1, 2, 3, 4].map((n) => ({ name: `sq${n}`, queueName: 'f-child', data: { n } })),
  });
  check('FlowProducer.add returns the tree', tree.children.length === 4 && tree.job.id);
  const sum = await tree.job.waitUntilFinished(events, 20000);
  check('the parent runs after its children and sees their values', sum === 30 &&
        Object.keys(childValues[0]).length === 4, `${sum} ${JSON.stringify(childValues)}`);
  const deps = await tree.job.getDependenciesCount();
  check('the parent has 4 processed dependencies', deps.processed === 4 && deps.unprocessed === 0,
        JSON.stringify(deps));
  // A grandchild: three levels.
  const deep = await flow.add({
    name: 'top', queueName: 'f-parent',
    children: [{ name: 'mid', queueName: 'f-parent',
                 children: [{ name: 'leaf', queueName: 'f-child', data: { n: 5 } }] }],
  });
  const top = await deep.job.waitUntilFinished(events, 20000);
  check('a three-level flow completes bottom up', top === 25, String(top));
  await closeAll();
}

async function queueEvents() {
  const queue = keep(new Queue('f-events', { connection }));
  // From the stream's start: QueueEvents is ready before its first XREAD, and events added in
  // between would be missed when reading from '$'.
  const events = keep(new QueueEvents('f-events', { connection, lastEventId: '0' }));
  await events.waitUntilReady();
  const log = [];
  for (const name of ['added', 'waiting', 'active', 'progress', 'completed', 'failed', 'delayed']) {
    events.on(name, (args) => log.push({ ...args, ev: name }));
  }
  keep(new Worker('f-events', async (job) => {
    await job.updateProgress(40);
    await job.updateProgress({ step: 'two' });
    if (job.data.fail) throw new Error('bad input');
    return 'fine';
  }, { connection }));
  const good = await queue.add('good', {});
  const bad = await queue.add('bad', { fail: true });
  const later = await queue.add('later', {}, { delay: 300 });
  await waitFor(() => log.filter((e) => e.ev === 'completed' || e.ev === 'failed').length >= 3,
                10000);
  const of = (id, ev) => log.filter((e) => e.jobId === id && e.ev === ev);
  check('QueueEvents: added, with the job name', of(good.id, 'added').length === 1 &&
        of(good.id, 'added')[0].name === 'good',
        JSON.stringify(log.filter((e) => e.jobId === good.id)));
  check('QueueEvents: active', of(good.id, 'active').length === 1);
  check('QueueEvents: progress, numbers and objects',
        JSON.stringify(of(good.id, 'progress').map((e) => e.data)) === '[40,{"step":"two"}]',
        JSON.stringify(of(good.id, 'progress')));
  check('QueueEvents: completed with the return value',
        of(good.id, 'completed').length === 1 && of(good.id, 'completed')[0].returnvalue === 'fine',
        JSON.stringify(of(good.id, 'completed')));
  check('QueueEvents: failed with the reason', of(bad.id, 'failed').length === 1 &&
        of(bad.id, 'failed')[0].failedReason === 'bad input');
  check('QueueEvents: delayed', of(later.id, 'delayed').length === 1);
  const ids = log.filter((e) => e.ev === 'completed').map((e) => e.jobId);
  check('QueueEvents: completed of the delayed job too', ids.includes(later.id), ids.join());
  await closeAll();
}

async function schedulers() {
  const queue = keep(new Queue('f-sched', { connection }));
  const runs = [];
  keep(new Worker('f-sched', async (job) => { runs.push({ name: job.name, at: Date.now(), data: job.data }); },
                  { connection }));
  const start = Date.now();
  await queue.upsertJobScheduler('every-300', { every: 300 }, { name: 'tick', data: { k: 1 } });
  const list = await queue.getJobSchedulers();
  check('getJobSchedulers lists the scheduler', list.length === 1 && list[0].key === 'every-300' &&
        list[0].every === 300, JSON.stringify(list));
  await waitFor(() => runs.filter((r) => r.name === 'tick').length >= 4, 8000);
  const ticks = runs.filter((r) => r.name === 'tick');
  check('the scheduler produces a job every 300 ms', ticks.length >= 4 &&
        ticks[3].at - start >= 850 && ticks.every((r) => r.data.k === 1),
        ticks.map((r) => r.at - start).join());
  check('removeJobScheduler', await queue.removeJobScheduler('every-300'));
  await sleep(700);
  const after = runs.filter((r) => r.name === 'tick').length;
  await sleep(700);
  check('no job after the scheduler is removed',
        runs.filter((r) => r.name === 'tick').length === after &&
        (await queue.getJobSchedulers()).length === 0);
  // The older API: a repeatable job with a limit.
  await queue.add('rep', { r: 2 }, { repeat: { every: 200, limit: 3 } });
  await waitFor(() => runs.filter((r) => r.name === 'rep').length >= 3, 8000);
  await sleep(600);
  check('a repeat { every, limit: 3 } job runs 3 times',
        runs.filter((r) => r.name === 'rep').length === 3,
        String(runs.filter((r) => r.name === 'rep').length));
  // A cron pattern (every second).
  await queue.upsertJobScheduler('cron', { pattern: '* * * * * *' }, { name: 'cron' });
  await waitFor(() => runs.filter((r) => r.name === 'cron').length >= 2, 5000);
  check('a cron-pattern scheduler runs every second', runs.filter((r) => r.name === 'cron').length >= 2);
  await queue.removeJobScheduler('cron');
  await closeAll();
}

// A worker process (bullmq_worker.js hang) takes a job and never finishes it; it is killed
// with SIGKILL; a worker here, checking for stalled jobs every 500 ms, takes the job back.
async function stalled() {
  const queue = keep(new Queue('f-stall', { connection }));
  const events = keep(new QueueEvents('f-stall', { connection }));
  await events.waitUntilReady();
  const stalledIds = [];
  events.on('stalled', ({ jobId }) => stalledIds.push(jobId));
  const child = spawn(process.execPath, [path.join(__dirname, 'bullmq_worker.js'), String(port),
                                         'hang', 'f-stall'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const job = await queue.add('stuck', { v: 7 });
  const active = await waitFor(async () => (await job.getState()) === 'active', 10000);
  check('the worker process took the job', active);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  check('the job is still active after its worker died', (await job.getState()) === 'active');
  const attempts = [];
  keep(new Worker('f-stall', async (j) => { attempts.push(j.id); return j.data.v * 6; },
                  { connection, lockDuration: 1000, stalledInterval: 500, maxStalledCount: 1 }));
  const result = await job.waitUntilFinished(events, 20000);
  check('the stalled job is recovered and completes', result === 42 && attempts.length === 1,
        `${result} ${attempts.join()}`);
  check('QueueEvents reported it stalled', stalledIds.includes(job.id), stalledIds.join());
  await closeAll();
}

async function main() {
  const sections = [addAndProcess, delayed, retries, priorities, flows, queueEvents, schedulers,
                    stalled];
  // BULLMQ_SECTIONS=flows,stalled runs only those (to look at one feature).
  const only = process.env.BULLMQ_SECTIONS ? process.env.BULLMQ_SECTIONS.split(',') : null;
  for (const section of sections.filter((s) => !only || only.includes(s.name))) {
    const t0 = Date.now();
    try {
      await section();
    } catch (err) {
      check(`${section.name} ran to its end`, false, err && err.stack ? err.stack : String(err));
      await closeAll().catch(() => {});
    }
    console.log(`-- ${section.name}: ${Date.now() - t0} ms`);
  }
}

const timer = setTimeout(() => {
  console.error('FAILED: the test took more than 100 s');
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
}, 100000);

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
