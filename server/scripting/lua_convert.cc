#include "server/scripting/lua_convert.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

namespace rill::scripting {

namespace {

// The line starting at `p` (after the type byte) up to CRLF, and the position after the CRLF.
std::string_view Line(const char* p, const char** next) {
  const char* cr = static_cast<const char*>(std::memchr(p, '\r', 1u << 30));
  *next = cr + 2;
  return std::string_view(p, static_cast<size_t>(cr - p));
}

int64_t ParseLen(std::string_view s) {
  int64_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

void CheckStack(lua_State* L, int n) {
  if (!lua_checkstack(L, n)) luaL_error(L, "lua stack limit reach when parsing redis.call reply");
}

// Parses one value at `p`, pushing it when `push` (attributes are parsed and dropped).
const char* Parse(lua_State* L, const char* p, bool push) {
  const char type = *p++;
  const char* next;
  switch (type) {
    case ':': {
      const std::string_view s = Line(p, &next);
      if (push) {
        CheckStack(L, 1);
        lua_pushnumber(L, static_cast<lua_Number>(ParseLen(s)));
      }
      return next;
    }
    case '$': {
      const int64_t len = ParseLen(Line(p, &next));
      if (len < 0) {
        if (push) {
          CheckStack(L, 1);
          lua_pushboolean(L, 0);
        }
        return next;
      }
      if (push) {
        CheckStack(L, 1);
        lua_pushlstring(L, next, static_cast<size_t>(len));
      }
      return next + len + 2;
    }
    case '+': {
      const std::string_view s = Line(p, &next);
      if (push) {
        CheckStack(L, 3);
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, s.data(), s.size());
        lua_setfield(L, -2, "ok");
      }
      return next;
    }
    case '-': {
      const std::string_view s = Line(p, &next);
      if (push) {
        CheckStack(L, 3);
        PushErrorTable(L, p - 1, s.size() + 1, /*ignore_stats=*/true);
      }
      return next;
    }
    case '*':
    case '>': {
      const int64_t n = ParseLen(Line(p, &next));
      if (n < 0) {
        if (push) {
          CheckStack(L, 1);
          lua_pushboolean(L, 0);
        }
        return next;
      }
      if (push) {
        CheckStack(L, 2);
        lua_createtable(L, static_cast<int>(n), 0);
      }
      for (int64_t j = 0; j < n; ++j) {
        next = Parse(L, next, push);
        if (push) {
          // lua_settable with a nil value (a RESP3 null) leaves a hole, as in Redis.
          if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
          } else {
            lua_rawseti(L, -2, static_cast<int>(j + 1));
          }
        }
      }
      return next;
    }
    case '%':
    case '~': {
      const int64_t n = ParseLen(Line(p, &next));
      if (push) {
        CheckStack(L, 3);
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, static_cast<int>(n));
      }
      for (int64_t j = 0; j < n; ++j) {
        next = Parse(L, next, push);
        if (type == '%') {
          next = Parse(L, next, push);
        } else if (push) {
          CheckStack(L, 1);
          lua_pushboolean(L, 1);
        }
        if (push) {
          if (lua_isnil(L, -2)) {
            lua_pop(L, 2);  // a nil key cannot be stored (Redis would raise)
          } else {
            lua_settable(L, -3);
          }
        }
      }
      if (push) lua_setfield(L, -2, type == '%' ? "map" : "set");
      return next;
    }
    case '_':
      Line(p, &next);
      if (push) {
        CheckStack(L, 1);
        lua_pushnil(L);
      }
      return next;
    case '#': {
      const std::string_view s = Line(p, &next);
      if (push) {
        CheckStack(L, 1);
        lua_pushboolean(L, !s.empty() && s[0] == 't');
      }
      return next;
    }
    case ',': {
      const std::string s(Line(p, &next));
      if (push) {
        CheckStack(L, 3);
        lua_createtable(L, 0, 1);
        lua_pushnumber(L, std::strtod(s.c_str(), nullptr));
        lua_setfield(L, -2, "double");
      }
      return next;
    }
    case '(': {
      const std::string_view s = Line(p, &next);
      if (push) {
        CheckStack(L, 3);
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, s.data(), s.size());
        lua_setfield(L, -2, "big_number");
      }
      return next;
    }
    case '=': {
      const int64_t len = ParseLen(Line(p, &next));
      if (push) {
        CheckStack(L, 5);
        lua_createtable(L, 0, 1);
        lua_createtable(L, 0, 2);
        const size_t text = len >= 4 ? static_cast<size_t>(len) - 4 : 0;
        lua_pushlstring(L, next + 4, text);
        lua_setfield(L, -2, "string");
        lua_pushlstring(L, next, 3);
        lua_setfield(L, -2, "format");
        lua_setfield(L, -2, "verbatim_string");
      }
      return next + len + 2;
    }
    case '|': {
      const int64_t n = ParseLen(Line(p, &next));
      for (int64_t j = 0; j < 2 * n; ++j) next = Parse(L, next, false);
      return Parse(L, next, push);
    }
    default:
      // Not produced by the server; stop where we are.
      if (push) lua_pushnil(L);
      return p;
  }
}

