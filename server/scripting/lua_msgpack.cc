// cmsgpack: MessagePack for scripts, with the API and encoding choices of the lua-cmsgpack 0.4.0
// module Redis ships (written anew here): pack(...) concatenates the encodings of its arguments;
// integers take the smallest integer form, other numbers float 32 when exact else float 64,
// strings the str forms (fixstr, str8, str16, str32), tables an array when their keys are
// exactly 1..n else a map, nesting deeper than 16 levels nil; unpack(s) returns every value,
// unpack_one(s [,offset]) and unpack_limit(s, limit [,offset]) the offset of the next value (-1
// at the end) and the values read.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "server/scripting/lua_env.h"

namespace rill::scripting {

namespace {

constexpr int kMaxNesting = 16;

void PutBigEndian(std::string& out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void EncodeInteger(std::string& out, int64_t n) {
  if (n >= 0) {
    const uint64_t u = static_cast<uint64_t>(n);
    if (u <= 127) {
      out.push_back(static_cast<char>(u));
    } else if (u <= 0xff) {
      out.push_back(static_cast<char>(0xcc));
      PutBigEndian(out, u, 1);
    } else if (u <= 0xffff) {
      out.push_back(static_cast<char>(0xcd));
      PutBigEndian(out, u, 2);
    } else if (u <= 0xffffffffULL) {
      out.push_back(static_cast<char>(0xce));
      PutBigEndian(out, u, 4);
    } else {
      out.push_back(static_cast<char>(0xcf));
      PutBigEndian(out, u, 8);
    }
  } else if (n >= -32) {
    out.push_back(static_cast<char>(static_cast<int8_t>(n)));
  } else if (n >= -128) {
    out.push_back(static_cast<char>(0xd0));
    PutBigEndian(out, static_cast<uint64_t>(n), 1);
  } else if (n >= -32768) {
    out.push_back(static_cast<char>(0xd1));
    PutBigEndian(out, static_cast<uint64_t>(n), 2);
  } else if (n >= -2147483648LL) {
    out.push_back(static_cast<char>(0xd2));
    PutBigEndian(out, static_cast<uint64_t>(n), 4);
  } else {
    out.push_back(static_cast<char>(0xd3));
    PutBigEndian(out, static_cast<uint64_t>(n), 8);
  }
}

void EncodeNumber(std::string& out, double d) {
  if (!std::isinf(d) && static_cast<double>(static_cast<int64_t>(d)) == d) {
    EncodeInteger(out, static_cast<int64_t>(d));
    return;
  }
  const float f = static_cast<float>(d);
  if (static_cast<double>(f) == d) {
    uint32_t bits;
    std::memcpy(&bits, &f, 4);
    out.push_back(static_cast<char>(0xca));
    PutBigEndian(out, bits, 4);
  } else {
    uint64_t bits;
    std::memcpy(&bits, &d, 8);
    out.push_back(static_cast<char>(0xcb));
    PutBigEndian(out, bits, 8);
  }
}

void EncodeHeader(std::string& out, size_t n, uint8_t fix, size_t fix_max, uint8_t h16,
                  uint8_t h32) {
  if (n <= fix_max) {
    out.push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    out.push_back(static_cast<char>(h16));
    PutBigEndian(out, n, 2);
  } else {
    out.push_back(static_cast<char>(h32));
    PutBigEndian(out, n, 4);
  }
}

void EncodeValue(lua_State* L, std::string& out, int level);

// Whether the table on top of the stack is an array: keys exactly 1..n. Its length when so.
bool TableArrayLength(lua_State* L, size_t* len) {
  double max = 0;
  size_t count = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TNUMBER) {
      const double n = lua_tonumber(L, -1);
      if (n > 0 && n == std::floor(n)) {
        if (n > max) max = n;
        ++count;
        continue;
      }
    }
    lua_pop(L, 1);
    return false;
  }
  *len = count;
  return max == static_cast<double>(count);
}

void EncodeTable(lua_State* L, std::string& out, int level) {
  size_t len;
  if (!lua_checkstack(L, 3)) luaL_error(L, "stack overflow in cmsgpack.pack");
  if (TableArrayLength(L, &len)) {
    EncodeHeader(out, len, 0x90, 15, 0xdc, 0xdd);
    for (size_t j = 1; j <= len; ++j) {
      lua_rawgeti(L, -1, static_cast<int>(j));
      EncodeValue(L, out, level + 1);
      lua_pop(L, 1);
    }
    return;
  }
  size_t pairs = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    ++pairs;
  }
  EncodeHeader(out, pairs, 0x80, 15, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);
    EncodeValue(L, out, level + 1);  // key
    lua_pop(L, 1);
    EncodeValue(L, out, level + 1);  // value
    lua_pop(L, 1);
  }
}

