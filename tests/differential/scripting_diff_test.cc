// EVAL, SCRIPT, FUNCTION and FCALL compared byte for byte with redis-server: the Lua <-> RESP
// conversion rules in RESP2 and RESP3, the error texts with their "script: ..." suffixes, the
// sandbox (globals protection, read-only library tables, the libraries loaded), shebang flags
// and read-only variants, ACL and OOM checks on the commands a script runs, and the function
// libraries.
#include <string>
#include <vector>

#include "tests/support/differential.h"

namespace rill::testing {
namespace {

class ScriptingDiffTest : public DifferentialTest {
 protected:
  void SetUp() override {
    DifferentialTest::SetUp();
    if (HasFatalFailure()) return;
    SendBoth({"SCRIPT", "FLUSH"});
    SendBoth({"FUNCTION", "FLUSH"});
  }
  // EVAL `script` with no keys nor arguments on both servers.
  std::string Eval(const std::string& script, Compare compare = Compare::kExact) {
    return ExpectSame({"EVAL", script, "0"}, compare);
  }
};

TEST_F(ScriptingDiffTest, LuaToRespConversion) {
  for (const char* script : {
           "return 1", "return 3.99", "return -3.99", "return 0/0", "return 1e300",
           "return -1e300", "return 'hello'", "return ''", "return true", "return false",
           "return nil", "return {}", "return {1,2,3}", "return {1,2,nil,4}",
           "return {1,{2,{3,'x'}},false,true}", "return {err='My Error'}",
           "return {err='-FOO bar'}", "return {err='multi\\nline'}", "return {ok='fine'}",
           "return {ok='two\\r\\nlines'}", "return redis.error_reply('x')",
           "return redis.error_reply('-CODE message')", "return redis.error_reply('')",
           "return redis.status_reply('PONG')", "return redis.error_reply()",
           "return redis.status_reply(1)", "return {double=3.5}", "return {double='x'}",
           "return {big_number='123456789012345678901234567890'}",
           "return {map={a=1}}", "return {set={a=true}}",
           "return {verbatim_string={format='txt', string='hi'}}", "return {x=1, 5}",
           "return {1, x=2, 3}", "return function() end", "return {err=1}",
           "return 'a\\0b'", "return {'a\\0b', 2.7}",
       }) {
    Eval(script);
  }
}

TEST_F(ScriptingDiffTest, LuaToResp3Conversion) {
  SendBoth({"HELLO", "3"});
  for (const char* script : {
           "return true", "return false", "return nil", "return {double=3.5}",
           "return {double=1/0}", "return {big_number='1234'}", "return {map={a=1}}",
           "return {set={x=true}}", "return {verbatim_string={format='txt', string='hi'}}",
           "redis.setresp(3) return true", "redis.setresp(3) return false",
           "redis.setresp(3) return nil", "return {1,2}",
       }) {
    Eval(script);
  }
  SendBoth({"HELLO", "2"});
  Eval("redis.setresp(3) return true");
  Eval("redis.setresp(3) return false");
}

TEST_F(ScriptingDiffTest, RespToLuaConversion) {
  ExpectSame({"SET", "s", "val"});
  ExpectSame({"RPUSH", "l", "a", "b", "c"});
  for (const char* script : {
           "return redis.call('get', 's')",
           "return type(redis.call('get', 'nokey'))",
           "return tostring(redis.call('get', 'nokey'))",
           "return redis.call('lrange', 'l', 0, -1)",
           "return type(redis.call('set', 'x', 1)['ok'])",
           "return redis.call('set', 'x', 1)['ok']",
           "return redis.call('incr', 'counter')",
           "return type(redis.call('incr', 'counter'))",
           "return redis.call('incrbyfloat', 'f', 1.5)",
           "local r = redis.pcall('lpush', 's', 'x') return {type(r), r['err']}",
           "local r = redis.pcall('lpush', 's', 'x') local n = 0 for k in pairs(r) do n = n + "
           "1 end return n",
           "return redis.pcall('nosuchcommand')",
           "return redis.pcall('get')",
           "return redis.call('echo', 3.5)", "return redis.call('echo', 1e100)",
           "return redis.call('echo', 0.1)", "return redis.call('echo', -0)",
           "return redis.call('echo', 1/0)", "return redis.call('echo', 12345678901234567890)",
           "return redis.call('echo', {})", "return redis.call('echo', true)",
           "return redis.call()", "return redis.pcall()",
           "return redis.call('blpop', 'nolist', 0)",
           "return redis.call('ping')", "return redis.call('ping', 'x')",
           "return redis.call('lpop', 'nolist')",
           "return redis.call('exists', 's', 'l', 'none')",
       }) {
    Eval(script);
  }
  // RESP3 replies inside the script.
  for (const char* script : {
           "redis.setresp(3) return type(redis.call('get', 'nokey'))",
           "redis.setresp(3) local r = redis.call('config', 'get', 'maxmemory') return "
           "r['map']['maxmemory']",
           "redis.setresp(3) return redis.call('config', 'get', 'maxmemory')",
           "redis.setresp(3) local r = redis.call('info', 'keyspace') return "
           "r['verbatim_string']['format']",
           "redis.setresp(3) return redis.call('lrange', 'l', 0, 1)",
           "redis.setresp(4)", "redis.setresp()",
       }) {
    Eval(script);
  }
}

// Numbers passed to redis.call become "%.17g" text; integral ones below 1e17 take a faster
// path that must print the same bytes: both sides of each bound, signs, -0, fractions, huge and
// tiny values, and numbers that reach a key's value and a sorted set's score.
TEST_F(ScriptingDiffTest, NumbersAsCommandArguments) {
  for (const char* number : {
           "0", "-0", "1", "-1", "7", "42", "-42", "1e15", "2^53", "2^53+1", "-2^53",
           "2^53-1", "1e16", "-1e16", "99999999999999984", "-99999999999999984",
           "99999999999999999", "1e17", "-1e17", "1e17+16", "123456789012345678", "2^63",
           "-2^63", "2^64", "1e300", "-1e300", "1/0", "-1/0", "0.5", "-0.5", "0.1", "1e-5",
           "1e-300", "3.0", "1733600000000", "1733600000000.5", "1733600000000 * 1000",
           "2^31", "-2^31 - 1", "4294967296", "1.5e16", "12345678901234.5",
       }) {
    Eval(std::string("return redis.call('echo', ") + number + ")");
    Eval(std::string("redis.call('set', 'n', ") + number + ") return redis.call('get', 'n')");
  }
  Eval("local t = {} for i = 1, 20 do t[#t + 1] = redis.call('echo', i * 1000003) end "
       "return t");
  Eval("redis.call('zadd', 'z', 1733600000000, 'a', -0.25, 'b', 2^53, 'c') "
       "return redis.call('zrange', 'z', 0, -1, 'withscores')");
  Eval("return redis.call('hset', 'h', 'f', 12, 'g', -7, 'h', 0.125)");
  Eval("return redis.call('hgetall', 'h')");
}

TEST_F(ScriptingDiffTest, ErrorsAndTheirSuffixes) {
  SendBoth({"CONFIG", "RESETSTAT"});
  ExpectSame({"SET", "s", "x"});
  for (const char* script : {
           "return +", "local x = ", "error('boom')", "error(nil)", "error(12)",
           "error({err='X y'})", "local t = nil; return t.x", "return redis.call('lpush', 's', 1)",
           "return redis.call('nosuch')", "return redis.call('get')",
           "\n\nredis.call('incr', 's')", "local function f() error('deep') end f()",
           "return pcall(error, 'caught')", "return {pcall(redis.call, 'nosuch')}",
           "return {pcall(error, {err='t'})}", "return redis.sha1hex('abc')",
           "return redis.sha1hex()", "return redis.log(redis.LOG_WARNING)",
           "return redis.log('x', 'y')", "return redis.log(9, 'y')",
           "redis.log(redis.LOG_DEBUG, 'quiet')", "return redis.set_repl(99)",
           "return redis.set_repl()", "redis.set_repl(redis.REPL_ALL) return 1",
           "return redis.replicate_commands()", "return redis.breakpoint()",
           "return redis.debug('x')", "return redis.call('eval', 'return 1', 0)",
           "return redis.call('multi')", "return redis.call('subscribe', 'c')",
           "return redis.call('script', 'load', 'return 1')", "return redis.call('client', 'nosub')",
           "return redis.call('config')",
       }) {
    Eval(script);
  }
  ExpectSame({"EVAL", "return 1", "-1"});
  ExpectSame({"EVAL", "return 1", "2", "a"});
  ExpectSame({"EVAL", "return 1", "x"});
  ExpectSame({"EVAL", "return 1"});
  ExpectSame({"EVALSHA", "abc", "0"});
  ExpectSame({"EVALSHA", "0123456789012345678901234567890123456789", "0"});
  ExpectSame({"INFO", "errorstats"});
}

TEST_F(ScriptingDiffTest, Sandbox) {
  for (const char* script : {
           "x = 1", "return y", "redis.call = nil", "string.x = 1", "KEYS = 1",
           "KEYS[1] = 'x' return KEYS[1]", "rawset(_G, 'zz', 1)", "return rawget(_G, 'zz')",
           "table.insert(string, 1)", "setmetatable(string, {})",
           "return tostring(getmetatable(string))", "getmetatable('').__index = {}",
           "return rawequal(getmetatable('').__index, string)", "function f() end",
           "local t = {} for k, v in pairs(getmetatable(_G)) do t[#t+1] = k end return t",
           "local n = 0 for k in pairs(string) do n = n + 1 end return n",
           "local t = {} for k, v in pairs(_G) do t[#t+1] = k .. ':' .. type(v) end "
           "table.sort(t) return t",
           "local t = {} for k, v in pairs(redis) do t[#t+1] = k .. ':' .. type(v) end "
           "table.sort(t) return t",
           "local t = {} for k in pairs(math) do t[#t+1] = k end table.sort(t) return t",
           "local t = {} for k in pairs(table) do t[#t+1] = k end table.sort(t) return t",
           "local t = {} for k in pairs(string) do t[#t+1] = k end table.sort(t) return t",
           "local t = {} for k in pairs(bit) do t[#t+1] = k end table.sort(t) return t",
           "local t = {} for k in pairs(cjson) do t[#t+1] = k end table.sort(t) return t",
           "local t = {} for k in pairs(cmsgpack) do t[#t+1] = k end table.sort(t) return t",
           "local t = {} for k in pairs(struct) do t[#t+1] = k end table.sort(t) return t",
           "return os", "return io", "return require", "return loadfile", "return dofile",
           "return print", "return debug", "return package", "return module", "return setfenv",
           "return getfenv", "return newproxy", "return type(loadstring)", "return _VERSION",
           "return loadstring('return 1')()", "local f = loadstring('x=1') f() return 1",
           "return {redis.REDIS_VERSION, redis.REDIS_VERSION_NUM}",
           "return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
           "return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, "
           "redis.REPL_ALL}",
           "return {type(KEYS), #KEYS, type(ARGV)}",
           "local t = {3, 1, 2} table.sort(t) return t", "return table.concat({1, 2, 3}, ',')",
           "return {unpack({1, 2, 3})}", "return select('#', 1, 2, 3)",
           "local t = {} for i, v in ipairs({'a', 'b'}) do t[i] = v end return t",
           "return {next({})}", "return string.format('%d %s %5.2f %q', 3.7, 'x', 1.234, 'a\\n')",
           "return string.rep('ab', 3)", "return tostring(1e15)", "return tostring(0.1)",
           "return tostring(1/3)", "return tonumber('0x10')", "return math.huge > 0",
           "return coroutine.status(coroutine.create(function() end))",
       }) {
    Eval(script);
  }
  // Random numbers from Redis's generator: the same sequence for the same seed.
  Eval("math.randomseed(42) return {math.random(100), math.random(1, 6), "
       "tostring(math.random())}");
  Eval("return math.random(0)");
  Eval("return math.random(3, 1)");
}

TEST_F(ScriptingDiffTest, Libraries) {
  for (const char* script : {
           "return cjson.encode({1, 2, 3})", "return cjson.encode({a = 1})",
           "return cjson.encode({})", "return cjson.encode({0.1, 1e100, -5, 3.14159265358979})",
           "return cjson.encode('x\\ny\"')", "return cjson.encode(cjson.null)",
           "return cjson.encode({[1] = 'a', [3] = 'c'})", "return cjson.decode('[1,2,3]')",
           "return cjson.decode('{\"a\":[1,{\"b\":2}]}')['a'][2]['b']",
           "return cjson.decode('[1, 2')", "return cjson.encode(function() end)",
           "return tostring(cjson.decode('null') == cjson.null)", "return cjson._VERSION",
           "return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -129, "
           "-32769, 4294967296, -4294967296)",
           "return cmsgpack.pack(1.5, 0.1, 1e100, 'x', string.rep('y', 40), true, false)",
           "return cmsgpack.pack({1, 2, 3}, {a = 1}, {})",
           "return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3, 4}))}",
           "return cmsgpack.unpack(cmsgpack.pack({a = {b = {c = 'deep'}}})).a.b.c",
           "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3))}",
           "return {cmsgpack.unpack_one(cmsgpack.pack(1, 2, 3), 2)}",
           "return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2)}",
           "return cmsgpack.unpack('\\193')", "return cmsgpack.unpack('\\205\\1')",
           "return cmsgpack.pack()", "return bit.band(0xff, 0x0f)", "return bit.bor(1, 2, 4)",
           "return bit.tohex(65535)", "return bit.lshift(1, 40)", "return bit.bnot(0)",
           "return struct.pack('>I2', 258)", "return {struct.unpack('<i4', 'abcd')}",
           "return struct.pack('bBhHlL', -1, 255, -2, 65535, -3, 7)",
           "return {struct.unpack('>hH', '\\255\\254\\0\\1')}", "return struct.size('i4d')",
           "return {struct.unpack('c2 s', 'ab' .. 'hello\\0')}", "return struct.pack('z')",
           "return struct.pack('!4 b i4', 1, 2)", "return struct.pack('d', 1.5)",
           "return {struct.unpack('d', struct.pack('d', 1.5))}",
       }) {
    Eval(script);
  }
}

TEST_F(ScriptingDiffTest, ShebangFlagsAndReadOnly) {
  for (const char* script : {
           "#!lua flags=no-writes\nreturn 1", "#!lua flags=bad\nreturn 1",
           "#!lua foo=bar\nreturn 1", "#!luax\nreturn 1", "#!lua\nreturn 1",
           "#!lua name=x\nreturn 1", "#!lua", "#!lua flags=no-writes\nreturn redis.call('set','a','b')",
           "#!lua flags=allow-cross-slot-keys,no-cluster,allow-stale,allow-oom\nreturn 1",
           "#!lua flags=\nreturn 2", "#!lua  flags=no-writes\nreturn 1",
           "#!lua flags=no-writes,,allow-oom\nreturn 1",
       }) {
    Eval(script);
  }
  ExpectSame({"EVAL_RO", "return redis.call('set','a','b')", "0"});
  ExpectSame({"EVAL_RO", "return redis.call('get','a')", "0"});
  ExpectSame({"EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"});
  ExpectSame({"EVAL_RO", "#!lua\nreturn 1", "0"});
  std::string sha = BulkValue(ExpectSame({"SCRIPT", "LOAD", "return redis.call('incr', 'n')"}));
  ExpectSame({"EVALSHA_RO", sha, "0"});
  ExpectSame({"EVALSHA", sha, "0"});
}

TEST_F(ScriptingDiffTest, ScriptCache) {
  std::string sha = BulkValue(ExpectSame({"SCRIPT", "LOAD", "return ARGV[1] .. KEYS[1]"}));
  ExpectSame({"SCRIPT", "LOAD", "return +"});
  ExpectSame({"SCRIPT", "EXISTS", sha, "nosuch", std::string(40, 'a')});
  std::string upper = sha;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ExpectSame({"SCRIPT", "EXISTS", upper});
  ExpectSame({"EVALSHA", sha, "1", "k", "a"});
  ExpectSame({"EVALSHA", upper, "1", "k", "a"});
  ExpectSame({"EVAL", "return ARGV[1] .. KEYS[1]", "1", "k", "b"});
  ExpectSame({"SCRIPT", "FLUSH", "x"});
  ExpectSame({"SCRIPT", "FLUSH", "ASYNC"});
  ExpectSame({"SCRIPT", "EXISTS", sha});
  ExpectSame({"EVALSHA", sha, "0"});
  ExpectSame({"SCRIPT", "FLUSH", "SYNC"});
  ExpectSame({"SCRIPT", "FLUSH"});
  ExpectSame({"SCRIPT", "KILL"});
  ExpectSame({"SCRIPT", "HELP"});
  ExpectSame({"SCRIPT", "NOSUCH"});
  ExpectSame({"SCRIPT", "DEBUG", "maybe"});
  ExpectSame({"SCRIPT", "DEBUG", "no"});
  ExpectSame({"SCRIPT", "EXISTS"});
}

TEST_F(ScriptingDiffTest, AclInsideScripts) {
  ExpectSame({"ACL", "SETUSER", "scripter", "on", "nopass", "+eval", "+evalsha", "+get",
              "~allowed*", "+fcall"});
  ClientPair p = ConnectPair();
  ExpectSamePair(p, {"AUTH", "scripter", "x"});
  ExpectSamePair(p, {"EVAL", "return redis.call('get', 'allowed1')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.call('get', 'other')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.call('set', 'allowed1', 'x')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.pcall('set', 'allowed1', 'x')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.acl_check_cmd('get', 'allowed1')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.acl_check_cmd('get', 'other')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.acl_check_cmd('set', 'allowed1', 'v')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.acl_check_cmd('nosuch')", "0"});
  ExpectSamePair(p, {"EVAL", "return redis.acl_check_cmd()", "0"});
  ExpectSamePair(p, {"SCRIPT", "FLUSH"});
  ExpectSame({"ACL", "LOG", "RESET"});
  ExpectSamePair(p, {"EVAL", "return redis.call('get', 'other')", "0"});
  // The entry's context and object (the client info line differs between servers).
  ExpectSame({"EVAL",
              "local e = redis.call('acl', 'log')[1] return {e[1], e[2], e[3], e[4], e[5], "
              "e[6], e[7], e[8], e[9], e[10]}",
              "0"});
  ExpectSame({"ACL", "DELUSER", "scripter"});
}

TEST_F(ScriptingDiffTest, OutOfMemoryInsideScripts) {
  ExpectSame({"SET", "filler", std::string(1000, 'x')});
  SendBoth({"CONFIG", "SET", "maxmemory", "1"});
  ExpectSame({"EVAL", "return redis.call('set', 'x', 'y')", "0"});
  ExpectSame({"EVAL", "return redis.call('get', 'filler') ~= nil", "0"});
  ExpectSame({"EVAL", "#!lua\nreturn redis.call('set', 'x', 'y')", "0"});
  ExpectSame({"EVAL", "#!lua flags=allow-oom\nreturn redis.call('set', 'x', 'y')", "0"});
  ExpectSame({"EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'x')", "0"});
  ExpectSame({"EVAL_RO", "return redis.call('get', 'x')", "0"});
  ExpectSame({"EVAL", "return redis.pcall('set', 'x', 'z')", "0"});
  SendBoth({"CONFIG", "SET", "maxmemory", "0"});
  ExpectSame({"GET", "x"});
}

TEST_F(ScriptingDiffTest, TransactionsAndWatch) {
  ExpectSame({"MULTI"});
  ExpectSame({"EVAL", "return redis.call('incr', 'c')", "0"});
  ExpectSame({"EVAL", "return redis.call('incr', 'c')", "0"});
  ExpectSame({"EXEC"});
  ExpectSame({"WATCH", "w"});
  ClientPair other = ConnectPair();
  ExpectSamePair(other, {"EVAL", "return redis.call('set', KEYS[1], 'v')", "1", "w"});
  ExpectSame({"MULTI"});
  ExpectSame({"GET", "w"});
  ExpectSame({"EXEC"});
  // SELECT inside a script does not change the caller's database.
  ExpectSame({"EVAL", "redis.call('select', 1) return redis.call('set', 'in1', 'x')", "0"});
  ExpectSame({"GET", "in1"});
  ExpectSame({"SELECT", "1"});
  ExpectSame({"GET", "in1"});
  ExpectSame({"SELECT", "0"});
}

TEST_F(ScriptingDiffTest, FunctionsLoadAndCall) {
  const std::string lib =
      "#!lua name=mylib\n"
      "redis.register_function('f1', function(keys, args) return {keys[1], args[1], #keys, "
      "#args} end)\n"
      "redis.register_function{function_name='f2', callback=function() return "
      "redis.call('incr', 'n') end, description='incr n'}\n"
      "redis.register_function{function_name='ro', callback=function() return "
      "redis.call('get', 'n') end, flags={'no-writes'}}\n";
  ExpectSame({"FUNCTION", "LOAD", lib});
  ExpectSame({"FUNCTION", "LOAD", lib});
  ExpectSame({"FUNCTION", "LOAD", "REPLACE", lib});
  ExpectSame({"FCALL", "f1", "1", "k", "a"});
  ExpectSame({"FCALL", "F1", "1", "k", "a"});
  ExpectSame({"FCALL", "f2", "0"});
  ExpectSame({"FCALL_RO", "f2", "0"});
  ExpectSame({"FCALL_RO", "ro", "0"});
  ExpectSame({"FCALL", "nosuch", "0"});
  ExpectSame({"FCALL", "f1", "x"});
  ExpectSame({"FCALL", "f1", "-1"});
  ExpectSame({"FCALL", "f1", "3", "a"});
  // Functions within a library are listed in hash order (random in Redis): one per library.
  ExpectSame({"FUNCTION", "LOAD",
              "#!lua name=one\nredis.register_function{function_name='only', callback=function() "
              "return 1 end, flags={'allow-oom', 'no-writes', 'allow-stale'}, description='d'}"});
  ExpectSame({"FUNCTION", "LIST", "LIBRARYNAME", "on*"});
  ExpectSame({"FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "ONE"});
  ExpectSame({"FUNCTION", "LIST", "LIBRARYNAME", "nomatch*"});
  ExpectSame({"FUNCTION", "DELETE", "one"});
  ExpectSame({"FUNCTION", "LIST", "x"});
  ExpectSame({"FUNCTION", "LIST", "LIBRARYNAME"});
  ExpectSame({"FUNCTION", "STATS"});
  std::string dump = BulkValue(ExpectSame({"FUNCTION", "DUMP"}));
  ExpectSame({"FUNCTION", "RESTORE", dump});
  ExpectSame({"FUNCTION", "RESTORE", dump, "REPLACE"});
  ExpectSame({"FUNCTION", "RESTORE", dump, "FLUSH"});
  ExpectSame({"FUNCTION", "RESTORE", dump, "BAD"});
  ExpectSame({"FUNCTION", "RESTORE", "garbage"});
  ExpectSame({"FUNCTION", "DELETE", "mylib"});
  ExpectSame({"FUNCTION", "DELETE", "mylib"});
  ExpectSame({"FUNCTION", "RESTORE", dump, "APPEND"});
  ExpectSame({"FCALL", "f1", "0"});
  SendBoth({"HELLO", "3"});
  ExpectSame({"FUNCTION", "LIST", "LIBRARYNAME", "nomatch"});
  ExpectSame({"FUNCTION", "STATS"});
  SendBoth({"HELLO", "2"});
  ExpectSame({"FUNCTION", "FLUSH", "x"});
  ExpectSame({"FUNCTION", "FLUSH", "SYNC"});
  ExpectSame({"FUNCTION", "KILL"});
  ExpectSame({"FUNCTION", "HELP"});
}

TEST_F(ScriptingDiffTest, FunctionLoadErrors) {
  for (const char* code : {
           "#!lua name=t1\nlocal s = string.format('%d', 1)\nredis.register_function('f', "
           "function() end)",
           "#!lua name=t2\nlocal s = redis.call('ping')",
           "#!lua name=t3\nx = 1", "#!lua name=t4\nerror('boo')",
           "#!lua name=t5\nredis.register_function('x-y', function() end)",
           "#!lua name=t6\nredis.register_function{function_name='a', callback=function() end, "
           "flags={'no-writes', 'x'}}",
           "#!lua name=t7\nredis.register_function('f', function() end) "
           "redis.register_function('f', function() end)",
           "#!lua name=t8\nredis.register_function()",
           "#!lua name=t8\nredis.register_function('a', 'b')",
           "#!lua name=t8\nredis.register_function(1, function() end, 3)",
           "#!lua name=t8\nredis.register_function{}",
           "#!lua name=t8\nredis.register_function{function_name='x'}",
           "#!lua name=t8\nredis.register_function{callback=function() end}",
           "#!lua name=t8\nredis.register_function{function_name='x', callback=function() end, "
           "foo=1}",
           "#!lua name=t8\nredis.register_function{function_name='x', callback=1}",
           "#!lua name=t8\nredis.register_function{function_name='x', callback=function() end, "
           "flags=1}",
           "#!lua name=t8\nredis.register_function{function_name={}, callback=function() end}",
           "#!lua name=t8\nredis.register_function{[1]='x', callback=function() end}",
           "#!lua name=t8\nredis.register_function('f', function() end",
           "#!lua name=t9\nreturn 1", "#!lua name=t9 name=t8\nreturn 1", "#!lua\nreturn 1",
           "#!luaa name=x\nreturn 1", "return 1", "#!lua name=t9", "#!lua name=t9 foo=bar\nx",
           "#!lua name=bad-name\nredis.register_function('zz', function() end)",
           "#!LUA name=up\nredis.register_function('up', function() return 'up' end)",
       }) {
    ExpectSame({"FUNCTION", "LOAD", code});
  }
  ExpectSame({"FUNCTION", "LOAD", "bad", "#!lua name=t1\nreturn 1"});
  ExpectSame({"FCALL", "up", "0"});
  ExpectSame({"FUNCTION", "LOAD",
              "#!lua name=err\nredis.register_function('fe', function() error('x') end)\n"
              "redis.register_function('fc', function() return redis.call('nosuch') end)\n"
              "redis.register_function('fw', function() return redis.call('lpush', 'n', 1) "
              "end)"});
  ExpectSame({"SET", "n", "1"});
  ExpectSame({"FCALL", "fe", "0"});
  ExpectSame({"FCALL", "fc", "0"});
  ExpectSame({"FCALL", "fw", "0"});
}

}  // namespace
}  // namespace rill::testing