// sdsmapchars(s, "\r\n", "  "): the text of a status or big number stays on one line.
std::string OneLine(const char* s, size_t len) {
  std::string out(s, len);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

// The error reply of a table with a string `err` field (on top of the stack, kept).
void ReplyErrorTable(lua_State* L, protocol::ReplyBuilder& reply) {
  std::string msg;
  lua_getfield(L, -1, "err");
  if (const char* s = lua_tostring(L, -1)) msg = s;  // up to a NUL byte, as Redis
  lua_pop(L, 1);
  lua_getfield(L, -1, "ignore_error_stats_update");
  const bool counted = lua_isboolean(L, -1) && lua_toboolean(L, -1);
  lua_pop(L, 1);
  std::string text = "-" + msg;
  for (char& c : text) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  if (counted) {
    reply.ErrorCountedElsewhere(text);
  } else {
    reply.Error(text);
  }
}

// A string field of the table on top of the stack, or null.
bool RawField(lua_State* L, const char* name, int type) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
}

}  // namespace

size_t PushRespAsLua(lua_State* L, std::string_view reply) {
  const char* end = Parse(L, reply.data(), true);
  return static_cast<size_t>(end - reply.data());
}

void ReplyLuaValue(lua_State* L, protocol::ReplyBuilder& reply, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    reply.Error("ERR reached lua stack limit");
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      reply.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          reply.Integer(1);
        } else {
          reply.Null();
        }
      } else {
        reply.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      // (long long) of the double, as Redis: x86's conversion gives INT64_MIN for NaN and
      // out-of-range values.
      reply.Integer(static_cast<int64_t>(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      if (RawField(L, "err", LUA_TSTRING)) {
        lua_pop(L, 1);
        ReplyErrorTable(L, reply);
        break;
      }
      if (RawField(L, "ok", LUA_TSTRING)) {
        const char* s = lua_tostring(L, -1);
        reply.Raw("+");
        reply.Raw(OneLine(s, std::strlen(s)));
        reply.Raw("\r\n");
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "double", LUA_TNUMBER)) {
        reply.Double(lua_tonumber(L, -1));
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "big_number", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        reply.BigNumber(OneLine(s, len));
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "verbatim_string", LUA_TTABLE)) {
        if (RawField(L, "format", LUA_TSTRING)) {
          std::string format = lua_tostring(L, -1);
          format.resize(3, '\0');
          lua_pop(L, 1);
          if (RawField(L, "string", LUA_TSTRING)) {
            size_t len;
            const char* s = lua_tolstring(L, -1, &len);
            reply.Verbatim(std::string_view(s, len), format);
            lua_pop(L, 3);
            return;
          }
        }
        lua_pop(L, 1);
      }
      if (RawField(L, "map", LUA_TTABLE)) {
        size_t pairs = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          ++pairs;
        }
        reply.MapHeader(pairs);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          ReplyLuaValue(L, reply, script_resp);  // key
          ReplyLuaValue(L, reply, script_resp);  // value
        }
        lua_pop(L, 1);
        break;
      }
      if (RawField(L, "set", LUA_TTABLE)) {
        size_t n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          ++n;
        }
        reply.SetHeader(n);
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          ReplyLuaValue(L, reply, script_resp);
        }
        lua_pop(L, 1);
        break;
      }
      // An array: elements 1..n up to the first nil.
      int n = 0;
      while (true) {
        lua_rawgeti(L, -1, n + 1);
        const bool nil = lua_isnil(L, -1);
        lua_pop(L, 1);
        if (nil) break;
        ++n;
      }
      reply.ArrayHeader(static_cast<size_t>(n));
      for (int j = 1; j <= n; ++j) {
        lua_rawgeti(L, -1, j);
        ReplyLuaValue(L, reply, script_resp);
      }
      break;
    }
    default:
      reply.Null();
  }
  lua_pop(L, 1);
}

}  // namespace rill::scripting
