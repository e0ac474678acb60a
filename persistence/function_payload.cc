#include "persistence/function_payload.h"

#include "persistence/crc64.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_writer.h"

namespace rill::persistence {

std::string EncodeFunctionPayload(std::span<const std::string> codes, bool compression) {
  StringSink sink;
  RdbSaveOptions options;
  options.compression = compression;
  RdbWriter writer(&sink, options);
  for (const std::string& code : codes) writer.PutFunction(code);
  writer.FlushPending();
  std::string payload = sink.Take();
  payload.push_back(static_cast<char>(rdb::kVersion & 0xff));
  payload.push_back(static_cast<char>((rdb::kVersion >> 8) & 0xff));
  const uint64_t crc = Crc64(0, payload);
  for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return payload;
}

bool DecodeFunctionPayload(std::string_view payload, std::vector<std::string>* codes,
                           std::string* error) {
  // Redis's verifyDumpPayload: a known RDB version and a matching CRC64.
  if (payload.size() < 10) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  const auto* footer = reinterpret_cast<const unsigned char*>(payload.data() + payload.size() - 10);
  const unsigned version = footer[0] | (footer[1] << 8);
  uint64_t stored = 0;
  for (int i = 0; i < 8; ++i) stored |= static_cast<uint64_t>(footer[2 + i]) << (8 * i);
  if (version > rdb::kVersion ||
      Crc64(0, payload.substr(0, payload.size() - 8)) != stored) {
    *error = "ERR DUMP payload version or checksum are wrong";
    return false;
  }
  RdbInput in(payload.substr(0, payload.size() - 10));
  std::string scratch;
  while (in.remaining() > 0) {
    uint8_t type;
    if (!in.ReadByte(&type)) {
      *error = "ERR can not read data type";
      return false;
    }
    if (type == rdb::kOpFunction) {
      *error = "ERR Pre-GA function format not supported";
      return false;
    }
    if (type != rdb::kOpFunction2) {
      *error = "ERR given type is not a function";
      return false;
    }
    RdbString code;
    if (!in.ReadString(&code, &scratch)) {
      *error = "ERR failed loading the given functions payload";
      return false;
    }
    char buf[24];
    codes->emplace_back(code.View(buf));
  }
  return true;
}

}  // namespace rill::persistence
