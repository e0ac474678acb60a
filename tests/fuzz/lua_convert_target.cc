#include "tests/fuzz/lua_convert_target.h"

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/reply_builder.h"
#include "server/scripting/lua_convert.h"
#include "server/scripting/lua_env.h"

namespace rill::fuzz {

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "lua_convert contract violated: %s [%.*s]\n", what,
               static_cast<int>(std::min<size_t>(detail.size(), 400)), detail.data());
  std::abort();
}

// Consumes the fuzz input byte by byte; zeros once exhausted.
struct Bytes {
  const uint8_t* p;
  size_t left;
  uint8_t Next() {
    if (left == 0) return 0;
    --left;
    return *p++;
  }
  std::string String() {
    const size_t len = Next() % 24;
    std::string s;
    for (size_t i = 0; i < len; ++i) s.push_back(static_cast<char>(Next()));
    return s;
  }
  std::string Line() {  // no CR/LF/NUL: for status and error lines
    std::string s = String();
    for (char& c : s) {
      if (c == '\r' || c == '\n' || c == '\0') c = ' ';
    }
    return s;
  }
};

// Length of the well-formed frame at the start of `in` (RESP2/3 as the reply builder writes
// it), 0 if it is not one.
size_t FrameLength(std::string_view in, int depth = 0) {
  if (in.empty() || depth > 100) return 0;
  const size_t eol = in.find("\r\n");
  if (eol == std::string_view::npos) return 0;
  const char type = in[0];
  const std::string_view line = in.substr(1, eol - 1);
  const size_t head = eol + 2;
  auto number = [&](int64_t* v) {
    auto [ptr, ec] = std::from_chars(line.data(), line.data() + line.size(), *v);
    return ec == std::errc() && ptr == line.data() + line.size();
  };
  switch (type) {
    case '+':
    case '-':
    case ',':
    case '(':
    case '_':
    case '#':
      return head;
    case ':': {
      int64_t v;
      return number(&v) ? head : 0;
    }
    case '$':
    case '=': {
      int64_t len;
      if (!number(&len)) return 0;
      if (len < 0) return type == '$' && len == -1 ? head : 0;
      if (in.size() < head + len + 2 || in.substr(head + len, 2) != "\r\n") return 0;
      return head + len + 2;
    }
    case '*':
    case '~':
    case '%': {
      int64_t n;
      if (!number(&n)) return 0;
      if (n < 0) return type == '*' && n == -1 ? head : 0;
      if (type == '%') n *= 2;
      size_t pos = head;
      for (int64_t i = 0; i < n; ++i) {
        const size_t used = FrameLength(in.substr(pos), depth + 1);
        if (used == 0) return 0;
        pos += used;
      }
      return pos;
    }
    default:
      return 0;
  }
}

// A RESP3 reply from the bytes; `faithful` stays true while it uses only the types whose
// conversion to Lua and back gives the same bytes.
void BuildResp(Bytes& b, std::string& out, bool& faithful, int depth) {
  const uint8_t kind = b.Next() % (depth > 4 ? 7 : 12);
  auto add_line = [&](char type, const std::string& s) {
    out.push_back(type);
    out.append(s);
    out.append("\r\n");
  };
  switch (kind) {
    case 0: {
      const std::string s = b.String();
      out.append("$" + std::to_string(s.size()) + "\r\n" + s + "\r\n");
      break;
    }
    case 1: {
      int64_t v = static_cast<int8_t>(b.Next()) * 1000003LL * (b.Next() % 4);
      add_line(':', std::to_string(v));
      break;
    }
    case 2:
      add_line('+', b.Line());
      break;
    case 3: {
      // Errors come back as "<CODE> <message>": only such texts round-trip unchanged.
      std::string code = "E";
      for (int i = b.Next() % 5; i > 0; --i) code.push_back(static_cast<char>('A' + b.Next() % 26));
      std::string msg = b.Line();
      for (char& c : msg) {
        if (c == '\0') c = '.';
      }
      if (msg.empty()) msg = "m";
      msg[0] = 'm';
      msg.back() = 'm';
      add_line('-', code + " " + msg);
      break;
    }
    case 4:
      out.append("$-1\r\n");
      faithful = false;
      break;
    case 5:
      out.append("_\r\n");
      faithful = false;
      break;
    case 6:
      add_line('#', b.Next() % 2 ? "t" : "f");
      faithful = false;
      break;
    case 7:
    case 8: {
      const size_t n = b.Next() % 5;
      out.append("*" + std::to_string(n) + "\r\n");
      for (size_t i = 0; i < n; ++i) BuildResp(b, out, faithful, depth + 1);
      break;
    }
    case 9: {
      const size_t n = b.Next() % 4;
      const bool map = b.Next() % 2;
      out.append((map ? "%" : "~") + std::to_string(n) + "\r\n");
      for (size_t i = 0; i < n * (map ? 2 : 1); ++i) BuildResp(b, out, faithful, depth + 1);
      faithful = false;
      break;
    }
    case 10: {
      const double values[] = {0.5, -1.25, 1e300, 3.0, 0.1};
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%.17g", values[b.Next() % 5]);
      add_line(',', buf);
      faithful = false;
      break;
    }
    default: {
      const std::string s = b.String();
      out.append("=" + std::to_string(s.size() + 4) + "\r\ntxt:" + s + "\r\n");
      faithful = false;
      break;
    }
  }
}

