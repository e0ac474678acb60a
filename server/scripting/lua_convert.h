// Conversions between Lua values and RESP, as Redis 7.0's script_lua.c does them.
//
// RESP -> Lua (a command's reply inside redis.call): integer -> number, bulk -> string, null
// bulk / null array -> false, array -> table, status -> {ok=...}, error -> {err=...}; and with
// redis.setresp(3): map -> {map={...}}, set -> {set={k=true...}}, null -> nil, boolean ->
// boolean, double -> {double=n}, big number -> {big_number=s}, verbatim ->
// {verbatim_string={format=..., string=...}}; attributes are skipped.
//
// Lua -> RESP (a script's return value): string -> bulk, number -> integer (truncated), true ->
// 1 (RESP3 scripts: a boolean), false -> null (RESP3 scripts: a boolean), table -> its `err`
// (error), `ok` (status), `double`, `big_number`, `verbatim_string`, `map` or `set` field, else
// an array of its elements 1..n up to the first nil; anything else -> null.
#pragma once

#include <cstddef>
#include <string_view>

#include "protocol/reply_builder.h"
#include "server/scripting/lua_env.h"

namespace rill::scripting {

// Pushes the Lua form of the one complete RESP reply at the start of `reply` (bytes the server
// wrote itself: trusted, well-formed) and returns its length in bytes. Errors become Redis
// error tables marked as already counted.
size_t PushRespAsLua(lua_State* L, std::string_view reply);

// Writes the Lua value on top of the stack as the reply, and pops it. `script_resp` is the
// protocol the script chose with redis.setresp (it decides how booleans convert).
void ReplyLuaValue(lua_State* L, protocol::ReplyBuilder& reply, int script_resp);

}  // namespace rill::scripting