// Encodes the value on top of the stack (left there).
void EncodeValue(lua_State* L, std::string& out, int level) {
  switch (lua_type(L, -1)) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      if (len < 32) {
        out.push_back(static_cast<char>(0xa0 | len));
      } else if (len <= 0xff) {
        out.push_back(static_cast<char>(0xd9));
        PutBigEndian(out, len, 1);
      } else if (len <= 0xffff) {
        out.push_back(static_cast<char>(0xda));
        PutBigEndian(out, len, 2);
      } else {
        out.push_back(static_cast<char>(0xdb));
        PutBigEndian(out, len, 4);
      }
      out.append(s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out.push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER:
      EncodeNumber(out, lua_tonumber(L, -1));
      break;
    case LUA_TTABLE:
      if (level >= kMaxNesting) {
        out.push_back(static_cast<char>(0xc0));
      } else {
        EncodeTable(L, out, level);
      }
      break;
    default:
      out.push_back(static_cast<char>(0xc0));
  }
}

int Pack(lua_State* L) {
  const int argc = lua_gettop(L);
  if (argc == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  std::string out;
  for (int i = 1; i <= argc; ++i) {
    lua_pushvalue(L, i);
    EncodeValue(L, out, 0);
    lua_pop(L, 1);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

enum class DecodeError { kNone, kEof, kType };

struct Decoder {
  const unsigned char* p;
  size_t left;
  DecodeError err = DecodeError::kNone;

  bool Need(size_t n) {
    if (left < n) {
      err = DecodeError::kEof;
      return false;
    }
    return true;
  }
  uint64_t Big(size_t offset, int bytes) const {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | p[offset + i];
    return v;
  }
  void Skip(size_t n) {
    p += n;
    left -= n;
  }
};

void DecodeValue(lua_State* L, Decoder& d);

void DecodeArray(lua_State* L, Decoder& d, size_t n) {
  lua_newtable(L);
  for (size_t j = 1; j <= n; ++j) {
    DecodeValue(L, d);
    if (d.err != DecodeError::kNone) return;
    lua_rawseti(L, -2, static_cast<int>(j));
  }
}

void DecodeMap(lua_State* L, Decoder& d, size_t n) {
  lua_newtable(L);
  for (size_t j = 0; j < n; ++j) {
    DecodeValue(L, d);
    if (d.err != DecodeError::kNone) return;
    DecodeValue(L, d);
    if (d.err != DecodeError::kNone) return;
    if (lua_isnil(L, -2)) {
      lua_pop(L, 2);
      continue;
    }
    lua_settable(L, -3);
  }
}

void DecodeString(lua_State* L, Decoder& d, size_t header, size_t len) {
  if (!d.Need(header + len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(d.p + header), len);
  d.Skip(header + len);
}

// Pushes one decoded value (nothing on error, d.err set).
void DecodeValue(lua_State* L, Decoder& d) {
  if (!lua_checkstack(L, 3)) luaL_error(L, "stack overflow in cmsgpack.unpack");
  if (!d.Need(1)) return;
  const unsigned char c = d.p[0];
  if (c <= 0x7f) {
    lua_pushnumber(L, c);
    d.Skip(1);
    return;
  }
  if (c >= 0xe0) {
    lua_pushnumber(L, static_cast<int8_t>(c));
    d.Skip(1);
    return;
  }
  if ((c & 0xe0) == 0xa0) return DecodeString(L, d, 1, c & 0x1f);
  if ((c & 0xf0) == 0x90) {
    d.Skip(1);
    return DecodeArray(L, d, c & 0x0f);
  }
  if ((c & 0xf0) == 0x80) {
    d.Skip(1);
    return DecodeMap(L, d, c & 0x0f);
  }
  switch (c) {
    case 0xc0:
      lua_pushnil(L);
      d.Skip(1);
      return;
    case 0xc2:
      lua_pushboolean(L, 0);
      d.Skip(1);
      return;
    case 0xc3:
      lua_pushboolean(L, 1);
      d.Skip(1);
      return;
    case 0xcc:
    case 0xcd:
    case 0xce:
    case 0xcf: {
      const int bytes = 1 << (c - 0xcc);
      if (!d.Need(1 + bytes)) return;
      lua_pushnumber(L, static_cast<lua_Number>(d.Big(1, bytes)));
      d.Skip(1 + bytes);
      return;
    }
    case 0xd0:
    case 0xd1:
    case 0xd2:
    case 0xd3: {
      const int bytes = 1 << (c - 0xd0);
      if (!d.Need(1 + bytes)) return;
      const uint64_t u = d.Big(1, bytes);
      int64_t v;
      switch (bytes) {
        case 1:
          v = static_cast<int8_t>(u);
          break;
        case 2:
          v = static_cast<int16_t>(u);
          break;
        case 4:
          v = static_cast<int32_t>(u);
          break;
        default:
          v = static_cast<int64_t>(u);
      }
      lua_pushnumber(L, static_cast<lua_Number>(v));
      d.Skip(1 + bytes);
      return;
    }
    case 0xca: {
      if (!d.Need(5)) return;
      const uint32_t bits = static_cast<uint32_t>(d.Big(1, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      lua_pushnumber(L, f);
      d.Skip(5);
      return;
    }
    case 0xcb: {
      if (!d.Need(9)) return;
      const uint64_t bits = d.Big(1, 8);
      double v;
      std::memcpy(&v, &bits, 8);
      lua_pushnumber(L, v);
      d.Skip(9);
      return;
    }
    case 0xd9:
    case 0xc4:
      if (!d.Need(2)) return;
      return DecodeString(L, d, 2, d.Big(1, 1));
    case 0xda:
    case 0xc5:
      if (!d.Need(3)) return;
      return DecodeString(L, d, 3, d.Big(1, 2));
    case 0xdb:
    case 0xc6:
      if (!d.Need(5)) return;
      return DecodeString(L, d, 5, d.Big(1, 4));
    case 0xdc:
      if (!d.Need(3)) return;
      {
        const size_t n = d.Big(1, 2);
        d.Skip(3);
        return DecodeArray(L, d, n);
      }
    case 0xdd:
      if (!d.Need(5)) return;
      {
        const size_t n = d.Big(1, 4);
        d.Skip(5);
        return DecodeArray(L, d, n);
      }
    case 0xde:
      if (!d.Need(3)) return;
      {
        const size_t n = d.Big(1, 2);
        d.Skip(3);
        return DecodeMap(L, d, n);
      }
    case 0xdf:
      if (!d.Need(5)) return;
      {
        const size_t n = d.Big(1, 4);
        d.Skip(5);
        return DecodeMap(L, d, n);
      }
    default:
      d.err = DecodeError::kType;
  }
}

int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  if (offset < 0 || limit < 0) {
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(limit));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.", static_cast<int>(offset),
                      static_cast<int>(len));
  }
  const bool decode_all = limit == 0 && offset == 0;
  Decoder d{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  const int base = lua_gettop(L);
  int count = 0;
  for (; d.left > 0 && (decode_all || count < limit); ++count) {
    DecodeValue(L, d);
    if (d.err == DecodeError::kEof) return luaL_error(L, "Missing bytes in input.");
    if (d.err == DecodeError::kType) return luaL_error(L, "Bad data format in input.");
  }
  if (!decode_all) {
    const lua_Integer next = d.left == 0 ? -1 : static_cast<lua_Integer>(len - d.left);
    lua_pushinteger(L, next);
    lua_insert(L, base + 1);
    ++count;
  }
  return count;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int UnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, 1);
  return UnpackFull(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, 1);
  return UnpackFull(L, limit, offset);
}

}  // namespace

int OpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg functions[] = {{"pack", Pack},
                                {"unpack", Unpack},
                                {"unpack_one", UnpackOne},
                                {"unpack_limit", UnpackLimit},
                                {nullptr, nullptr}};
  for (const luaL_Reg* f = functions; f->name != nullptr; ++f) {
    lua_pushcfunction(L, f->func);
    lua_setfield(L, -2, f->name);
  }
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace rill::scripting