// A Lua value from the bytes, pushed on the stack.
void BuildLua(lua_State* L, Bytes& b, int depth) {
  lua_checkstack(L, 8);
  const uint8_t kind = b.Next() % (depth > 4 ? 6 : 10);
  switch (kind) {
    case 0: {
      const std::string s = b.String();
      lua_pushlstring(L, s.data(), s.size());
      break;
    }
    case 1: {
      const double values[] = {0, -0.0, 1.5, -3.99, 1e300, -1e300, 9.2e18, -9.3e18,
                               __builtin_nan(""), __builtin_inf(), 42, 2.5e-10};
      lua_pushnumber(L, values[b.Next() % 12]);
      break;
    }
    case 2:
      lua_pushboolean(L, b.Next() % 2);
      break;
    case 3:
      lua_pushnil(L);
      break;
    case 4: {
      lua_createtable(L, 0, 1);
      const char* fields[] = {"err", "ok", "double", "big_number"};
      const int which = b.Next() % 4;
      if (which == 2) {
        lua_pushnumber(L, static_cast<int8_t>(b.Next()) / 3.0);
      } else {
        const std::string s = b.String();
        lua_pushlstring(L, s.data(), s.size());
      }
      lua_setfield(L, -2, fields[which]);
      break;
    }
    case 5: {
      lua_createtable(L, 0, 1);
      lua_createtable(L, 0, 2);
      const std::string f = b.String();
      const std::string s = b.String();
      lua_pushlstring(L, f.data(), f.size());
      lua_setfield(L, -2, "format");
      lua_pushlstring(L, s.data(), s.size());
      lua_setfield(L, -2, "string");
      lua_setfield(L, -2, "verbatim_string");
      break;
    }
    case 6:
    case 7: {
      const int n = b.Next() % 6;
      lua_createtable(L, n, 0);
      for (int i = 1; i <= n; ++i) {
        BuildLua(L, b, depth + 1);
        if (lua_isnil(L, -1)) {
          lua_pop(L, 1);
        } else {
          lua_rawseti(L, -2, i);
        }
      }
      break;
    }
    default: {
      const bool map = b.Next() % 2;
      lua_createtable(L, 0, 1);
      lua_newtable(L);
      const int n = b.Next() % 4;
      for (int i = 0; i < n; ++i) {
        BuildLua(L, b, depth + 1);
        if (map) {
          BuildLua(L, b, depth + 1);
        } else {
          lua_pushboolean(L, 1);
        }
        if (lua_isnil(L, -2) || (lua_type(L, -2) == LUA_TNUMBER && lua_tonumber(L, -2) !=
                                                                       lua_tonumber(L, -2))) {
          lua_pop(L, 2);  // nil and NaN cannot be keys
        } else {
          lua_settable(L, -3);
        }
      }
      lua_setfield(L, -2, map ? "map" : "set");
      break;
    }
  }
}

void CheckReply(lua_State* L, int script_resp, bool resp3) {
  std::string out;
  protocol::ReplyBuilder reply(&out);
  reply.set_resp3(resp3);
  const int top = lua_gettop(L);
  lua_pushvalue(L, -1);
  scripting::ReplyLuaValue(L, reply, script_resp);
  if (lua_gettop(L) != top) Fail("ReplyLuaValue left the stack unbalanced");
  if (FrameLength(out) != out.size()) Fail("not one well-formed frame", out);
}

lua_State* State() {
  static lua_State* L = luaL_newstate();
  lua_settop(L, 0);
  return L;
}

}  // namespace

void RunLuaConvertInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  Bytes b{data + 1, size - 1};
  lua_State* L = State();
  if (data[0] % 2 == 0) {
    std::string resp;
    bool faithful = true;
    BuildResp(b, resp, faithful, 0);
    if (FrameLength(resp) != resp.size()) Fail("generator built a bad frame", resp);
    const size_t used = scripting::PushRespAsLua(L, resp);
    if (used != resp.size()) Fail("conversion did not consume exactly the reply", resp);
    if (lua_gettop(L) != 1) Fail("conversion did not push one value", resp);
    for (int script_resp : {2, 3}) {
      CheckReply(L, script_resp, false);
      CheckReply(L, script_resp, true);
    }
    if (faithful) {
      std::string back;
      protocol::ReplyBuilder reply(&back);
      reply.set_resp3(true);
      scripting::ReplyLuaValue(L, reply, 2);
      if (back != resp) Fail("faithful reply did not round-trip", resp + " -> " + back);
    }
  } else {
    BuildLua(L, b, 0);
    for (int script_resp : {2, 3}) {
      CheckReply(L, script_resp, false);
      CheckReply(L, script_resp, true);
    }
  }
  lua_settop(L, 0);
  lua_gc(L, LUA_GCSTEP, 10);
}

}  // namespace rill::fuzz
