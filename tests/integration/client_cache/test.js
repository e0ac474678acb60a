// node-redis v5's client-side cache (RESP3 + CLIENT TRACKING) against a server on the port given
// as argument: a read is served from the server once and from the cache after; another client's
// write invalidates it (the next read sees the new value); HSET invalidates a cached HGETALL;
// FLUSHALL empties the whole cache. Exits 0 when every check holds, 1 with the failure otherwise.
'use strict';
const { createClient, BasicClientSideCache } = require('@redis/client');

const port = Number(process.argv[2]);

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

// Resolves when the cache hears of an invalidation of `key` (null: all keys).
function invalidationOf(cache, key) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no invalidation of ${key}`)), 5000);
    const listener = (k) => {
      const name = k === null ? null : k.toString();
      if (name !== key) return;
      clearTimeout(timer);
      cache.off('invalidate', listener);
      resolve();
    };
    cache.on('invalidate', listener);
  });
}

async function main() {
  const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
  const reader = createClient({ socket: { host: '127.0.0.1', port }, RESP: 3, clientSideCache: cache });
  const writer = createClient({ socket: { host: '127.0.0.1', port } });
  await reader.connect();
  await writer.connect();
  try {
    await writer.set('csc:k', 'v1');
    check((await reader.get('csc:k')) === 'v1', 'first read');
    check((await reader.get('csc:k')) === 'v1', 'cached read');
    let stats = cache.stats();
    check(stats.missCount === 1 && stats.hitCount === 1, `1 miss and 1 hit, got ${JSON.stringify(stats)}`);
    check(cache.size() === 1, 'one cached entry');

    const info = await writer.info('clients');
    check(/tracking_clients:1\r\n/.test(info), 'the server counts the tracking client');

    let invalidated = invalidationOf(cache, 'csc:k');
    await writer.set('csc:k', 'v2');
    await invalidated;
    check(cache.size() === 0, 'entry dropped on invalidation');
    check((await reader.get('csc:k')) === 'v2', 'read after invalidation sees the new value');
    check((await reader.get('csc:k')) === 'v2', 'and is cached again');

    await writer.hSet('csc:h', { f: '1' });
    const first = await reader.hGetAll('csc:h');
    check(first.f === '1', 'HGETALL');
    await reader.hGetAll('csc:h');
    invalidated = invalidationOf(cache, 'csc:h');
    await writer.hSet('csc:h', { f: '2' });
    await invalidated;
    check((await reader.hGetAll('csc:h')).f === '2', 'HGETALL after HSET');

    // The reader's own write invalidates its cache too (no NOLOOP).
    invalidated = invalidationOf(cache, 'csc:k');
    await reader.set('csc:k', 'v3');
    await invalidated;
    check((await reader.get('csc:k')) === 'v3', 'own write');

    invalidated = invalidationOf(cache, null);
    await writer.flushAll();
    await invalidated;
    check(cache.size() === 0, 'FLUSHALL empties the cache');
    check((await reader.get('csc:k')) === null, 'read after FLUSHALL');

    stats = cache.stats();
    console.log(`client-side cache: ${stats.hitCount} hits, ${stats.missCount} misses`);
  } finally {
    await reader.quit();
    await writer.quit();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  });
