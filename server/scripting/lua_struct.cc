// struct: binary packing for scripts, with the API and format language of Roberto
// Ierusalimschy's struct library that Redis ships (written anew here): struct.pack(fmt, ...),
// struct.unpack(fmt, s [,pos]) (the values, then the position after them) and struct.size(fmt).
// Format: '<' little / '>' big endian, '!n' alignment, 'x' a pad byte, 'b' 'B' 'h' 'H' 'l' 'L'
// 'T' 'in' 'In' integers, 'f' 'd' floats, 'cn' n chars (c0: the previous value's length on
// unpack, the string's on pack), 's' a zero-terminated string, ' ' ignored.
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "server/scripting/lua_env.h"

namespace rill::scripting {

namespace {

constexpr int kMaxIntSize = 32;
// The alignment of a double after a char: struct.c computes it with offsetof.
constexpr int kNativeAlign = alignof(double);

struct Header {
  bool little = true;  // x86
  int align = 1;
};

bool IsDigit(int c) { return c >= '0' && c <= '9'; }

int GetNum(lua_State* L, const char** fmt, int df) {
  if (!IsDigit(**fmt)) return df;
  int a = 0;
  do {
    if (a > (INT_MAX / 10) || a * 10 > (INT_MAX - (**fmt - '0'))) {
      luaL_error(L, "integral size overflow");
    }
    a = a * 10 + *((*fmt)++) - '0';
  } while (IsDigit(**fmt));
  return a;
}

size_t OptSize(lua_State* L, char opt, const char** fmt) {
  switch (opt) {
    case 'B':
    case 'b':
      return 1;
    case 'H':
    case 'h':
      return 2;
    case 'L':
    case 'l':
      return 8;
    case 'T':
      return sizeof(size_t);
    case 'f':
      return sizeof(float);
    case 'd':
      return sizeof(double);
    case 'x':
      return 1;
    case 'c':
      return static_cast<size_t>(GetNum(L, fmt, 1));
    case 'i':
    case 'I': {
      const int sz = GetNum(L, fmt, sizeof(int));
      if (sz > kMaxIntSize) {
        luaL_error(L, "integral size %d is larger than limit of %d", sz, kMaxIntSize);
      }
      return static_cast<size_t>(sz);
    }
    default:
      return 0;  // other cases do not need alignment
  }
}

size_t ToAlign(size_t len, const Header& h, int opt, size_t size) {
  if (size <= 1 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return (size - (len & (size - 1))) & (size - 1);
}

void ControlOptions(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ':
      return;
    case '>':
      h->little = false;
      return;
    case '<':
      h->little = true;
      return;
    case '!': {
      const int a = GetNum(L, fmt, kNativeAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default:
      luaL_argerror(L, 1, lua_pushfstring(L, "invalid format option '%c'", opt));
  }
}

void PutInteger(std::string& out, lua_Number n, bool little, size_t size) {
  unsigned long value = n < 0 ? static_cast<unsigned long>(static_cast<long>(n))
                              : static_cast<unsigned long>(n);
  char buf[kMaxIntSize];
  for (size_t i = 0; i < size; ++i) {
    const size_t at = little ? i : size - 1 - i;
    buf[at] = static_cast<char>(i < sizeof(long) ? (value >> (8 * i)) & 0xff
                                                 : (n < 0 ? 0xff : 0));
  }
  out.append(buf, size);
}

void PutReversed(std::string& out, const void* p, size_t size, bool little) {
  const char* bytes = static_cast<const char*>(p);
  if (little) {
    out.append(bytes, size);
  } else {
    for (size_t i = 0; i < size; ++i) out.push_back(bytes[size - 1 - i]);
  }
}

int Pack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  int arg = 2;
  std::string out;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    const size_t size = OptSize(L, static_cast<char>(opt), &fmt);
    const size_t pad = ToAlign(out.size(), h, opt, size);
    out.append(pad, '\0');
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        PutInteger(out, luaL_checknumber(L, arg++), h.little, size);
        break;
      case 'x':
        out.push_back('\0');
        break;
      case 'f': {
        const float f = static_cast<float>(luaL_checknumber(L, arg++));
        PutReversed(out, &f, size, h.little);
        break;
      }
      case 'd': {
        const double d = luaL_checknumber(L, arg++);
        PutReversed(out, &d, size, h.little);
        break;
      }
      case 'c':
      case 's': {
        size_t l;
        const char* s = luaL_checklstring(L, arg++, &l);
        size_t n = size;
        if (n == 0) n = l;
        luaL_argcheck(L, l >= n, arg - 1, "string too short");
        out.append(s, n);
        if (opt == 's') {
          out.push_back('\0');
          n++;
        }
        break;
      }
      default:
        ControlOptions(L, opt, &fmt, &h);
    }
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

lua_Number GetInteger(const char* buf, bool little, bool is_signed, size_t size) {
  unsigned long l = 0;
  for (size_t i = 0; i < size; ++i) {
    const unsigned char b = static_cast<unsigned char>(little ? buf[size - 1 - i] : buf[i]);
    l = (l << 8) | b;
  }
  if (!is_signed) return static_cast<lua_Number>(l);
  if (size < sizeof(long)) {
    const unsigned long mask = ~0UL << (size * 8 - 1);
    if (l & mask) l |= mask;  // sign extension
  }
  return static_cast<lua_Number>(static_cast<long>(l));
}

int Unpack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t ld;
  const char* data = luaL_checklstring(L, 2, &ld);
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1)) - 1;
  luaL_argcheck(L, pos <= ld, 3, "offset must be 1 or greater");
  lua_settop(L, 2);
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = OptSize(L, static_cast<char>(opt), &fmt);
    pos += ToAlign(pos, h, opt, size);
    luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b':
      case 'B':
      case 'h':
      case 'H':
      case 'l':
      case 'L':
      case 'T':
      case 'i':
      case 'I':
        lua_pushnumber(L, GetInteger(data + pos, h.little, opt >= 'a', size));
        break;
      case 'x':
        break;
      case 'f': {
        float f;
        char tmp[sizeof(float)];
        for (size_t i = 0; i < size; ++i) tmp[i] = data[pos + (h.little ? i : size - 1 - i)];
        std::memcpy(&f, tmp, sizeof(f));
        lua_pushnumber(L, f);
        break;
      }
      case 'd': {
        double d;
        char tmp[sizeof(double)];
        for (size_t i = 0; i < size; ++i) tmp[i] = data[pos + (h.little ? i : size - 1 - i)];
        std::memcpy(&d, tmp, sizeof(d));
        lua_pushnumber(L, d);
        break;
      }
      case 'c': {
        if (size == 0) {
          if (lua_gettop(L) == 2 || !lua_isnumber(L, -1)) {
            luaL_error(L, "format 'c0' needs a previous size");
          }
          size = static_cast<size_t>(lua_tonumber(L, -1));
          lua_pop(L, 1);
          luaL_argcheck(L, size <= ld && pos <= ld - size, 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        break;
      }
      case 's': {
        const void* e = std::memchr(data + pos, '\0', ld - pos);
        if (e == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(e) - (data + pos) + 1);
        lua_pushlstring(L, data + pos, size - 1);
        break;
      }
      default:
        ControlOptions(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos) + 1);
  return lua_gettop(L) - 2;
}

int Size(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    const size_t size = OptSize(L, static_cast<char>(opt), &fmt);
    pos += ToAlign(pos, h, opt, size);
    if (opt == 's') {
      luaL_argerror(L, 1, "options 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "options 'c0' has no fixed size");
    }
    if (!IsDigit(opt) && opt != 'b' && opt != 'B' && opt != 'h' && opt != 'H' && opt != 'l' &&
        opt != 'L' && opt != 'T' && opt != 'i' && opt != 'I' && opt != 'x' && opt != 'f' &&
        opt != 'd' && opt != 'c' && opt != 's') {
      ControlOptions(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

}  // namespace

int OpenStruct(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, Pack);
  lua_setfield(L, -2, "pack");
  lua_pushcfunction(L, Unpack);
  lua_setfield(L, -2, "unpack");
  lua_pushcfunction(L, Size);
  lua_setfield(L, -2, "size");
  return 1;
}

}  // namespace rill::scripting
